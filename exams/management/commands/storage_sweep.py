"""``manage.py storage_sweep [--remove] [--min-age-hours N]``: stored files no row refers to."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "List (or with --remove, delete) stored scans and page images that no row refers to: "
        "what a process killed between writing a file and committing its row leaves behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="delete them (default: list)")
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24.0,
            help="leave younger files alone: their upload may still be committing (default 24)",
        )

    def handle(self, *args, remove: bool, min_age_hours: float, **options):
        from exams.services.sweep import storage_sweep

        report = storage_sweep(min_age=timedelta(hours=min_age_hours), remove=remove)
        for name in report.orphans:
            self.stdout.write(name)
        self.stdout.write(self.style.SUCCESS(str(report)))
