"""A throw-away Django environment for the benchmarks: a temporary SQLite file (or a fresh
database on a PostgreSQL server), a temporary MEDIA_ROOT and eager Celery, never the
developer's ``var/``.

The environment variables are set *before* Django reads its settings, so the settings module
sees them exactly as it would in a deployment; nothing in the project is patched.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def machine() -> dict[str, object]:
    """Where the figures come from: cores, memory, Python, load when measured."""
    ram_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kib = int(line.split()[1])
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(ram_kib / 2**20, 1),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "loadavg_1m": round(load[0], 2),
    }


@contextmanager
def django_environment(*, database_url: str = "", broker_url: str = "") -> Iterator[Path]:
    """Set up Django on a temporary database and media folder; yield the temporary folder.

    With no ``database_url`` the database is a SQLite file in the temporary folder; with a
    PostgreSQL URL a new database ``bench_<pid>`` is created on that server (the URL's own
    database is never written) and dropped afterwards. With no ``broker_url`` Celery runs
    tasks eagerly in-process (the embedded default).
    """
    tmp = Path(tempfile.mkdtemp(prefix="gradebook-bench-"))
    os.environ["GRADEBOOK_VAR_DIR"] = str(tmp)
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    # A DATABASE_URL makes the settings want a key chosen for a deployment: this throw-away
    # one lives as long as the benchmark's database.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SETTINGS_MODULE"] = "gradebook.settings"
    os.environ["LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "WARNING")
    if broker_url:
        os.environ["CELERY_BROKER_URL"] = broker_url
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    else:
        os.environ.pop("CELERY_BROKER_URL", None)
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Users are created by the hundred; the password hash is not what is measured.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = None
    try:
        if connection.vendor == "postgresql":
            connection.settings_dict["TEST"]["NAME"] = f"bench_{os.getpid()}"
            old_name = connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
        else:
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
        yield tmp
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)
