"""Settings read the environment and fail loudly on a bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gradebook import env

REPO = Path(__file__).resolve().parents[2]


def _load_settings(**environ: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG"}
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='gradebook.settings';"
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_sqlite_and_eager_celery():
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_database_and_broker_urls_switch_to_the_real_services():
    result = _load_settings(
        DATABASE_URL="postgres://u:p@db.invalid:5432/gb",
        CELERY_BROKER_URL="redis://r.invalid:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def test_a_dead_workers_tasks_are_swept_back_soon():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='gradebook.settings';"
        "from django.conf import settings; o = settings.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(o['visibility_timeout'], o['unacked_restore_interval'],"
        " o['unacked_restore_throttle'], o['unacked_mutex_expire'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CELERY_VISIBILITY_TIMEOUT": "5", "CELERY_RESTORE_INTERVAL": "2"},
    )
    assert result.returncode == 0, result.stderr
    # Swept every 2 s, and a sweep's lock left by a killed worker expires within seconds.
    assert result.stdout.split() == ["5", "2", "1", "6"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL scheme 'mysql' is not supported"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "must be a redis://"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND='ftp' must be one of"),
        ({"SCAN_UPLOAD_MAX_BYTES": "lots"}, "is not an integer"),
        ({"CELERY_RESTORE_INTERVAL": "0"}, "CELERY_RESTORE_INTERVAL"),
        ({"GRADEBOOK_REQUIRE_SECRET": "true"}, "SECRET_KEY"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(environ, message):
    result = _load_settings(**environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("MY_SECRET_FILE", str(secret))
    assert env.envstr("MY_SECRET") == "s3cr3t"
    monkeypatch.setenv("MY_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env.envstr("MY_SECRET")


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), ("off", False), ("", False)]
)
def test_envbool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.envbool("FLAG", not expected) is expected


def test_envint_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("N", "3")
    assert env.envint("N", 1, minimum=1) == 3
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env.envint("N", 1, minimum=1)
