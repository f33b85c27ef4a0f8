"""CSV exports of an exam's grades: scores per part, and a gradebook an LMS can import
(student number, name, email, total). A fixed number of queries whatever the roster size."""

from __future__ import annotations

import csv
import io

from exams.models import Exam
from grading.models import Score

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(exam: Exam):
    return exam.submissions.select_related("student__user").order_by(
        "student__student_number", "copy_number"
    )


def scores_per_part_csv(exam: Exam) -> str:
    """One row per copy: copy, student number, name, email, the points of every part (empty
    when not graded) and the total. Three queries."""
    parts = list(exam.parts.order_by("order").values_list("pk", "part_id"))
    points: dict[tuple[int, int], object] = {
        (sub, part): p
        for sub, part, p in Score.objects.filter(answer__part__exam=exam).values_list(
            "answer__submission_id", "answer__part_id", "points"
        )
    }
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["copy", "student_number", "name", "email", *[pid for _, pid in parts], "total"])
    for s in _rows(exam):
        user = s.student.user if s.student else None
        w.writerow(
            [
                s.copy_number,
                _cell(s.student.student_number if s.student else ""),
                _cell(user.get_full_name() if user else ""),
                _cell(user.email if user else ""),
                *[_cell(points.get((s.pk, pk))) for pk, _ in parts],
                _cell(s.total_points),
            ]
        )
    return out.getvalue()


def lms_gradebook_csv(exam: Exam) -> str:
    """Identified copies only: student number, name, email, total. One query."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["student_number", "name", "email", "total"])
    for s in _rows(exam).filter(student__isnull=False):
        user = s.student.user
        w.writerow(
            [
                _cell(s.student.student_number),
                _cell(user.get_full_name() or user.get_username()),
                _cell(user.email),
                _cell(s.total_points),
            ]
        )
    return out.getvalue()
