"""Scan upload and the progress endpoints polled by the upload page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exams.models import Page, ScanBatch
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "exams.tasks.split_scan_batch.delay", lambda **kw: calls.append(kw["batch_id"])
    )
    return calls


def test_several_files_become_batches_and_are_enqueued(
    client, cast, media_root, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(cast.instructor.user)
    files = [
        SimpleUploadedFile("a.png", view_fixtures.png_bytes(text="a")),
        SimpleUploadedFile("b.png", view_fixtures.png_bytes(text="b")),
        SimpleUploadedFile("c.txt", b"not a scan"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("scan_upload", args=[cast.exam.pk]),
            {"files": files},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 200
    batches = response.json()["batches"]
    assert [b["name"] for b in batches] == ["a.png", "b.png", "c.txt"]
    assert [b["status"] for b in batches] == ["uploaded", "uploaded", "failed"]
    assert "Not a PDF" in batches[2]["error"]
    assert sorted(enqueued) == sorted(b["id"] for b in batches[:2])


def test_progress_of_one_batch_and_of_the_exam(client, cast):
    batch = ScanBatch.objects.create(
        exam=cast.exam,
        original_name="s.pdf",
        checksum="d" * 64,
        size_bytes=3,
        status=ScanBatch.Status.PROCESSING,
        pages_total=10,
        pages_done=4,
    )
    client.force_login(cast.instructor.user)
    one = client.get(reverse("batch_progress", args=[batch.pk])).json()
    assert (one["pages_done"], one["pages_total"], one["status"], one["done"]) == (
        4,
        10,
        "processing",
        False,
    )
    listing = client.get(reverse("exam_batches_progress", args=[cast.exam.pk])).json()
    assert [b["id"] for b in listing["batches"]] == [batch.pk]


def test_scan_views_are_for_the_instructor_only(client, cast, enqueued):
    batch = ScanBatch.objects.create(
        exam=cast.exam, original_name="s.pdf", checksum="e" * 64, size_bytes=3
    )
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        upload = SimpleUploadedFile("a.png", view_fixtures.png_bytes())
        assert (
            client.post(
                reverse("scan_upload", args=[cast.exam.pk]), {"files": [upload]}
            ).status_code
            == 404
        )
        assert client.get(reverse("batch_progress", args=[batch.pk])).status_code == 404
        assert client.get(reverse("exam_batches_progress", args=[cast.exam.pk])).status_code == 404
        assert client.post(reverse("batch_resume", args=[batch.pk])).status_code == 404
    assert ScanBatch.objects.count() == 1
    assert enqueued == []


def test_scan_views_reject_the_wrong_method(client, cast):
    batch = ScanBatch.objects.create(
        exam=cast.exam, original_name="s.pdf", checksum="f" * 64, size_bytes=3
    )
    client.force_login(cast.instructor.user)
    assert client.get(reverse("scan_upload", args=[cast.exam.pk])).status_code == 405
    assert client.post(reverse("batch_progress", args=[batch.pk])).status_code == 405
    assert client.post(reverse("exam_batches_progress", args=[cast.exam.pk])).status_code == 405
    assert client.get(reverse("batch_resume", args=[batch.pk])).status_code == 405


def test_an_upload_without_files_is_a_400(client, cast):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("scan_upload", args=[cast.exam.pk]), {}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400


def _stuck_batch(cast) -> tuple[ScanBatch, Page, Page]:
    """A split batch: one page placed whose reading was lost, one that stopped after its
    attempts at being placed."""
    batch = ScanBatch.objects.create(
        exam=cast.exam,
        original_name="stuck.pdf",
        checksum="a" * 64,
        size_bytes=3,
        status=ScanBatch.Status.PROCESSING,
        pages_total=2,
    )
    placed = view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    Page.objects.filter(pk=placed.pk).update(batch=batch, stage="placed", due_at=timezone.now())
    ScanBatch.objects.filter(checksum="c" * 64).delete()  # the fixtures' own batch, now empty
    stopped = view_fixtures.scan_page(
        cast, submission=None, page_number=None, status=Page.Status.PENDING, index=1
    )
    Page.objects.filter(pk=stopped.pk).update(
        batch=batch, gave_up_at=timezone.now(), attempts=5, last_error="ValueError: bad page"
    )
    return batch, placed, stopped


def test_progress_tells_what_is_left_of_every_step(client, cast, media_root):
    batch, _, _ = _stuck_batch(cast)
    client.force_login(cast.instructor.user)
    one = client.get(reverse("batch_progress", args=[batch.pk])).json()
    assert (one["to_place"], one["to_read"], one["to_check"], one["stopped"]) == (1, 1, 0, 1)
    assert one["detail"] == "1 to place · 1 to read · 1 stopped"
    assert one["done"] is False  # the placed page is still being read
    ScanBatch.objects.filter(pk=batch.pk).update(status=ScanBatch.Status.WAITING)
    Page.objects.filter(batch=batch, stage="placed").update(stage="checked", due_at=None)
    waiting = client.get(reverse("batch_progress", args=[batch.pk])).json()
    assert (waiting["status"], waiting["done"]) == ("waiting", True)  # polling stops


def test_the_instructor_resumes_a_stuck_batch(
    client, cast, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    batch, placed, stopped = _stuck_batch(cast)
    sent = []
    for name in ("process_page", "transcribe_page"):
        monkeypatch.setattr(f"exams.tasks.{name}.delay", lambda **kw: sent.append(kw["page_id"]))
    client.force_login(cast.instructor.user)
    page = client.get(reverse("exam_detail", args=[cast.exam.pk])).content.decode()
    assert reverse("batch_resume", args=[batch.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("batch_resume", args=[batch.pk]))
    assert response.status_code == 302
    assert sorted(sent) == sorted([placed.pk, stopped.pk])
    stopped.refresh_from_db()
    assert (stopped.gave_up_at, stopped.attempts, stopped.last_error) == (None, 0, "")
