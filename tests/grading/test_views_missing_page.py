"""A copy with a page not scanned: the student and the staff are told which page, and the
student may ask for a regrade of a part on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Exam, Part
from grading.models import RegradeRequest
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_two_missing(cast, media_root):
    """A two-page exam whose part 1.b is on page 2, published; copy: page 1 scanned only."""
    Exam.objects.filter(pk=cast.exam.pk).update(pages_per_copy=2, status=Exam.Status.PUBLISHED)
    Part.objects.filter(exam=cast.exam, part_id="1.a").update(
        region={"page": 1, "box": [0.1, 0.1, 0.6, 0.3]}
    )
    Part.objects.filter(exam=cast.exam, part_id="1.b").update(
        region={"page": 2, "box": [0.1, 0.1, 0.6, 0.3]}
    )
    view_fixtures.scan_page(cast, submission=cast.submission, page_number=1)
    return cast.exam.parts.get(part_id="1.b")


def url(cast, part) -> str:
    return reverse("regrade_request_for_part", args=[cast.submission.pk, part.pk])


def test_the_student_is_told_which_page_was_not_scanned(client, cast, page_two_missing):
    client.force_login(cast.student.user)
    response = client.get(reverse("submission_detail", args=[cast.submission.pk]))
    body = response.content.decode()
    assert "Page 2 of this copy was not scanned" in body
    assert "If you answered one, ask for a regrade of it below." in body
    assert "Page 2 of your copy was not scanned, so this part could not be graded" in body
    # 1.a's page was scanned and is not read yet: it is not called unscanned.
    assert "No answer was scanned for this part" not in body
    assert body.count("the answer is not read and checked yet") == 1
    assert url(cast, page_two_missing) in body
    assert [r.missing_page for r in response.context["rows"]] == [None, 2]


def test_the_staff_see_it_too(client, cast, page_two_missing):
    client.force_login(cast.ta.user)
    body = client.get(reverse("submission_detail", args=[cast.submission.pk])).content.decode()
    assert "Page 2 of this copy was not scanned" in body
    assert "ask for a regrade of it below" not in body


def test_the_student_asks_for_a_regrade_of_a_part_on_the_missing_page(
    client, cast, page_two_missing
):
    client.force_login(cast.student.user)
    response = client.post(url(cast, page_two_missing), {"message": "I answered it on page 2."})
    assert response.status_code == 302
    request = RegradeRequest.objects.get()
    assert request.answer.submission == cast.submission
    assert request.answer.part == page_two_missing
    assert request.requested_by == cast.student.user
    # Once: a second request while the first is open is refused.
    client.post(url(cast, page_two_missing), {"message": "again"})
    assert RegradeRequest.objects.count() == 1


def test_only_the_owner_asks(client, cast, page_two_missing):
    for user in (cast.other_student.user, cast.ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert client.post(url(cast, page_two_missing), {"message": "x"}).status_code == 404
    assert not RegradeRequest.objects.exists()


def test_a_part_of_another_exam_is_not_found(client, cast, page_two_missing):
    from tests import factories

    other = factories.exam(cast.course).parts.first()
    client.force_login(cast.student.user)
    assert client.post(url(cast, other), {"message": "x"}).status_code == 404


def test_an_empty_message_is_refused(client, cast, page_two_missing):
    client.force_login(cast.student.user)
    client.post(url(cast, page_two_missing), {"message": " "})
    assert not RegradeRequest.objects.exists()


def test_it_rejects_get(client, cast, page_two_missing):
    client.force_login(cast.student.user)
    assert client.get(url(cast, page_two_missing)).status_code == 405
