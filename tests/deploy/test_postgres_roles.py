"""docker compose's database recipe, run on the suite's PostgreSQL without Docker: the init
script makes the two roles, ``migrate`` runs as the owner, ``grant_app_role`` seals the log,
and the application (the demo's whole pipeline) runs as its role, which cannot erase it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import psycopg2
import pytest

from tests.conftest import require_service
from tests.deploy.conftest import REPO

pytestmark = pytest.mark.services
INIT = REPO / "deploy" / "postgres-init" / "10-gradebook-roles.sh"


@pytest.fixture
def compose_database(django_db_setup, django_db_blocker, tmp_path):
    """A database made by the init script, migrated by its owner; dropped afterwards."""
    from django.db import connection

    require_service("PostgreSQL", connection.vendor == "postgresql", "roles need PostgreSQL")
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", str(s["PORT"] or 5432)
    name = f"gradebook_compose_{secrets.token_hex(4)}"
    passwords = {"owner": secrets.token_hex(8), "app": secrets.token_hex(8)}
    subprocess.run(
        ["sh", str(INIT)],
        env={
            **os.environ,
            "PGHOST": host,
            "PGPORT": port,
            "PGPASSWORD": s["PASSWORD"] or "",
            "POSTGRES_USER": s["USER"],
            "GRADEBOOK_DB": name,
            "GRADEBOOK_OWNER_PASSWORD": passwords["owner"],
            "GRADEBOOK_APP_PASSWORD": passwords["app"],
        },
        check=True,
        capture_output=True,
    )
    urls = {
        role: f"postgres://gradebook_{role}:{pw}@{host}:{port}/{name}"
        for role, pw in passwords.items()
    }

    def manage(role: str, *args: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "DATABASE_URL": urls[role],
            "CELERY_BROKER_URL": "",
            "GRADEBOOK_VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SECRET_KEY": secrets.token_urlsafe(50),
        }
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    for args in (("migrate", "--noinput"), ("grant_app_role", "gradebook_app")):
        result = manage("owner", *args)
        assert result.returncode == 0, result.stdout + result.stderr
    yield {"urls": urls, "manage": manage, "host": host, "port": port, "name": name}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
    connection.close()  # opened outside the test database's fixtures: nothing stays on it


def _connect(db, role):
    conn = psycopg2.connect(db["urls"][role])
    conn.autocommit = True
    return conn


def test_the_app_role_runs_the_pipeline_and_only_the_owner_deletes_an_exam(
    compose_database,
):
    db = compose_database
    result = db["manage"]("app", "demo", "--students", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    conn = _connect(db, "app")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM gradebook_gradeevent")
            events = cur.fetchone()[0]
            assert events > 0  # the auto-checker logged its verdicts as the app role
            for sql in (
                "DELETE FROM gradebook_gradeevent",
                "TRUNCATE gradebook_gradeevent",
                "UPDATE gradebook_gradeevent SET new_points = 0",
                "ALTER TABLE gradebook_gradeevent DISABLE TRIGGER ALL",
                "CREATE TABLE gradebook_shadow (id int)",
            ):
                with pytest.raises(psycopg2.Error) as info:
                    cur.execute(sql)
                assert info.value.pgcode == "42501", (sql, info.value)
            cur.execute("SELECT count(*) FROM gradebook_gradeevent")
            assert cur.fetchone()[0] == events
    finally:
        conn.close()
    # The demo's own reset erases grade history: refused to the app.
    refused = db["manage"]("app", "demo", "--reset", "--students", "2")
    assert refused.returncode != 0
    assert "may not erase grade history" in refused.stderr

    # The owner (no superuser) may not rewrite or truncate either, but deletes an exam.
    conn = _connect(db, "owner")
    try:
        with conn.cursor() as cur:
            for sql in ("TRUNCATE gradebook_gradeevent", "UPDATE gradebook_gradeevent SET id = 0"):
                with pytest.raises(psycopg2.Error, match="append-only"):
                    cur.execute(sql)
            cur.execute("SELECT id FROM exams_exam")
            (exam_id,) = cur.fetchone()
            deleted = db["manage"]("owner", "exam_delete", str(exam_id), "--noinput")
            assert deleted.returncode == 0, deleted.stdout + deleted.stderr
            assert f"{events} grade events" in deleted.stdout
            cur.execute("SELECT count(*) FROM gradebook_gradeevent")
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()
