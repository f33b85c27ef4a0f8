"""``manage.py export_key --exam SLUG [--key-version N] [--canonical]``: an exam's answer key back
out of the database, exactly as it was installed (or in the canonical layout)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_exam_arguments, exam_from
from exams.models import AnswerKey


class Command(BaseCommand):
    help = "Print an exam's answer key (the newest version unless --key-version is given)."

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        parser.add_argument("--key-version", type=int, dest="key_version")
        parser.add_argument(
            "--canonical",
            action="store_true",
            help="re-write the key in the canonical layout (comments and anchors are dropped)",
        )

    def handle(self, *args, key_version: int | None, canonical: bool, **options):
        exam = exam_from(options)
        keys = AnswerKey.objects.filter(exam=exam).order_by("-version")
        answer_key = keys.filter(version=key_version).first() if key_version else keys.first()
        if answer_key is None:
            raise CommandError(
                f"exam {exam.slug} has no answer key"
                + (f" version {key_version}" if key_version else "")
            )
        if canonical:
            from autocheck.keys import export_key, parse_key

            self.stdout.write(export_key(parse_key(answer_key.source)), ending="")
        else:
            self.stdout.write(answer_key.source, ending="")
