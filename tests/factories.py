"""Small factory functions for tests: explicit, no fixture dumps."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from exams.models import Answer, Course, Enrollment, Exam, Part, Role, Submission
from exams.services.courses import course_create, enrollment_add
from exams.services.structure import PartSpec, QuestionSpec, exam_create, exam_structure_set

User = get_user_model()
_seq = itertools.count(1)


def user(name: str | None = None, *, password: str = "pw-for-tests-only") -> User:
    n = next(_seq)
    username = name or f"user{n}"
    u = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=password,
        first_name=username.title(),
        last_name="Tester",
    )
    return u


def course(**kwargs) -> Course:
    n = next(_seq)
    return course_create(
        code=kwargs.get("code", f"DL{n:03d}"),
        title=kwargs.get("title", "Deep Learning"),
        term=kwargs.get("term", "2026 Fall"),
    )


def enroll(course: Course, u, role: str, student_number: str = "") -> Enrollment:
    if role == Role.STUDENT and not student_number:
        student_number = f"{next(_seq):08d}"
    return enrollment_add(course=course, user=u, role=role, student_number=student_number)


def exam(
    course: Course, *, parts: tuple[tuple[str, str], ...] = (("1.a", "4"), ("1.b", "6"))
) -> Exam:
    e = exam_create(course=course, title=f"Midterm {next(_seq)}")
    by_question: dict[str, list[PartSpec]] = {}
    for part_id, points in parts:
        by_question.setdefault(part_id.split(".")[0], []).append(
            PartSpec(
                part_id=part_id, label=f"({part_id.split('.')[-1]})", max_points=Decimal(points)
            )
        )
    exam_structure_set(
        exam=e,
        questions=[
            QuestionSpec(number=q, max_points=sum((p.max_points for p in ps), Decimal(0)), parts=ps)
            for q, ps in by_question.items()
        ],
    )
    return e


def submission(exam: Exam, student: Enrollment | None = None) -> Submission:
    s = Submission.objects.create(exam=exam, copy_number=next(_seq), student=student)
    return s


def answer(submission: Submission, part: Part, **kwargs) -> Answer:
    return Answer.objects.create(submission=submission, part=part, **kwargs)


def answer_group(
    exam: Exam, *, part_id: str = "1.b", value: str = "79", n: int = 3
) -> list[Answer]:
    """``n`` copies that wrote the same wrong ``value`` for a part (one answer group), each
    auto-scored as the checker would."""
    from grading.services import score_apply_auto

    part = exam.parts.get(part_id=part_id)
    out = []
    for _ in range(n):
        a = Answer.objects.create(
            submission=submission(exam),
            part=part,
            group_key=value,
            final_answer=value,
            verdict="incorrect",
            suggested_points=Decimal(0),
        )
        score_apply_auto(answer=a)
        out.append(a)
    return out
