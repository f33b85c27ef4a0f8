"""Writes on courses and their rosters: a course, an enrollment, a student from a roster line."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Course, Enrollment, Role
from gradebook.db import refuse_duplicate


@transaction.atomic
def course_create(
    *,
    code: str,
    title: str,
    term: str,
    instructor: User | None = None,
    decimal_sign: str = Course.DecimalSign.UNSET,
) -> Course:
    """Create a course; the creating user, if any, becomes its instructor. ``decimal_sign``
    is how its students write decimals (``Course.DecimalSign``)."""
    course = Course(code=code, title=title, term=term, decimal_sign=decimal_sign)
    course.full_clean()
    with refuse_duplicate(f"The course {code} ({term}) was just created."):
        course.save()
    if instructor is not None:
        enrollment_add(course=course, user=instructor, role=Role.INSTRUCTOR)
    return course


@transaction.atomic
def enrollment_add(
    *, course: Course, user: User, role: str, student_number: str = ""
) -> Enrollment:
    """Enroll a user, or update their role and student number if already enrolled."""
    enrollment = Enrollment.objects.filter(course=course, user=user).first()
    if enrollment is None:
        enrollment = Enrollment(course=course, user=user)
    enrollment.role = role
    enrollment.student_number = student_number.strip()
    enrollment.full_clean(validate_constraints=True)
    with refuse_duplicate("This person or student number was just enrolled; reload the roster."):
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
        with refuse_duplicate({"email": f"{email} was just added; reload the roster."}):
            user.save()
    return enrollment_add(
        course=course, user=user, role=Role.STUDENT, student_number=student_number
    )


@transaction.atomic
def staff_enroll(*, course: Course, name: str, role: str) -> tuple[Enrollment, bool]:
    """Enroll an instructor or TA by username or email. An email without an account gets
    one, with an unusable password until its owner sets one. Returns ``(enrollment,
    account_created)``; ``ValidationError`` for a username that has no account."""
    name = name.strip()
    user = User.objects.filter(username=name).first() or (
        User.objects.filter(email__iexact=name).first() if "@" in name else None
    )
    created = user is None
    if user is None:
        if "@" not in name:
            raise ValidationError({"user": f"No account {name!r}: give an email to create one."})
        user = User(username=name.lower(), email=name.lower())
        user.set_unusable_password()
        user.full_clean()
        with refuse_duplicate({"email": f"{name} was just added."}):
            user.save()
    return enrollment_add(course=course, user=user, role=role), created
