"""``manage.py restore DIR [--no-media]``: a backup into an empty database and an empty
MEDIA_ROOT, then checked against its manifest (docs/deployment.md). On PostgreSQL run it as
the owner, then ``grant_app_role`` for the application's role."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grading.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help="the backup's directory")
        parser.add_argument(
            "--no-media", action="store_false", dest="media", help="the database only"
        )

    def handle(self, *args, src: Path, media: bool, **options):
        try:
            report = backup_restore(src, media=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {report.rows} rows in {report.tables} tables and {report.files} media "
            f"files ({report.media_bytes / 1e6:.1f} MB); row counts and file hashes match "
            "the backup's manifest"
        )
