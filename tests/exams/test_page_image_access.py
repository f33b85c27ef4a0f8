"""Scanned page images are served only through the access check."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from exams.models import Exam, Page, ScanBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(cast, media_root):
    buf = io.BytesIO()
    Image.new("L", (20, 30), 255).save(buf, format="PNG")
    batch = ScanBatch.objects.create(
        exam=cast.exam, file="scans/x.pdf", original_name="x.pdf", checksum="b" * 64, size_bytes=1
    )
    page = Page(
        batch=batch,
        index_in_batch=0,
        status=Page.Status.PLACED,
        submission=cast.submission,
        page_number=1,
    )
    page.image.save("p.png", ContentFile(buf.getvalue()), save=True)
    return page


def test_staff_get_the_image(client, cast, page):
    client.force_login(cast.ta.user)
    response = client.get(reverse("page_image", args=[page.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_owner_gets_it_only_after_publication(client, cast, page):
    client.force_login(cast.student.user)
    assert client.get(reverse("page_image", args=[page.pk])).status_code == 404
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    assert client.get(reverse("page_image", args=[page.pk])).status_code == 200


def test_another_student_and_another_course_get_404(client, cast, page):
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    for user in (cast.other_student.user, cast.other_ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert client.get(reverse("page_image", args=[page.pk])).status_code == 404
