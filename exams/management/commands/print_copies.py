"""``manage.py print_copies --exam quiz-2 --roster -o copies.pdf`` (or ``--anonymous N``):
printable copies as one PDF, as the exam page prints them."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_exam_arguments, exam_from, validation_text
from exams.services import attention
from exams.services.printing import exam_print_copies


class Command(BaseCommand):
    help = (
        "Print copies of an exam into one PDF: personalised for the roster's students who "
        "have no copy yet (--roster), or N anonymous copies (--anonymous N)."
    )

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--roster", action="store_true", help="one copy per rostered student")
        who.add_argument("--anonymous", type=int, metavar="N", help="N copies without names")
        parser.add_argument("-o", "--output", required=True, help="the PDF to write")

    def handle(self, *args, roster: bool, anonymous: int | None, output: str, **options):
        exam = exam_from(options)
        unregioned = [p.part_id for p in exam.parts.order_by("order") if not p.region]
        if unregioned:
            self.stderr.write(
                f"warning: parts without an answer region (not read from the scans): "
                f"{', '.join(unregioned)}"
            )
        students = attention.unmatched_students(exam) if roster else []
        try:
            pdf = exam_print_copies(exam=exam, students=students, anonymous=anonymous or 0)
        except ValueError as exc:
            raise CommandError(
                str(exc) + (" (every student of the roster has a copy)" if roster else "")
            ) from exc
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc
        Path(output).write_bytes(pdf)
        copies = len(students) if roster else anonymous
        self.stdout.write(
            f"{exam.slug}: {copies} copies of {exam.pages_per_copy} page(s) written to {output}"
        )
