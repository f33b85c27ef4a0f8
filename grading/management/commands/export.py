"""``manage.py export --exam quiz-2 [--format scores|lms] -o scores.csv``: an exam's grades as
the results page exports them."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from exams.management.options import add_exam_arguments, exam_from
from grading import exports

FORMATS = {
    "scores": (exports.scores_per_part_csv, "one row per copy: every part's points and the total"),
    "lms": (exports.lms_gradebook_csv, "identified students: number, name, email, total"),
    "canvas": (exports.canvas_csv, "Canvas's gradebook import"),
    "moodle": (exports.moodle_csv, "Moodle's grade import"),
}


class Command(BaseCommand):
    help = "Export an exam's grades as CSV: " + "; ".join(
        f"--format {name}: {what}" for name, (_, what) in FORMATS.items()
    )

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        parser.add_argument("--format", choices=sorted(FORMATS), default="scores")
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args, format: str, output: str | None, **options):
        exam = exam_from(options)
        text = FORMATS[format][0](exam)
        if output is None:
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8")
        rows = max(0, text.count("\n") - 1)
        self.stdout.write(f"{exam.slug}: {rows} row(s) written to {output}")
