"""``manage.py backup DIR [--no-media]``: the database and the media files into a new
directory, with a manifest of row counts and file hashes (docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grading.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or SQLite's backup API) and MEDIA_ROOT into DIR."

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="a new (or empty) directory")
        parser.add_argument(
            "--no-media", action="store_false", dest="media", help="the database only"
        )

    def handle(self, *args, dest: Path, media: bool, **options):
        try:
            manifest = backup_create(dest, media=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backed up {manifest.rows} rows in {len(manifest.tables)} tables and "
            f"{len(manifest.files)} media files ({manifest.media_bytes / 1e6:.1f} MB) to {dest}"
        )
        if manifest.referenced_missing:
            self.stderr.write(
                f"{len(manifest.referenced_missing)} files the database refers to were "
                f"missing when the media were copied (listed in the manifest), e.g. "
                f"{manifest.referenced_missing[0]}"
            )
