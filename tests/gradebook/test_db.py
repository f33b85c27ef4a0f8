"""Concurrent duplicate requests get a clear answer, not a 500 (gradebook.db.refuse_duplicate).

Each race is made to happen, on PostgreSQL: the first request inserts its row and holds its
transaction open; the second passes the service's own check (the row is not committed yet) and
blocks in the database on the unique index; once it is seen waiting, the first commits, and
the second must end in a ValidationError with the service's message, never an IntegrityError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from exams.models import AnswerKey, Exam, Role
from exams.services.courses import student_enroll
from exams.services.keys import answer_key_store
from exams.services.structure import exam_create
from exams.services.submissions import submission_identify
from gradebook.db import refuse_duplicate
from grading import services
from grading.models import RegradeRequest, RubricItem
from tests import factories, view_fixtures
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql(db):
    require_service(
        "PostgreSQL", connection.vendor == "postgresql", "row locks and unique indexes as deployed"
    )


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                out["pid"] = cursor.fetchone()[0]
            out["value"] = fn()
        except Exception as exc:  # the outcome under test, whatever it is
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _wait_until_blocked(pid_holder: dict[str, Any], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = pid_holder.get("pid")
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
                row = cursor.fetchone()
            if row is not None and row[0] == "Lock":
                return
        if "value" in pid_holder or "error" in pid_holder:
            return  # finished without blocking: the assertions below say how
        time.sleep(0.02)
    raise AssertionError("the second request never waited on the first one's row")


def race(first: Callable[[], Any], second: Callable[[], Any]) -> dict[str, Any]:
    """Run ``first`` in a transaction held open until ``second`` waits on it; return the
    outcome of ``second`` (``value`` or ``error``)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            first()
            holding.set()
            release.wait(30)

    first_thread, first_out = _in_thread(hold)
    assert holding.wait(30), first_out.get("error")
    second_thread, second_out = _in_thread(second)
    _wait_until_blocked(second_out)
    release.set()
    first_thread.join(30)
    second_thread.join(30)
    assert "error" not in first_out, first_out["error"]
    return second_out


def _refused_with(outcome: dict[str, Any], message: str) -> None:
    error = outcome.get("error")
    assert isinstance(error, ValidationError), outcome
    assert message in " ".join(error.messages)


def test_the_same_regrade_request_twice_at_once(cast):
    answer = view_fixtures.graded_answers(cast)["wrong"]
    student = cast.student.user

    def ask() -> RegradeRequest:
        return services.regrade_request_create(answer=answer, student=student, message="again")

    _refused_with(race(ask, ask), "A regrade request for this part is already open.")
    assert RegradeRequest.objects.filter(answer=answer).count() == 1


def test_the_same_rubric_item_added_by_two_tas_at_once(cast):
    part = cast.exam.parts.get(part_id="1.b")

    def add() -> RubricItem:
        return services.rubric_item_create(part=part, label="units", points=Decimal(-1))

    _refused_with(race(add, add), "already has a rubric item with this label")
    assert RubricItem.objects.filter(part=part, label="units").count() == 1


def test_two_copies_matched_to_one_student_at_once(cast):
    newcomer = factories.enroll(cast.course, factories.user("nina"), Role.STUDENT)
    copies = [factories.submission(cast.exam) for _ in range(2)]

    def match(submission) -> Callable[[], Any]:
        return lambda: submission_identify(
            submission=submission, student=newcomer, identified_by="person"
        )

    _refused_with(race(match(copies[0]), match(copies[1])), "Already matched")
    assert cast.exam.submissions.filter(student=newcomer).count() == 1


def test_two_exams_with_one_title_created_at_once(cast):
    def create() -> Exam:
        return exam_create(course=cast.course, title="Final", slug="final")

    _refused_with(race(create, create), "An exam named 'final' was just created")


def test_the_same_student_enrolled_twice_at_once(cast):
    def enroll() -> Any:
        return student_enroll(
            course=cast.course, name="Zoe Quinn", email="zoe@example.org", student_number="42"
        )

    _refused_with(race(enroll, enroll), "zoe@example.org was just added")


def test_the_first_answer_key_installed_twice_at_once_makes_one_version(cast):
    from demo import plan

    exam = factories.exam(cast.course)
    source = plan.KEY_PATH.read_text()

    def install() -> Any:
        return answer_key_store(exam=exam, source=source)

    outcome = race(install, install)
    # Serialised on the exam's row: the second finds the first's version and changes nothing.
    assert outcome.get("value") is not None, outcome
    assert outcome["value"][2] is False
    assert AnswerKey.objects.filter(exam=exam).count() == 1


def test_ten_identical_regrade_posts_at_once_get_one_request_and_nine_clear_answers(cast):
    answer = view_fixtures.graded_answers(cast)["wrong"]
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    url = reverse("regrade_request_create", args=[answer.pk])
    start = threading.Barrier(10)
    outcomes: list[Any] = []

    def post() -> None:
        client = Client()
        client.force_login(cast.student.user)
        start.wait()
        try:
            response = client.post(url, {"message": "please look again"})
            messages = [str(m) for m in response.wsgi_request._messages]
            outcomes.append((response.status_code, messages))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert all(status == 302 for status, _ in outcomes), outcomes
    sent = [m for _, m in outcomes if any("was sent" in x for x in m)]
    refused = [m for _, m in outcomes if any("already open" in x for x in m)]
    assert (len(sent), len(refused)) == (1, 9), outcomes
    assert RegradeRequest.objects.filter(answer=answer).count() == 1


def test_other_integrity_errors_are_not_taken_for_duplicates(cast):
    with pytest.raises(IntegrityError), refuse_duplicate("duplicate"):
        RubricItem.objects.create(part_id=cast.exam.parts.first().pk, label="x", points=None)
