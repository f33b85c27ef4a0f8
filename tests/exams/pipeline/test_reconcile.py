"""The reconciler sends again what is due and nobody works on, and nothing else; an upload
needs no broker; a person resumes a batch, an exam or a page from the command line."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from demo import build, plan
from exams.models import Page, ScanBatch
from exams.pipeline import reconcile, steps, upload
from exams.scanning.fakescan import ScanDefects
from exams.tasks import split_scan_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan_pdf(media_root):
    exam, roster = build.demo_exam(students=1)
    _, scan = build.demo_scans(
        exam, roster, seed=4, dpi=120, defects=ScanDefects(dropped=0, duplicated=0, upside_down=0)
    )
    return exam, scan.pdf


@pytest.fixture
def split_batch(scan_pdf, monkeypatch):
    """A batch split into its pages, whose placing messages were all lost."""
    exam, pdf = scan_pdf
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(pdf), original_name="s.pdf", enqueue=False
    ).batch
    sent: list[int] = []
    monkeypatch.setattr("exams.tasks.process_page.delay", lambda **kw: sent.append(kw["page_id"]))
    split_scan_batch(batch_id=batch.pk)
    assert len(sent) == plan.PAGES
    return batch, sent


def _overdue(rows, seconds: float = 1) -> None:
    rows.update(due_at=timezone.now() - timedelta(seconds=seconds))


def test_an_upload_answers_without_the_broker_and_is_processed_once_it_is_back(
    client, scan_pdf, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    exam, pdf = scan_pdf
    instructor = exam.course.enrollments.get(role="instructor").user

    def broker_down(**kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("exams.tasks.split_scan_batch.delay", broker_down)
    client.force_login(instructor)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("scan_upload", args=[exam.pk]),
            {"files": [SimpleUploadedFile("stack.pdf", pdf)]},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 200
    [listed] = response.json()["batches"]
    assert listed["status"] == "uploaded"
    assert "could not send exams.tasks.split_scan_batch" in caplog.text
    batch = ScanBatch.objects.get(pk=listed["id"])
    assert batch.file
    assert batch.due_at is not None

    monkeypatch.undo()  # the broker is back
    _overdue(ScanBatch.objects.filter(pk=batch.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().batches == 1
    batch.refresh_from_db()
    assert (batch.status, batch.pages_done) == (ScanBatch.Status.DONE, plan.PAGES)


def test_a_run_claims_what_it_sends_so_the_next_run_sends_nothing(
    split_batch, monkeypatch, django_capture_on_commit_callbacks
):
    batch, _ = split_batch
    sent: list[int] = []
    monkeypatch.setattr("exams.tasks.process_page.delay", lambda **kw: sent.append(kw["page_id"]))
    pages = Page.objects.filter(batch=batch)
    _overdue(pages)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == plan.PAGES
        assert reconcile.reconcile().pages == 0
    assert sorted(sent) == sorted(pages.values_list("pk", flat=True))
    assert all(p.due_at > timezone.now() for p in pages)


def test_a_step_whose_queue_is_busy_is_sent_again_only_once_it_is_late(
    split_batch, monkeypatch, settings, django_capture_on_commit_callbacks
):
    batch, _ = split_batch
    settings.PIPELINE_BUSY_RESEND_SECONDS = 600
    monkeypatch.setattr(
        "exams.pipeline.reconcile.queue_backlog", lambda: {"images": 40, "default": 0}
    )
    sent: list[int] = []
    monkeypatch.setattr("exams.tasks.process_page.delay", lambda **kw: sent.append(kw["page_id"]))
    pages = Page.objects.filter(batch=batch).order_by("index_in_batch")
    _overdue(pages, seconds=60)  # probably still waiting in the queue
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == 0
    _overdue(pages.filter(pk=pages[0].pk), seconds=601)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == 1
    assert sent == [pages[0].pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="work locks are PostgreSQL's")
def test_a_step_a_worker_is_working_on_is_left_alone(
    split_batch, monkeypatch, django_capture_on_commit_callbacks
):
    import psycopg2

    batch, _ = split_batch
    busy, idle = Page.objects.filter(batch=batch).order_by("index_in_batch")
    _overdue(Page.objects.filter(batch=batch))
    sent: list[int] = []
    monkeypatch.setattr("exams.tasks.process_page.delay", lambda **kw: sent.append(kw["page_id"]))
    worker = psycopg2.connect(**connection.get_connection_params())
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [steps.LOCK_PAGE, busy.pk])
        with django_capture_on_commit_callbacks(execute=True):
            assert reconcile.reconcile().pages == 1
        assert sent == [idle.pk]
        # The work lock is free: a delivered task may work, another is turned away.
        with steps.work_lock(steps.LOCK_PAGE, idle.pk) as free:
            assert free
        with steps.work_lock(steps.LOCK_PAGE, busy.pk) as free:
            assert not free
    finally:
        worker.close()  # a worker that dies: its lock goes with its connection
    _overdue(Page.objects.filter(pk=busy.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == 1
    assert sent == [idle.pk, busy.pk]


def test_the_command_shows_resumes_and_reconciles(
    split_batch, monkeypatch, capsys, django_capture_on_commit_callbacks
):
    batch, _ = split_batch
    page = Page.objects.filter(batch=batch).first()
    Page.objects.filter(pk=page.pk).update(
        gave_up_at=timezone.now(), due_at=None, attempts=5, last_error="ValueError: bad"
    )
    call_command("pipeline", "status", "--exam", str(batch.exam_id))
    out = capsys.readouterr().out
    assert f"batch {batch.pk}" in out
    assert "1 stopped" in out

    monkeypatch.undo()  # messages reach the (in-process) workers again
    with django_capture_on_commit_callbacks(execute=True):
        call_command("pipeline", "resume", "--page", str(page.pk))
    assert "1 page step(s) resumed" in capsys.readouterr().out
    page.refresh_from_db()
    assert (page.gave_up_at, page.attempts, page.stage) == (None, 0, "checked")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("pipeline", "resume", "--exam", str(batch.exam_id))
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.DONE
    call_command("pipeline", "reconcile")
    assert "sent again: 0 split(s), 0 page step(s), 0 copy check(s)" in capsys.readouterr().out
