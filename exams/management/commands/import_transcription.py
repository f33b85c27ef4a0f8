"""``manage.py import_transcription --exam SLUG --copy N FILE.md``: import an OCR service's
transcription of one copy, split it into parts and auto-check it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_exam_arguments, exam_from
from exams.models import Transcription
from exams.pipeline import checking
from exams.services.submissions import submission_ensure


class Command(BaseCommand):
    help = "Import a whole-copy transcription (Markdown with LaTeX) and auto-check it."

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        parser.add_argument("--copy", type=int, required=True, help="copy number")
        parser.add_argument("--engine", default="imported", help="the OCR service that made it")
        parser.add_argument("file")

    def handle(self, *args, copy: int, engine: str, file: str, **options):
        target = exam_from(options)
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        submission = submission_ensure(exam=target, copy_number=copy)
        try:
            checking.submission_import_transcription(
                submission=submission,
                text=text,
                source=Transcription.Source.IMPORTED,
                engine=engine,
            )
            answers = checking.submission_check(submission=submission)
        except checking.NoAnswerKeyError as exc:
            raise CommandError(exc.messages[0]) from exc
        for answer in answers:
            self.stdout.write(
                f"{answer.part.part_id:>6}  {answer.verdict:<13} {answer.suggested_points}"
            )
