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


@pytest.fixture
def upside_down(cast, media_root):
    """A page stored as scanned, upside down (as PNG, so that checks can be exact), with the
    alignment the pipeline would have stored; and the upright page it stands for."""
    from django.core.files.base import ContentFile

    from exams.scanning.align import Alignment

    answers = view_fixtures.graded_answers(cast)
    page = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1)
    upright = Image.open(io.BytesIO(view_fixtures.png_bytes(text="126 x 126"))).convert("L")
    buf = io.BytesIO()
    upright.rotate(180).save(buf, format="PNG")
    page.image.save("turned.png", ContentFile(buf.getvalue()), save=False)
    page.alignment = Alignment(
        (-1.0, 0.0, 200.0, 0.0, -1.0, 280.0), (200, 280), (200, 280), 180, method="markers"
    ).to_json()
    page.save()
    return answers["wrong"], upright


def test_the_crop_of_a_page_stored_as_scanned_is_upright(client, cast, upside_down):
    import numpy as np

    from exams.scanning.align import crop_region

    answer, upright = upside_down
    client.force_login(cast.ta.user)
    response = client.get(reverse("answer_crop", args=[answer.pk]))
    crop = Image.open(io.BytesIO(response.content))
    expected = crop_region(upright, tuple(answer.part.region["box"]))
    assert np.array_equal(np.asarray(crop), np.asarray(expected))
    assert np.asarray(crop).min() < 128  # the handwriting is in it


def test_the_page_stored_as_scanned_is_served_upright(client, cast, upside_down):
    import numpy as np

    _, upright = upside_down
    page = cast.submission.pages.get()
    client.force_login(cast.ta.user)
    response = client.get(reverse("page_image", args=[page.pk]))
    assert response["Content-Type"] == "image/jpeg"
    served = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"), np.float32)
    assert np.abs(served - np.asarray(upright, np.float32)).mean() < 2
    thumb = client.get(reverse("page_thumbnail", args=[page.pk]))
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(thumb.content)).size == (200, 280)
