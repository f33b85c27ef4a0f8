"""Backup and restore, end to end, as an operator runs them: ``manage.py backup`` of a graded
installation (the demo's pipeline run: pages, images, answers, grade history), ``manage.py
restore`` into a fresh database and media directory, then every table's row count and every
file compared with the original, read independently of the backup's own manifest."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from tests.conftest import require_service

REPO = Path(__file__).resolve().parents[2]


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, "CELERY_BROKER_URL": "", "SECRET_KEY": secrets.token_urlsafe(50), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _assert_same(source_counts, restored_counts, source_media: Path, restored_media: Path):
    assert restored_counts == source_counts
    for table in ("exams_page", "exams_answer", "gradebook_score", "gradebook_gradeevent"):
        assert source_counts[table] > 0, table  # the demo really filled them
    source_files = _files(source_media)
    assert any(name.endswith(".pdf") for name in source_files)
    assert _files(restored_media) == source_files


@pytest.mark.services
def test_a_postgres_backup_restores_into_a_fresh_database_and_media_dir(
    django_db_setup, django_db_blocker, tmp_path
):
    from django.db import connection

    require_service("PostgreSQL", connection.vendor == "postgresql", "pg_dump needs PostgreSQL")
    s = connection.settings_dict
    server = f"{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    names = {side: f"gradebook_backup_{side}_{secrets.token_hex(4)}" for side in ("src", "dst")}
    urls = {side: f"postgres://{server}/{name}" for side, name in names.items()}
    media = {side: tmp_path / f"media-{side}" for side in names}
    env = {
        side: {
            "DATABASE_URL": urls[side],
            "MEDIA_ROOT": str(media[side]),
            "GRADEBOOK_VAR_DIR": str(tmp_path / f"var-{side}"),
        }
        for side in names
    }
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f"CREATE DATABASE {name}")
    try:
        _ok(_manage(env["src"], "migrate", "--noinput"))
        _ok(_manage(env["src"], "demo", "--students", "2"))
        out = _ok(_manage(env["src"], "backup", str(tmp_path / "backup")))
        assert "media files" in out
        assert oct((tmp_path / "backup").stat().st_mode & 0o777) == "0o700"
        out = _ok(_manage(env["dst"], "restore", str(tmp_path / "backup")))
        assert "match the backup's manifest" in out

        counts = {side: _pg_counts(url) for side, url in urls.items()}
        _assert_same(counts["src"], counts["dst"], media["src"], media["dst"])
        # The restored log is still sealed: its triggers came with the schema.
        conn = psycopg2.connect(urls["dst"])
        try:
            with pytest.raises(psycopg2.Error, match="append-only"), conn.cursor() as cur:
                cur.execute("UPDATE gradebook_gradeevent SET new_points = 0")
        finally:
            conn.close()
        # A second restore over it is refused, and changes nothing.
        again = _manage(env["dst"], "restore", str(tmp_path / "backup"))
        assert again.returncode != 0
        assert "restore into a new, empty database" in again.stderr
        assert _pg_counts(urls["dst"]) == counts["src"]
    finally:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for name in names.values():
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        # Opened here, outside the test database's fixtures: left open, it was the session
        # still on the test database when the run ended, and its DROP failed.
        connection.close()


def _pg_counts(url: str) -> dict[str, int]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            tables = sorted(row[0] for row in cur.fetchall())
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cur.fetchone()[0]
        return counts
    finally:
        conn.close()


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_the_embedded_default_backs_up_and_restores_too(tmp_path):
    """SQLite (the demo's database): the same two commands, through SQLite's backup API."""
    env = {
        side: {"GRADEBOOK_VAR_DIR": str(tmp_path / side), "MEDIA_ROOT": str(tmp_path / side / "m")}
        for side in ("src", "dst")
    }
    _ok(_manage(env["src"], "migrate", "--noinput"))
    _ok(_manage(env["src"], "demo", "--students", "2"))
    _ok(_manage(env["src"], "backup", str(tmp_path / "backup")))
    _ok(_manage(env["dst"], "restore", str(tmp_path / "backup")))
    counts = {side: _sqlite_counts(tmp_path / side / "gradebook.sqlite3") for side in env}
    _assert_same(counts["src"], counts["dst"], tmp_path / "src" / "m", tmp_path / "dst" / "m")
