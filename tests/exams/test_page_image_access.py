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


# --- Access by page status: a student sees only the accepted scan of their own copy ---------

#: Every status a page attached to alice's copy can have, and why it is there. A conflicting
#: scan (needs attention at her copy's position) may be another student's sheet carrying her
#: QR code; a duplicate or a discarded page is not the scan that was graded.
STATUSES = [
    pytest.param(status, reason, number, id=status)
    for status, reason, number in [
        (Page.Status.PLACED, "", 1),
        (Page.Status.PENDING, "", None),
        (Page.Status.NEEDS_ATTENTION, "copy 1 page 1 was already scanned; choose which", 1),
        (Page.Status.DUPLICATE, "a second scan of page 1 of x.pdf", 1),
        (Page.Status.DISCARDED, "replaced by page 9 (by ines)", 1),
    ]
]
#: Who may see a page of alice's copy, once the exam is published, for each identity: staff
#: always; alice only the placed one; nobody else, ever.
IDENTITIES = ["instructor", "ta", "student", "other_student", "other_ta", "outsider_student"]


def _page_with_status(cast, status: str, reason: str, page_number: int | None) -> Page:
    buf = io.BytesIO()
    Image.new("L", (20, 30), 255).save(buf, format="PNG")
    batch = ScanBatch.objects.create(
        exam=cast.exam, file="scans/y.pdf", original_name="y.pdf", checksum="c" * 64, size_bytes=1
    )
    page = Page(
        batch=batch,
        index_in_batch=0,
        status=status,
        attention_reason=reason,
        submission=cast.submission,
        page_number=page_number,
    )
    page.image.save("p.png", ContentFile(buf.getvalue()), save=True)
    return page


@pytest.mark.parametrize(("status", "reason", "page_number"), STATUSES)
@pytest.mark.parametrize("who", IDENTITIES)
def test_each_page_status_for_each_identity(
    client, cast, media_root, who, status, reason, page_number
):
    page = _page_with_status(cast, status, reason, page_number)
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    client.force_login(getattr(cast, who).user)
    allowed = who in ("instructor", "ta") or (who == "student" and status == Page.Status.PLACED)
    response = client.get(reverse("page_image", args=[page.pk]))
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize(("status", "reason", "page_number"), STATUSES)
def test_before_publication_the_owner_sees_no_page_and_a_visitor_logs_in(
    client, cast, media_root, status, reason, page_number
):
    page = _page_with_status(cast, status, reason, page_number)
    url = reverse("page_image", args=[page.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(cast.student.user)
    assert client.get(url).status_code == 404


def test_the_owners_copy_shows_the_placed_scan_not_a_conflicting_one(client, cast, media_root):
    placed = _page_with_status(cast, Page.Status.PLACED, "", 1)
    conflicting = Page.objects.create(
        batch=placed.batch,
        index_in_batch=1,
        status=Page.Status.NEEDS_ATTENTION,
        attention_reason="copy 1 page 1 was already scanned; choose which to keep",
        submission=cast.submission,
        page_number=1,
        image=placed.image.name,
    )
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    client.force_login(cast.student.user)
    body = client.get(reverse("submission_detail", args=[cast.submission.pk])).content.decode()
    assert reverse("page_image", args=[placed.pk]) in body
    assert reverse("page_image", args=[conflicting.pk]) not in body
    assert client.get(reverse("page_image", args=[conflicting.pk])).status_code == 404
