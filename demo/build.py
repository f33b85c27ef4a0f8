"""Build the demo course and its generated scans; used by ``manage.py demo``, the integration
tests and the benchmarks, so all three exercise the same data."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from demo import plan
from exams.models import Course, Enrollment, Exam, PrintedExam, Role
from exams.scanning.fakescan import FakeScan, ScanDefects, fake_scan
from exams.services import printing
from exams.services.courses import course_create, enrollment_add
from exams.services.keys import answer_key_store
from exams.services.printed import printed_exam_store
from exams.services.structure import exam_create
from grading.services import exam_delete

User = get_user_model()


def demo_reset() -> None:
    """Remove the demo course (with its exams and their grade history) and the demo users."""
    for course in Course.objects.filter(code=plan.COURSE["code"], term=plan.COURSE["term"]):
        for exam in course.exams.all():
            exam_delete(exam=exam)
        course.delete()
    User.objects.filter(username__in=[u for u, _, _ in plan.STAFF]).delete()
    User.objects.filter(
        username__regex=r"^student[0-9]+$", email__endswith="@demo.invalid"
    ).delete()


def _user(username: str, full_name: str):
    first, _, last = full_name.partition(" ")
    user = User.objects.filter(username=username).first() or User(username=username)
    user.first_name, user.last_name, user.email = first, last, f"{username}@demo.invalid"
    user.set_password(plan.PASSWORD)
    user.save()
    return user


def student_name(i: int) -> str:
    """The demo name of student ``i`` (1-based); past the named ones, a numbered name."""
    names = plan.STUDENT_NAMES
    return names[i - 1] if i <= len(names) else f"Student {i:04d}"


@transaction.atomic
def demo_exam(*, students: int) -> tuple[Exam, list[Enrollment]]:
    """The demo course with its staff and ``students`` students, and the demo midterm with its
    answer key and answer regions installed."""
    course = course_create(
        code=plan.COURSE["code"], title=plan.COURSE["title"], term=plan.COURSE["term"]
    )
    for username, name, role in plan.STAFF:
        enrollment_add(course=course, user=_user(username, name), role=role)
    roster = [
        enrollment_add(
            course=course,
            user=_user(f"student{i:02d}", student_name(i)),
            role=Role.STUDENT,
            student_number=f"2026{i:04d}",
        )
        for i in range(1, students + 1)
    ]
    exam = exam_create(course=course, title="Midterm (demo)", pages_per_copy=plan.PAGES)
    # The key says where each answer is written (region: page + box).
    answer_key_store(exam=exam, source=plan.KEY_PATH.read_text())
    # The printed text: copies transcribed as a whole are read against it.
    printed_exam_store(
        exam=exam, text=plan.PRINTED_PATH.read_text(), source=PrintedExam.Source.UPLOADED
    )
    return exam, roster


def demo_scans(
    exam: Exam,
    roster: list[Enrollment],
    *,
    seed: int = 7,
    dpi: float = 150,
    defects: ScanDefects | None = None,
) -> tuple[bytes, FakeScan]:
    """Print personalised copies for ``roster``, write each student's planned answers on them
    and scan them like a tired office scanner. Returns (printed PDF, scan)."""
    pdf = printing.exam_print_copies(exam=exam, students=roster)
    first = exam.submissions.order_by("copy_number").values_list("copy_number", flat=True)
    copies = list(first)[-len(roster) :]
    answers = {
        (copy, part_id): text
        for index, copy in enumerate(copies)
        for part_id, text in plan.answers_for(index).items()
        if text
    }
    scan = fake_scan(
        pdf,
        answers,
        printing.exam_regions(exam),
        seed=seed,
        dpi=dpi,
        defects=defects or ScanDefects(upside_down=1, dropped=1, duplicated=1),
    )
    return pdf, scan
