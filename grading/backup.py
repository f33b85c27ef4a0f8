"""Backup and restore of a whole installation: the database and the media files.

A backup is a directory of three files:

- ``database.dump``: ``pg_dump``'s custom format on PostgreSQL, or on SQLite a copy made
  with SQLite's online backup API (``database.sqlite3``);
- ``media.tar``: every file under ``MEDIA_ROOT`` (uncompressed: scans and page images are
  compressed already);
- ``manifest.json``: when and from what, the migrations applied, the row count of every
  table and every media file with its size and SHA-256.

On PostgreSQL the row counts and the list of files the rows refer to are read in the very
snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so the manifest describes the dump
exactly even while the application keeps writing. Media files are copied after that
snapshot: a file the snapshot refers to is in the tar unless it was deleted meanwhile (which
only deleting an exam or discarding a page does), and the manifest lists any such file.

:func:`backup_restore` restores into an empty database and an empty media directory only,
then checks every table's row count and every file's hash against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    """What a backup holds, to check a restore against."""

    format: int
    created_at: str
    vendor: str
    migrations: dict[str, str]
    tables: dict[str, int]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: bool = True
    #: Files the database referred to that were gone before the media were copied.
    referenced_missing: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def media_bytes(self) -> int:
        return sum(f["size"] for f in self.files.values())

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} cannot be read: {exc}") from exc
        if data.get("format") != FORMAT:
            raise BackupError(f"{path}: unknown backup format {data.get('format')!r}")
        return cls(**data)


# --- reading the database ------------------------------------------------------------------


def _table_counts() -> dict[str, int]:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {q(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrations() -> dict[str, str]:
    """The latest migration applied of each app (what the restored code must reach)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        return {app: name for app, name in cursor.fetchall()}


def _referenced_files() -> set[str]:
    """Every stored file name the rows refer to (every FileField of every model)."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                values = model._default_manager.exclude(**{f.name: ""}).values_list(
                    f.name, flat=True
                )
                names.update(v for v in values if v)
    return names


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump and pg_restore (password in env)."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    if s.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


# --- media ---------------------------------------------------------------------------------


class _HashingReader:
    """A file read through once: into the tar and into its SHA-256 at the same time."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sha256.update(data)
        return data


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def _write_media(root: Path, tar_path: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in _media_files(root):
            name = path.relative_to(root).as_posix()
            try:
                fh = path.open("rb")
            except FileNotFoundError:
                continue  # deleted since it was listed
            with fh:
                info = tar.gettarinfo(arcname=name, fileobj=fh)
                reader = _HashingReader(fh)
                tar.addfile(info, reader)
            files[name] = {"size": info.size, "sha256": reader.sha256.hexdigest()}
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- backup --------------------------------------------------------------------------------


def _media_root(media: bool) -> Path | None:
    if not media:
        return None
    if settings.STORAGE_BACKEND != "filesystem":
        raise BackupError(
            "media are in object storage (STORAGE_BACKEND=s3): back the bucket up with its "
            "own tools (versioning, replication) and pass --no-media"
        )
    return Path(settings.MEDIA_ROOT)


def _empty_dir(path: Path, what: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{what} {path} exists and is not empty")
    path.mkdir(parents=True, exist_ok=True)


def backup_create(dest: Path, *, media: bool = True) -> Manifest:
    """Write a backup of the database (and of ``MEDIA_ROOT``) into the new directory ``dest``."""
    media_root = _media_root(media)
    if connection.in_atomic_block:
        raise BackupError("a backup takes its own snapshot: run it outside a transaction")
    _empty_dir(dest, "the backup directory")
    if connection.vendor == "postgresql":
        args, env = _pg_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot for the counts, the file list and pg_dump: they agree exactly.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables, migrations, referenced = _table_counts(), _migrations(), _referenced_files()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(dest / PG_DUMP_FILE),
                    *args,
                ],
                env,
            )
    elif connection.vendor == "sqlite":
        with transaction.atomic():  # a read transaction: nothing can commit in between
            tables, migrations, referenced = _table_counts(), _migrations(), _referenced_files()
            connection.ensure_connection()
            target = sqlite3.connect(dest / SQLITE_FILE)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
    else:
        raise BackupError(f"no backup for the {connection.vendor} backend")
    manifest = Manifest(
        format=FORMAT,
        created_at=timezone.now().isoformat(),
        vendor=connection.vendor,
        migrations=migrations,
        tables=tables,
        media=media_root is not None,
    )
    if media_root is not None:
        manifest.files = _write_media(media_root, dest / MEDIA_TAR)
        manifest.referenced_missing = sorted(referenced - manifest.files.keys())
    manifest.write(dest / MANIFEST)
    # Every grade and every student's scans: readable by this user only.
    dest.chmod(0o700)
    for path in dest.iterdir():
        path.chmod(0o600)
    return manifest


# --- restore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    files: int
    media_bytes: int


def _require_empty_database() -> None:
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} already has {len(existing)} "
            "tables: restore into a new, empty database (docs/deployment.md)"
        )


def backup_restore(src: Path, *, media: bool = True) -> RestoreReport:
    """Restore the backup in ``src`` into the configured database, which must be empty, and
    ``MEDIA_ROOT``, which must be empty or absent; then check both against the manifest."""
    manifest = Manifest.read(src / MANIFEST)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"this backup is of a {manifest.vendor} database; the configured one is "
            f"{connection.vendor}"
        )
    media_root = _media_root(media and manifest.media)
    _require_empty_database()
    if media_root is not None:
        _empty_dir(media_root, "MEDIA_ROOT")
    if connection.vendor == "postgresql":
        args, env = _pg_environment()
        # Owned by the restoring role (the owner), without the source's grants:
        # grant_app_role gives the application role its own afterwards.
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(src / PG_DUMP_FILE),
            ],
            env,
        )
    else:
        source = sqlite3.connect(f"file:{src / SQLITE_FILE}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    tables = _table_counts()
    if tables != manifest.tables:
        differ = {
            t: (manifest.tables.get(t), tables.get(t))
            for t in manifest.tables.keys() | tables.keys()
            if manifest.tables.get(t) != tables.get(t)
        }
        raise BackupError(f"restored row counts differ from the backup's: {differ}")
    if media_root is not None:
        _restore_media(src / MEDIA_TAR, media_root, manifest)
    return RestoreReport(
        tables=len(tables),
        rows=sum(tables.values()),
        files=len(manifest.files),
        media_bytes=manifest.media_bytes,
    )


def _restore_media(tar_path: Path, root: Path, manifest: Manifest) -> None:
    with tarfile.open(tar_path, "r") as tar:
        # The "data" filter refuses absolute paths, links out of root and device files.
        tar.extractall(root, filter="data")
    restored = {p.relative_to(root).as_posix(): p for p in _media_files(root)}
    if restored.keys() != manifest.files.keys():
        raise BackupError(
            "restored media differ from the backup's list: "
            f"{sorted(restored.keys() ^ manifest.files.keys())[:10]}"
        )
    bad = [n for n, p in restored.items() if _sha256(p) != manifest.files[n]["sha256"]]
    if bad:
        raise BackupError(f"restored media differ from their SHA-256 in the manifest: {bad[:10]}")
