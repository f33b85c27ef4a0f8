"""Anonymous grading: while it is on and the grades are not published, TAs see copies by
number only (exam page, copy page, graded PDF); the instructor still sees the names; the
switch is the instructor's and is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading import graded_pdf, publishing
from grading.models import ExamEvent
from tests import view_fixtures

pytestmark = pytest.mark.django_db


def _page(client, user, name, *args) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def _anonymous(client, cast, on: bool):
    client.force_login(cast.instructor.user)
    data = {"anonymous": "on"} if on else {}
    assert client.post(reverse("exam_anonymous", args=[cast.exam.pk]), data).status_code == 302


def test_tas_see_no_names_until_publication(client, cast, media_root, monkeypatch):
    view_fixtures.graded_answers(cast)
    view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    alice = cast.student.user.get_full_name()
    number = cast.student.student_number
    assert alice in _page(client, cast.ta.user, "exam_detail", cast.exam.pk)  # not yet anonymous
    _anonymous(client, cast, True)

    exam_page = _page(client, cast.ta.user, "exam_detail", cast.exam.pk)
    copy_page = _page(client, cast.ta.user, "submission_detail", cast.submission.pk)
    for page in (exam_page, copy_page):
        assert 'id="names-hidden"' in page
        assert alice not in page
        assert number not in page
    asked = []
    real = graded_pdf.graded_pdf

    def spy(*args, **kwargs):
        asked.append(kwargs["show_name"])
        return real(*args, **kwargs)

    monkeypatch.setattr(graded_pdf, "graded_pdf", spy)
    for user in (cast.ta.user, cast.instructor.user):
        client.force_login(user)
        assert client.get(reverse("submission_pdf", args=[cast.submission.pk])).status_code == 200
    assert asked == [False, True]
    assert alice in _page(client, cast.instructor.user, "exam_detail", cast.exam.pk)

    publishing.exam_publish(
        exam=cast.exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publishing.publish_readiness(cast.exam).unfinished,
    )
    assert alice in _page(client, cast.ta.user, "exam_detail", cast.exam.pk)


def test_the_switch_is_audited_both_ways(client, cast):
    _anonymous(client, cast, True)
    _anonymous(client, cast, True)  # already on: nothing logged
    _anonymous(client, cast, False)
    assert list(ExamEvent.objects.filter(exam=cast.exam).values_list("action", flat=True)) == [
        ExamEvent.Action.ANONYMOUS_ON,
        ExamEvent.Action.ANONYMOUS_OFF,
    ]
    cast.exam.refresh_from_db()
    assert not cast.exam.anonymous_grading


def test_the_switch_is_for_the_instructor_only_and_post_only(client, cast):
    url = reverse("exam_anonymous", args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"anonymous": "on"}).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    cast.exam.refresh_from_db()
    assert not cast.exam.anonymous_grading
