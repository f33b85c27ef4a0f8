"""The crop of a part's answer region, served through the access check."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from exams.models import Exam
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(cast, media_root):
    answers = view_fixtures.graded_answers(cast)
    view_fixtures.scan_page(cast, submission=cast.submission, page_number=1)
    return answers["wrong"]


def test_staff_get_the_region_as_png(client, cast, answer):
    client.force_login(cast.ta.user)
    response = client.get(reverse("answer_crop", args=[answer.pk]))
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (100, 56)  # box 0.1-0.6 x 0.2-0.4 of a 200 x 280 page


def test_the_student_gets_it_after_publication_only(client, cast, answer):
    client.force_login(cast.student.user)
    assert client.get(reverse("answer_crop", args=[answer.pk])).status_code == 404
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    assert client.get(reverse("answer_crop", args=[answer.pk])).status_code == 200


def test_others_get_404_and_post_is_405(client, cast, answer):
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    for user in (cast.other_student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(reverse("answer_crop", args=[answer.pk])).status_code == 404
    client.force_login(cast.ta.user)
    assert client.post(reverse("answer_crop", args=[answer.pk])).status_code == 405


def test_no_scan_no_crop(client, cast, media_root):
    answers = view_fixtures.graded_answers(cast)
    client.force_login(cast.ta.user)
    assert client.get(reverse("answer_crop", args=[answers["right"].pk])).status_code == 404
