"""``manage.py exam_create --course DL101 --title "Quiz 2" --pdf quiz2.pdf`` (or ``--text
quiz2.md``): an exam from its blank PDF's text layer or its Markdown text, with its question
tree proposed from the printed numbering and each part's answer region found."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_course_arguments, course_from, validation_text
from exams.services.authoring import exam_create_from_pdf, exam_create_from_text
from exams.services.regions import part_regions_find


def _points(values: list[str]) -> dict[str, str]:
    points = {}
    for value in values:
        part_id, sep, number = value.partition("=")
        if not sep or not part_id.strip():
            raise CommandError(f"--points {value!r}: give PART=POINTS, e.g. --points 2.a=6")
        points[part_id.strip().lower()] = number.strip()
    return points


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


class Command(BaseCommand):
    help = (
        "Create an exam from its blank PDF (with a text layer) or its text (Markdown): the "
        "parts and points are read from the printed numbering, the answer regions are found."
    )

    def add_arguments(self, parser):
        add_course_arguments(parser)
        parser.add_argument("--title", required=True)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--pdf", help="the blank exam's PDF: its copies are printed from it")
        source.add_argument("--text", help="the exam's Markdown: copies print its questions")
        parser.add_argument(
            "--points",
            action="append",
            default=[],
            metavar="PART=N",
            help="points of a part the exam does not print, or to correct (repeatable)",
        )
        parser.add_argument(
            "--pages", type=int, default=1, help="pages per copy at least (--text only)"
        )

    def handle(self, *args, **options):
        course = course_from(options)
        path = Path(options["pdf"] or options["text"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        points = _points(options["points"])
        try:
            if options["pdf"]:
                exam = exam_create_from_pdf(
                    course=course, title=options["title"], data=data, points=points
                )
            else:
                exam = exam_create_from_text(
                    course=course,
                    title=options["title"],
                    source=data.decode("utf-8-sig"),
                    points=points,
                    pages_per_copy=options["pages"],
                )
        except (ValidationError, UnicodeDecodeError) as exc:
            text = validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(f"{path}: {text}") from exc
        parts = list(exam.parts.select_related("question").order_by("order"))
        self.stdout.write(
            f"created exam {exam.slug} in {course.code}: {len(parts)} parts, "
            f"{_number(sum(p.max_points for p in parts))} points, "
            f"{exam.pages_per_copy} page(s) per copy"
        )
        missing = part_regions_find(exam).missing
        for part in parts:
            region = part.region
            where = (
                f"page {region['page']}, box {region['box']}"
                if region
                else f"no region: {missing.get(part.part_id, 'not found')}"
            )
            points = _number(part.max_points)
            self.stdout.write(f"  {part.part_id:<8} {part.label:<10} {points:>6}  {where}")
        if any(not p.region for p in parts):
            self.stderr.write("Draw the missing regions on the exam's answer regions page.")
