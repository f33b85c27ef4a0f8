"""Pages by hand from the browser: a typo'd copy number, another exam's page, pages scanned
twice, a page taken off its copy, and the undo of each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Exam, Page, PageEvent, Submission
from exams.scanning.qrcodes import QrPayload
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def stray(stray, cast):
    """The shared stray page (tests/exams/conftest.py), on an exam that printed 5 copies."""
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=5)
    return stray


def attention(cast) -> str:
    return reverse("exam_attention", args=[cast.exam.pk])


def test_a_copy_number_never_printed_is_refused_with_the_reason(client, cast, stray):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("page_place", args=[stray.pk]), {"copy_number": 99, "page_number": 1}, follow=True
    )
    assert "Copy 99 does not exist for this exam (copies 1 to 5 were printed)" in (
        response.content.decode()
    )
    assert not Submission.objects.filter(exam=cast.exam, copy_number=99).exists()
    stray.refresh_from_db()
    assert stray.status == "needs_attention"


def test_another_exams_page_is_flagged_and_placed_only_when_ticked(client, cast, stray):
    stray.qr_payload = QrPayload("OTHER", 2, 1).encode()
    stray.save()
    client.force_login(cast.instructor.user)
    body = client.get(attention(cast)).content.decode()
    assert "This page's QR code is of another exam" in body
    assert 'name="other_exam"' in body
    data = {"copy_number": cast.submission.copy_number, "page_number": 1}
    response = client.post(reverse("page_place", args=[stray.pk]), data, follow=True)
    assert "QR code is of another exam (code OTHER" in response.content.decode()
    stray.refresh_from_db()
    assert stray.status == "needs_attention"
    client.post(reverse("page_place", args=[stray.pk]), {**data, "other_exam": "on"})
    stray.refresh_from_db()
    assert stray.status == "placed"


def test_pages_scanned_twice_are_shown_side_by_side(client, cast, media_root):
    first = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=1)
    twice = view_fixtures.scan_page(
        cast,
        submission=cast.submission,
        page_number=1,
        status=Page.Status.DUPLICATE,
        reason="a second scan",
        index=2,
    )
    client.force_login(cast.instructor.user)
    response = client.get(attention(cast))
    [pair] = response.context["summary"].duplicates
    assert (pair.page, pair.placed) == (twice, first)
    body = response.content.decode()
    assert f'id="duplicate-{twice.pk}"' in body
    for page in (first, twice):
        assert reverse("page_thumbnail", args=[page.pk]) in body
    # Keep the second: it is placed, the first discarded; the undo puts them back.
    client.post(
        reverse("page_place", args=[twice.pk]),
        {"copy_number": cast.submission.copy_number, "page_number": 1, "replace": "on"},
    )
    assert Page.objects.get(pk=twice.pk).status == "placed"
    assert Page.objects.get(pk=first.pk).status == "discarded"
    response = client.post(reverse("pages_undo", args=[cast.exam.pk]), follow=True)
    assert "Undone (placed)" in response.content.decode()
    assert Page.objects.get(pk=twice.pk).status == "duplicate"
    assert Page.objects.get(pk=first.pk).status == "placed"


def test_a_page_taken_off_its_copy_goes_back_to_the_list(client, cast, media_root):
    placed = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=1)
    copy_page = reverse("submission_detail", args=[cast.submission.pk])
    client.force_login(cast.instructor.user)
    assert f'id="copy-page-{placed.pk}"' in client.get(copy_page).content.decode()
    response = client.post(reverse("page_unplace", args=[placed.pk]), {"next": copy_page})
    assert response["Location"] == copy_page
    placed.refresh_from_db()
    assert placed.status == "needs_attention"
    assert PageEvent.objects.get().action == "unplace"
    body = client.get(attention(cast)).content.decode()
    assert f'id="page-{placed.pk}"' in body
    assert "Recent page changes" in body


def test_nothing_to_undo_is_said(client, cast):
    client.force_login(cast.instructor.user)
    response = client.post(reverse("pages_undo", args=[cast.exam.pk]), follow=True)
    assert "Nothing to undo" in response.content.decode()


@pytest.mark.parametrize("who", ["ta", "student", "other_ta"])
def test_only_the_instructor_moves_pages_and_undoes(client, cast, stray, who):
    client.force_login(getattr(cast, who).user)
    placed = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=9)
    assert client.post(reverse("page_unplace", args=[placed.pk])).status_code == 404
    assert client.post(reverse("pages_undo", args=[cast.exam.pk])).status_code == 404
    assert Page.objects.get(pk=placed.pk).status == "placed"


def test_it_rejects_get(client, cast, stray):
    client.force_login(cast.instructor.user)
    assert client.get(reverse("page_unplace", args=[stray.pk])).status_code == 405
    assert client.get(reverse("pages_undo", args=[cast.exam.pk])).status_code == 405
