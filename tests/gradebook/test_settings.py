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


SECRET = "a-test-key-" + "x" * 50


def _load_settings(
    code: str = "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)",
    **environ: str,
) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process with only ``environ`` on top of a clean one."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
    }
    environ.setdefault("SECRET_KEY", SECRET)
    program = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='gradebook.settings';"
        "from django.conf import settings;" + code
    )
    return subprocess.run(
        [sys.executable, "-c", program],
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
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is still the placeholder"),
        ({"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS=-1 is below the minimum 0"),
        ({"SECURE_SSL_REDIRECT": "sure"}, "SECURE_SSL_REDIRECT='sure' is not a boolean"),
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"}, "must be a header name"),
        (
            {"SECRET_KEY": "", "DATABASE_URL": "postgres://u:p@db.invalid:5432/gb"},
            "SECRET_KEY (or SECRET_KEY_FILE) must be set",
        ),
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


def test_the_embedded_default_makes_its_own_private_key_once(tmp_path):
    """No key is written in the code: without SECRET_KEY the embedded default makes one."""
    code = "print(settings.SECRET_KEY)"
    first = _load_settings(code, SECRET_KEY="", GRADEBOOK_VAR_DIR=str(tmp_path))
    second = _load_settings(code, SECRET_KEY="", GRADEBOOK_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert first.stdout.strip() == second.stdout.strip() == key
    assert len(key) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = _load_settings(code, SECRET_KEY="", GRADEBOOK_VAR_DIR=str(tmp_path / "elsewhere"))
    assert other.stdout.strip() != key


def test_https_settings_come_from_the_environment():
    code = (
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
        " settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD,"
        " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " *settings.SECURE_PROXY_SSL_HEADER)"
    )
    result = _load_settings(
        code,
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="yes",
        SECURE_HSTS_PRELOAD="1",
        SESSION_COOKIE_SECURE="on",
        CSRF_COOKIE_SECURE="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        *["True", "600", "True", "True", "True", "True"],
        *["HTTP_X_FORWARDED_PROTO", "https"],
    ]
