"""``manage.py roster_import --course DL101 roster.csv``: students from a CSV roster (name,
student number, email), as the course page imports it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_course_arguments, course_from
from exams.services.roster import RosterFileError, roster_import


class Command(BaseCommand):
    help = "Import a roster CSV (name, student number, email) into a course."

    def add_arguments(self, parser):
        add_course_arguments(parser)
        parser.add_argument("file", help="CSV with a header row: name, student number, email")

    def handle(self, *args, file: str, **options):
        course = course_from(options)
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        try:
            result = roster_import(course=course, data=data)
        except RosterFileError as exc:
            raise CommandError(f"{file}: {exc} Nothing was imported.") from exc
        for error in result.errors:
            self.stderr.write(f"{file}, line {error.line}: {error.message}")
        self.stdout.write(
            f"{course.code}: {len(result.imported)} student(s) imported, "
            f"{len(result.errors)} row(s) refused"
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} row(s) of {file} were not imported")
