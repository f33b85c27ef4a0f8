"""CSV exports of an exam's grades: scores per part, and gradebooks an LMS imports (a plain
one, Canvas's and Moodle's), with the maximum points, and absent and not-final totals marked.

A total is *not final* when a part of the copy has no points yet (never graded, or on a page
never scanned: it counts as 0) or still carries the auto-check's points for an answer a person
must look at. A student is *absent* when the roster has them and nothing of theirs was scanned or read.
A fixed number of queries whatever the roster size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from exams.models import Enrollment, Exam, Role, Submission
from grading.models import Score
from grading.selectors import PROVISIONAL_VERDICTS, sat_submissions

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FINAL, NOT_FINAL, ABSENT = "final", "not final", "absent"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return out.getvalue()


def _rows(exam: Exam):
    return exam.submissions.select_related("student__user").order_by(
        "student__student_number", "copy_number"
    )


@dataclass(frozen=True)
class CopyResult:
    """One copy's total and why it is not final."""

    submission: Submission
    scanned: bool
    #: Parts with no points: no answer read (a page missing) or not graded.
    ungraded: list[str]
    #: Parts with the auto-check's points that a person has still to look at.
    provisional: list[str]

    @property
    def status(self) -> str:
        if not self.scanned:
            return ABSENT
        return NOT_FINAL if self.ungraded or self.provisional else FINAL

    @property
    def note(self) -> str:
        """What the status means, in words, for a gradebook's comment column."""
        if not self.scanned:
            return "absent: nothing scanned"
        parts = []
        if self.ungraded:
            parts.append(f"not graded, counted as 0: {' '.join(self.ungraded)}")
        if self.provisional:
            parts.append(f"auto-check points to confirm: {' '.join(self.provisional)}")
        return "; ".join(parts)


def copy_results(exam: Exam) -> dict[int, CopyResult]:
    """Submission id -> its :class:`CopyResult`. Four queries."""
    parts = list(exam.parts.order_by("order").values_list("pk", "part_id"))
    scores = {
        (sub, part): (points, verdict, source)
        for sub, part, points, verdict, source in Score.objects.filter(
            answer__part__exam=exam
        ).values_list(
            "answer__submission_id", "answer__part_id", "points", "answer__verdict", "source"
        )
    }
    scanned = set(sat_submissions(exam).values_list("pk", flat=True))
    out = {}
    for s in _rows(exam):
        ungraded, provisional = [], []
        for pk, part_id in parts:
            points, verdict, source = scores.get((s.pk, pk), (None, None, None))
            if points is None:
                ungraded.append(part_id)
            elif verdict in PROVISIONAL_VERDICTS and source != Score.Source.PERSON:
                provisional.append(part_id)
        out[s.pk] = CopyResult(s, s.pk in scanned, ungraded, provisional)
    return out


def max_points(exam: Exam) -> Decimal:
    """The exam's maximum: its parts' points added up, to the cent as scores are."""
    total = exam.parts.aggregate(m=Sum("max_points"))["m"] or Decimal(0)
    return Decimal(total).quantize(Decimal("0.01"))


def scores_per_part_csv(exam: Exam) -> str:
    """One row per copy: copy, student number, name, email, the points of every part (empty
    when not graded), the total, its status (final, not final, absent) and the parts it
    counts as 0 for want of a grade. The first row under the header holds the maximum
    points. Five queries."""
    parts = list(exam.parts.order_by("order").values_list("pk", "part_id", "max_points"))
    points: dict[tuple[int, int], object] = {
        (sub, part): p
        for sub, part, p in Score.objects.filter(answer__part__exam=exam).values_list(
            "answer__submission_id", "answer__part_id", "points"
        )
    }
    results = copy_results(exam)
    header = ["copy", "student_number", "name", "email", *[pid for _, pid, _ in parts]]
    rows: list[list[object]] = [
        [*header, "total", "status", "ungraded_parts"],
        ["max", "", "", "", *[m for _, _, m in parts], max_points(exam), "", ""],
    ]
    for s in _rows(exam):
        user = s.student.user if s.student else None
        result = results[s.pk]
        rows.append(
            [
                s.copy_number,
                s.student.student_number if s.student else "",
                user.get_full_name() if user else "",
                user.email if user else "",
                *[points.get((s.pk, pk)) for pk, _, _ in parts],
                s.total_points,
                result.status,
                " ".join(result.ungraded),
            ]
        )
    return _write(rows)


@dataclass(frozen=True)
class StudentResult:
    """A roster student and their copy's result (None: no copy at all, absent)."""

    enrollment: Enrollment
    result: CopyResult | None

    @property
    def status(self) -> str:
        return self.result.status if self.result else ABSENT

    @property
    def note(self) -> str:
        return self.result.note if self.result else "absent: no copy"

    @property
    def total(self) -> Decimal | None:
        """The total an LMS should record: none for the absent."""
        if self.result is None or self.status == ABSENT:
            return None
        return self.result.submission.total_points


def student_results(exam: Exam) -> list[StudentResult]:
    """Every student of the roster, by student number, with their copy's result."""
    by_student = {
        r.submission.student_id: r for r in copy_results(exam).values() if r.submission.student_id
    }
    roster = Enrollment.objects.filter(course_id=exam.course_id, role=Role.STUDENT).select_related(
        "user"
    )
    return [
        StudentResult(e, by_student.get(e.pk))
        for e in roster.order_by("student_number", "user__last_name")
    ]


def lms_gradebook_csv(exam: Exam) -> str:
    """Every student of the roster: student number, name, email, total (empty when absent),
    status and note."""
    rows: list[list[object]] = [["student_number", "name", "email", "total", "status", "note"]]
    for r in student_results(exam):
        user = r.enrollment.user
        rows.append(
            [
                r.enrollment.student_number,
                user.get_full_name() or user.get_username(),
                user.email,
                r.total,
                r.status,
                r.note,
            ]
        )
    return _write(rows)


def canvas_csv(exam: Exam) -> str:
    """Canvas's gradebook import: Student ("Last, First"), ID (empty: Canvas matches on the
    SIS columns), SIS User ID (the student number), SIS Login ID (the email), Section, then
    one column for the exam with a "Points Possible" row. An absent student's grade is left
    empty; the status is in a "Notes" column (Canvas imports it into its Notes column when
    that column is shown, and offers to ignore it otherwise)."""
    title = f"{exam.title} ({exam.course.code})"
    rows: list[list[object]] = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title, "Notes"],
        ["Points Possible", "", "", "", "", max_points(exam), ""],
    ]
    for r in student_results(exam):
        user = r.enrollment.user
        name = ", ".join(n for n in (user.last_name, user.first_name) if n) or user.get_username()
        rows.append([name, "", r.enrollment.student_number, user.email, "", r.total, r.note])
    return _write(rows)


def moodle_csv(exam: Exam) -> str:
    """Moodle's grade import (Grades > Import > CSV file): identify users by "ID number" (the
    student number) or "Email address"; map the exam's column to the grade item, its
    "Feedback" column to that item's feedback. The maximum points are in the header (Moodle
    takes them from the grade item). An absent student's grade is left empty (no grade)."""
    title = f"{exam.title} (max {max_points(exam).normalize():f})"
    rows: list[list[object]] = [
        ["First name", "Last name", "ID number", "Email address", title, "Feedback"]
    ]
    for r in student_results(exam):
        user = r.enrollment.user
        rows.append(
            [
                user.first_name,
                user.last_name,
                r.enrollment.student_number,
                user.email,
                r.total,
                r.note,
            ]
        )
    return _write(rows)
