"""Writes on courses, rosters, exams and submissions.

Keyword-only, typed, atomic; each validates with ``full_clean()`` before saving so a bad value
raises ``ValidationError`` naming the field instead of a database error.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from exams.models import AnswerKey, Course, Enrollment, Exam, Part, Question, Role, Submission

if TYPE_CHECKING:
    from autocheck.keys import ExamKey as ExamKeyT
    from autocheck.keys import PartKey as ExamKeyPart

User = get_user_model()

#: Added to orders while renumbering, so the (exam, order) unique constraints never clash.
_PARKED = 10_000


@transaction.atomic
def course_create(
    *, code: str, title: str, term: str, instructor: AbstractBaseUser | None = None
) -> Course:
    """Create a course; the creating user, if any, becomes its instructor."""
    course = Course(code=code, title=title, term=term)
    course.full_clean()
    course.save()
    if instructor is not None:
        enrollment_add(course=course, user=instructor, role=Role.INSTRUCTOR)
    return course


@transaction.atomic
def enrollment_add(
    *, course: Course, user: AbstractBaseUser, role: str, student_number: str = ""
) -> Enrollment:
    """Enroll a user, or update their role and student number if already enrolled."""
    enrollment = Enrollment.objects.filter(course=course, user=user).first()
    if enrollment is None:
        enrollment = Enrollment(course=course, user=user)
    enrollment.role = role
    enrollment.student_number = student_number.strip()
    enrollment.full_clean(validate_constraints=True)
    enrollment.save()
    return enrollment


@transaction.atomic
def student_enroll(*, course: Course, name: str, email: str, student_number: str) -> Enrollment:
    """Add a roster entry: finds or creates the student's account by email (with an unusable
    password until they set one) and enrolls them."""
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": "An email address is required."})
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _, last = name.strip().partition(" ")
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    return enrollment_add(
        course=course, user=user, role=Role.STUDENT, student_number=student_number
    )


def _new_qr_code() -> str:
    while True:
        code = secrets.token_hex(4).upper()
        if not Exam.objects.filter(qr_code=code).exists():
            return code


@transaction.atomic
def exam_create(*, course: Course, title: str, slug: str = "", pages_per_copy: int = 1) -> Exam:
    """Create an exam in draft, with a fresh short code for its QR codes."""
    exam = Exam(
        course=course,
        title=title,
        slug=slug or slugify(title)[:80],
        qr_code=_new_qr_code(),
        pages_per_copy=pages_per_copy,
    )
    exam.full_clean()
    exam.save()
    return exam


@dataclass(frozen=True)
class PartSpec:
    """One part of an exam's structure, as confirmed by the instructor or read from a key."""

    part_id: str
    label: str
    max_points: Decimal
    kind: str = Part.Kind.DESCRIPTIVE
    region: dict | None = None


@dataclass(frozen=True)
class QuestionSpec:
    number: str
    max_points: Decimal
    parts: Sequence[PartSpec]
    title: str = ""


@transaction.atomic
def exam_structure_set(*, exam: Exam, questions: Sequence[QuestionSpec]) -> list[Part]:
    """Create or update the exam's question tree so it matches ``questions``.

    Questions and parts are matched by their printed numbering, so importing the same
    structure twice updates in place. A part that disappears is deleted only if no answer
    refers to it; otherwise a ``ValidationError`` names it (grades are never dropped).
    """
    wanted_parts = {p.part_id for q in questions for p in q.parts}
    if len(wanted_parts) != sum(len(q.parts) for q in questions):
        raise ValidationError("Two parts share the same part id.")
    stale = exam.parts.exclude(part_id__in=wanted_parts)
    answered = list(
        stale.filter(answers__isnull=False).values_list("part_id", flat=True).distinct()
    )
    if answered:
        raise ValidationError(
            f"Parts {', '.join(sorted(answered))} already have answers and cannot be removed."
        )
    stale.delete()
    exam.questions.exclude(number__in=[q.number for q in questions]).delete()
    # Orders are unique per exam: park existing rows out of the way before renumbering.
    exam.questions.update(order=F("order") + _PARKED)
    exam.parts.update(order=F("order") + _PARKED)

    parts: list[Part] = []
    part_order = 0
    for q_order, spec in enumerate(questions):
        question, _ = Question.objects.update_or_create(
            exam=exam,
            number=spec.number,
            defaults={"title": spec.title, "order": q_order, "max_points": spec.max_points},
        )
        for part_spec in spec.parts:
            defaults = {
                "question": question,
                "label": part_spec.label,
                "order": part_order,
                "max_points": part_spec.max_points,
                "kind": part_spec.kind,
            }
            if part_spec.region is not None:
                # Only a structure that says where the answer goes moves it: a region drawn
                # in the browser survives a key re-installed without regions.
                defaults["region"] = part_spec.region
            part, _ = Part.objects.update_or_create(
                exam=exam, part_id=part_spec.part_id, defaults=defaults
            )
            part.full_clean()
            parts.append(part)
            part_order += 1
    return parts


