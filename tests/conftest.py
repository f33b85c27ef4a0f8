"""Shared fixtures: a fixed cast of users per test, and the real-services switches.

Tests marked ``services`` need the real PostgreSQL, Redis and a Celery worker process. They
are skipped when a service is missing, except under ``CI=true``, where a missing service
fails the run: CI must never pass by skipping what it was meant to exercise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

# Django is imported lazily inside fixtures: the pure-library suites (tests/solvers,
# tests/autocheck, tests/exams/scanning) must run without a settings module.
if TYPE_CHECKING:
    from exams.models import Course, Enrollment, Exam, Submission

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, available: bool, why: str) -> None:
    """Skip (locally) or fail (under CI) when a service the test needs is absent."""
    if available:
        return
    message = f"{name} unavailable: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _celery_eager_by_default(request):
    """Unit tests run tasks in-process; tests marked ``services`` use the real worker."""
    if "django_db_setup" not in request.fixturenames and "settings" not in request.fixturenames:
        yield
        return
    from gradebook.celery import app

    eager = request.node.get_closest_marker("services") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def media_root(tmp_path, settings):
    """Uploaded files of the test go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Cast:
    """One course with an instructor, a TA, two students; and a second course with its own
    TA and student: the outsiders every access test needs."""

    course: Course
    exam: Exam
    instructor: Enrollment
    ta: Enrollment
    student: Enrollment
    other_student: Enrollment
    submission: Submission
    other_submission: Submission
    other_course: Course
    other_ta: Enrollment
    outsider_student: Enrollment


@pytest.fixture
def cast(db) -> Cast:
    from exams.models import Role
    from tests import factories

    course = factories.course()
    other = factories.course()
    exam = factories.exam(course)
    student = factories.enroll(course, factories.user("alice"), Role.STUDENT)
    other_student = factories.enroll(course, factories.user("bob"), Role.STUDENT)
    return Cast(
        course=course,
        exam=exam,
        instructor=factories.enroll(course, factories.user("ines"), Role.INSTRUCTOR),
        ta=factories.enroll(course, factories.user("tariq"), Role.TA),
        student=student,
        other_student=other_student,
        submission=factories.submission(exam, student),
        other_submission=factories.submission(exam, other_student),
        other_course=other,
        other_ta=factories.enroll(other, factories.user("olga"), Role.TA),
        outsider_student=factories.enroll(other, factories.user("oscar"), Role.STUDENT),
    )


def pytest_configure(config):
    """Fast password hashing in tests (the default PBKDF2 costs ~0.3 s per user)."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return  # a pure-library run (-p no:django)
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
