"""The command line's named ids: a course by its code (and term), an exam by its slug, title
or id (in a course), shared by every instructor command (``manage.py help <command>``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from exams import selectors
from exams.models import Course, Exam


def add_course_arguments(parser: ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--course", required=required, help="the course's code (e.g. DL101), or its id"
    )
    parser.add_argument("--term", default="", help="the course's term, when its code is in several")


def add_exam_arguments(parser: ArgumentParser) -> None:
    add_course_arguments(parser, required=False)
    parser.add_argument(
        "--exam", required=True, help="the exam's slug (e.g. quiz-2), its title, or its id"
    )


def course_from(options: dict[str, Any]) -> Course:
    """The course the options name; ``CommandError`` saying which exist when none or several."""
    try:
        return selectors.course_by_code(str(options["course"]), options.get("term") or "")
    except selectors.NotFound as exc:
        raise CommandError(str(exc)) from exc


def exam_from(options: dict[str, Any]) -> Exam:
    """The exam the options name (in ``--course`` when given)."""
    course = course_from(options) if options.get("course") else None
    try:
        return selectors.exam_by_name(str(options["exam"]), course)
    except selectors.NotFound as exc:
        raise CommandError(str(exc)) from exc


def validation_text(exc: ValidationError) -> str:
    """A ``ValidationError`` as one line, fields named."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(m for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)
