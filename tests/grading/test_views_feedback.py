"""The student's graded copy and regrade requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Exam
from grading.models import RegradeRequest
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(cast, media_root):
    answers = view_fixtures.graded_answers(cast)
    view_fixtures.scan_page(cast, submission=cast.submission, page_number=1)
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    return answers


def test_the_student_sees_scores_regions_expected_answer_and_diagnosis(client, cast, published):
    client.force_login(cast.student.user)
    response = client.get(reverse("submission_detail", args=[cast.submission.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "What went wrong:" in body
    assert "mini-batches" in body
    assert 'data-latex="78"' in body  # expected answer, rendered by KaTeX
    assert "I = floor(10000 / 128) = 78" in body  # worked steps
    assert 'data-box="0.1,0.2,0.6,0.4"' in body  # the answer region outlined on the scan
    assert "Ask for a regrade of 1.b" in body


def test_nobody_else_sees_the_copy(client, cast, published):
    for user in (cast.other_student.user, cast.outsider_student.user, cast.other_ta.user):
        client.force_login(user)
        assert (
            client.get(reverse("submission_detail", args=[cast.submission.pk])).status_code == 404
        )


def test_not_before_publication(client, cast, media_root):
    view_fixtures.graded_answers(cast)
    client.force_login(cast.student.user)
    assert client.get(reverse("submission_detail", args=[cast.submission.pk])).status_code == 404


def test_the_feedback_page_rejects_post(client, cast, published):
    client.force_login(cast.student.user)
    assert client.post(reverse("submission_detail", args=[cast.submission.pk])).status_code == 405


def test_a_student_files_a_regrade_request_once(client, cast, published):
    answer = published["wrong"]
    client.force_login(cast.student.user)
    url = reverse("regrade_request_create", args=[answer.pk])
    assert client.post(url, {"message": "I used floor"}).status_code == 302
    request = RegradeRequest.objects.get()
    assert (request.answer, request.requested_by, request.status) == (
        answer,
        cast.student.user,
        "open",
    )
    again = client.post(url, {"message": "again"}, HTTP_ACCEPT="application/json")
    assert again.status_code == 400
    assert RegradeRequest.objects.count() == 1


def test_only_the_owner_may_ask_for_a_regrade(client, cast, published):
    url = reverse("regrade_request_create", args=[published["wrong"].pk])
    for user in (cast.other_student.user, cast.ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert client.post(url, {"message": "please"}).status_code == 404
    client.force_login(cast.student.user)
    assert client.get(url).status_code == 405
    assert not RegradeRequest.objects.exists()


def test_a_part_on_a_scanned_page_not_read_yet_is_not_called_unscanned(client, cast, published):
    part = cast.exam.parts.get(part_id="1.a")  # no answer yet
    client.force_login(cast.student.user)
    url = reverse("submission_detail", args=[cast.submission.pk])
    part.region = {"page": 2, "box": [0.1, 0.5, 0.6, 0.6]}  # a page not scanned
    part.save(update_fields=["region"])
    body = client.get(url).content.decode()
    assert "No answer was scanned for this part." in body
    assert 'id="gaps-in-progress"' not in body
    part.region = {"page": 1, "box": [0.1, 0.5, 0.6, 0.6]}  # on the scanned page
    part.save(update_fields=["region"])
    body = client.get(url).content.decode()
    assert "No answer was scanned for this part." not in body
    assert "The page of this part is scanned; the answer is not read and checked yet." in body
    assert "1 part on a scanned page is not read and checked yet." in body