@transaction.atomic
def submission_ensure(*, exam: Exam, copy_number: int) -> Submission:
    """The submission for a printed copy, created on first sight (idempotent)."""
    submission, _ = Submission.objects.get_or_create(exam=exam, copy_number=copy_number)
    return submission


@transaction.atomic
def submission_identify(
    *, submission: Submission, student: Enrollment, identified_by: str
) -> Submission:
    """Attach a copy to a student of the exam's course. A student has one copy per exam."""
    if student.course_id != submission.exam.course_id or student.role != Role.STUDENT:
        raise ValidationError({"student": "Not a student of this exam's course."})
    clash = (
        Submission.objects.filter(exam=submission.exam, student=student)
        .exclude(pk=submission.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"student": f"Already matched to copy {clash.copy_number} of this exam."}
        )
    submission.student = student
    submission.identified_by = identified_by
    submission.full_clean()
    submission.save(update_fields=["student", "identified_by"])
    return submission


class AnswerKeyError(ValidationError):
    """An answer key that cannot be installed; ``issues`` are ``"line N: field: message"``."""

    def __init__(self, issues: Sequence[str]) -> None:
        super().__init__(list(issues))
        self.issues = tuple(issues)


def _part_kind(part: ExamKeyPart) -> str:
    from autocheck.keys import PredicateAnswer

    if part.descriptive:
        return Part.Kind.DESCRIPTIVE
    if part.solver is not None:
        return Part.Kind.SOLVER
    if any(isinstance(t.answer, PredicateAnswer) for t in part.targets):
        return Part.Kind.PREDICATE
    return Part.Kind.LITERAL


def parse_answer_key(source: str) -> ExamKeyT:
    """Parse and fully resolve a key (every solver run once), or raise :class:`AnswerKeyError`
    listing every problem with its line and field. Nothing is written."""
    from autocheck.keys import KeyFormatError, parse_key, resolve_expected

    try:
        key = parse_key(source)
        resolve_expected(key)
    except KeyFormatError as exc:
        raise AnswerKeyError([str(issue) for issue in exc.issues]) from exc
    return key


@transaction.atomic
def answer_key_store(
    *, exam: Exam, source: str, actor: AbstractBaseUser | None = None
) -> tuple[AnswerKey, ExamKeyT, bool]:
    """Validate ``source`` as the exam's answer key, make the exam's question tree match it
    and store it as a new version. Returns ``(answer_key, parsed, created)``; storing the same
    text again returns the current version unchanged (``created`` False).

    All or nothing: a malformed key raises :class:`AnswerKeyError` and changes nothing.
    """
    import hashlib

    key = parse_answer_key(source)
    checksum = hashlib.sha256(source.encode()).hexdigest()
    latest = AnswerKey.objects.select_for_update().filter(exam=exam).order_by("-version").first()
    if latest is not None and latest.checksum == checksum:
        return latest, key, False
    exam_structure_set(
        exam=exam,
        questions=[
            QuestionSpec(
                number=q.number,
                title=q.title,
                max_points=Decimal(str(q.points)),
                parts=[
                    PartSpec(
                        part_id=p.id,
                        label=p.label,
                        max_points=Decimal(str(p.points)),
                        kind=_part_kind(p),
                        region=(
                            None
                            if p.region is None
                            else {"page": p.region.page, "box": list(p.region.box)}
                        ),
                    )
                    for p in q.parts
                ],
            )
            for q in key.questions
        ],
    )
    answer_key = AnswerKey.objects.create(
        exam=exam,
        version=(latest.version + 1) if latest else 1,
        source=source,
        checksum=checksum,
        created_by=actor,
    )
    return answer_key, key, True


def answer_key_current(exam: Exam) -> AnswerKey | None:
    """The exam's newest answer key version, if any."""
    return exam.answer_keys.order_by("-version").first()
