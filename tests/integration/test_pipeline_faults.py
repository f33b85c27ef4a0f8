"""Faults on the real services: a worker killed right after a commit, Redis killed for 20 s
(with an upload while it is down), PostgreSQL down for 30 s, messages deleted between steps.
After recovery every page is placed, read and checked exactly once.

The workers run as deployed, with Celery beat sending the reconciler, whose interval and
backoffs are made short here; the visibility timeout is made too long to matter, so that what
a dead worker or a lost message leaves behind comes back through the reconciler. Each test
prints how long the recovery took (``-s`` shows it; docs/reliability.md quotes the figures).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo import build, plan
from exams.models import Answer, Page, ScanBatch, Transcription
from exams.pipeline import upload
from exams.scanning.fakescan import ScanDefects
from grading.models import GradeEvent
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

#: The workers' settings: a reconciler every second, retries after 2 s (4 s at most), a
#: busy queue resent after 10 s; a visibility timeout that never expires within a test.
FAULT_ENV = {
    "PIPELINE_RECONCILE_SECONDS": "1",
    "PIPELINE_RETRY_SECONDS": "2",
    "PIPELINE_RETRY_MAX_SECONDS": "4",
    "PIPELINE_BUSY_RESEND_SECONDS": "10",
    "CELERY_VISIBILITY_TIMEOUT": "600",
}
NO_DEFECTS = ScanDefects(dropped=0, duplicated=0, upside_down=1)


@pytest.fixture
def workers(celery_workers, settings):
    celery_workers.env.update(FAULT_ENV)
    # This process stamps the uploads' first "due" time: the same grace as the workers.
    settings.PIPELINE_RETRY_SECONDS = 2
    return celery_workers


def _scan(exam, roster, seed: int) -> bytes:
    _, scan = build.demo_scans(exam, roster, seed=seed, dpi=110, defects=NO_DEFECTS)
    return scan.pdf


def _upload(exam, pdf: bytes, name: str) -> ScanBatch:
    return upload.scan_batch_upload(exam=exam, stream=io.BytesIO(pdf), original_name=name).batch


def _stages(batch) -> Counter:
    return Counter(Page.objects.filter(batch=batch).values_list("stage", flat=True))


def _progressed(batch, at_least: int) -> bool:
    return sum(n for stage, n in _stages(batch).items() if stage != "split") >= at_least


def _finished(exam, copies: int) -> bool:
    batches = ScanBatch.objects.filter(exam=exam)
    failed = batches.filter(status=ScanBatch.Status.FAILED).first()
    assert failed is None, failed.error
    expected = copies * len(plan.REGIONS)
    checked = Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").count()
    return checked >= expected and not batches.exclude(status=ScanBatch.Status.DONE).exists()


def _assert_each_page_read_and_checked_once(exam, copies: int) -> None:
    pages = Page.objects.filter(batch__exam=exam)
    assert pages.count() == copies * plan.PAGES
    assert Counter(pages.values_list("stage", flat=True)) == {"checked": copies * plan.PAGES}
    placed = sorted(pages.values_list("submission__copy_number", "page_number"))
    assert len(placed) == len(set(placed))  # no position placed twice
    for batch in ScanBatch.objects.filter(exam=exam):
        assert batch.pages_done == batch.pages_total == batch.pages.count()
    answers = Answer.objects.filter(submission__exam=exam)
    assert answers.count() == copies * len(plan.REGIONS)  # none missing, none duplicated
    assert not answers.filter(verdict=Answer.Verdict.PENDING).exists()
    # Read once: one OCR transcription per answer; checked once: one auto score at most.
    reads = Counter(
        Transcription.objects.filter(answer__submission__exam=exam, source="ocr").values_list(
            "answer_id", flat=True
        )
    )
    assert set(reads.values()) == {1}
    assert len(reads) == answers.count()
    scores = Counter(
        GradeEvent.objects.filter(answer__submission__exam=exam, action="auto_check").values_list(
            "answer_id", flat=True
        )
    )
    assert max(scores.values()) == 1


def _report(fault: str, **figures) -> None:
    print(f"\nfault {fault}: " + json.dumps(figures))


def test_a_worker_killed_right_after_a_commit_loses_nothing(workers, tmp_path):
    marker = tmp_path / "killed"
    # The first page placed kills its worker after the commit, before the reading is sent.
    workers.env["GRADEBOOK_FAILPOINT"] = f"placed:{marker}"
    first = workers.start()
    workers.start_beat()
    exam, roster = build.demo_exam(students=3)
    batch = _upload(exam, _scan(exam, roster, seed=21), "stack.pdf")

    wait_for(lambda: marker.exists() and first.poll() is not None, timeout=120)
    killed = time.monotonic()
    [orphan] = Page.objects.filter(batch=batch, stage=Page.Stage.PLACED)  # placed, never read
    workers.start()
    wait_for(
        lambda: Page.objects.get(pk=orphan.pk).stage == Page.Stage.CHECKED,
        timeout=120,
        interval=0.1,
    )
    orphan_s = time.monotonic() - killed
    wait_for(lambda: _finished(exam, copies=3), timeout=180)
    _assert_each_page_read_and_checked_once(exam, copies=3)
    _report(
        "worker killed after a commit",
        pages=batch.pages.count(),
        placed_page_read_and_checked_s=round(orphan_s, 1),
        all_done_s=round(time.monotonic() - killed, 1),
    )


def test_redis_killed_for_20_s_and_an_upload_while_it_is_down(workers, services, client):
    workers.start()
    workers.start_beat()
    exam, roster = build.demo_exam(students=4)
    first = _upload(exam, _scan(exam, roster[:2], seed=22), "first.pdf")
    second_pdf = _scan(exam, roster[2:], seed=23)

    wait_for(lambda: _progressed(first, at_least=1), timeout=120, interval=0.05)
    services.redis_kill()
    down = time.monotonic()
    assert ScanBatch.objects.get(pk=first.pk).status != ScanBatch.Status.DONE
    # An upload while Redis is down is stored and answered.
    client.force_login(exam.course.enrollments.get(role="instructor").user)
    posted = time.monotonic()
    response = client.post(
        reverse("scan_upload", args=[exam.pk]),
        {"files": [SimpleUploadedFile("second.pdf", second_pdf)]},
        HTTP_ACCEPT="application/json",
    )
    upload_s = time.monotonic() - posted
    assert response.status_code == 200
    [listed] = response.json()["batches"]
    assert (listed["status"], listed["created"]) == ("uploaded", True)
    time.sleep(max(0.0, 20 - (time.monotonic() - down)))
    services.redis_start()
    back = time.monotonic()

    wait_for(lambda: _finished(exam, copies=4), timeout=180)
    _assert_each_page_read_and_checked_once(exam, copies=4)
    _report(
        "Redis killed for 20 s",
        pages=Page.objects.filter(batch__exam=exam).count(),
        upload_while_down_s=round(upload_s, 1),
        all_done_after_redis_back_s=round(time.monotonic() - back, 1),
    )


def test_postgres_down_for_30_s_mid_batch_loses_nothing(workers, services):
    workers.start()
    workers.start_beat()
    exam, roster = build.demo_exam(students=3)
    batch = _upload(exam, _scan(exam, roster, seed=24), "stack.pdf")

    wait_for(lambda: _progressed(batch, at_least=1), timeout=120, interval=0.05)
    assert ScanBatch.objects.get(pk=batch.pk).status != ScanBatch.Status.DONE
    services.postgres_stop()
    time.sleep(30)
    services.postgres_start()
    back = time.monotonic()

    wait_for(lambda: _finished(exam, copies=3), timeout=180)
    _assert_each_page_read_and_checked_once(exam, copies=3)
    _report(
        "PostgreSQL down for 30 s",
        pages=batch.pages.count(),
        all_done_after_postgres_back_s=round(time.monotonic() - back, 1),
    )


def _queue_messages(client, queue: str) -> list[tuple[bytes, dict]]:
    return [(raw, json.loads(raw)) for raw in client.lrange(queue, 0, -1)]


def test_pages_whose_messages_were_deleted_between_steps_are_processed(workers):
    import redis

    from exams.tasks import split_scan_batch

    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    exam, roster = build.demo_exam(students=3)
    batch = _upload(exam, _scan(exam, roster, seed=25), "stack.pdf")
    # Split here, so that the pages' placing messages wait in Redis; then one of them is lost.
    split_scan_batch.apply(kwargs={"batch_id": batch.pk})
    placing = [
        (raw, m)
        for raw, m in _queue_messages(broker, "images")
        if m["headers"]["task"] == "exams.tasks.process_page"
    ]
    assert len(placing) == 3 * plan.PAGES
    lost_raw, lost = placing[0]
    assert broker.lrem("images", 1, lost_raw) == 1
    lost_page = lost["headers"]["kwargsrepr"]

    # A worker for the image work only: pages are placed and read; the checks of the copies
    # wait in the default queue, which is then deleted.
    workers.start(queues="images")
    wait_for(lambda: _stages(batch) == {"read": 3 * plan.PAGES - 1, "split": 1}, timeout=180)
    deleted = sum(broker.delete(key) for key in broker.keys("default*"))
    assert deleted
    assert not Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").exists()

    lost_at = time.monotonic()
    workers.start(queues="default")
    workers.start_beat()
    wait_for(lambda: _finished(exam, copies=3), timeout=180)
    _assert_each_page_read_and_checked_once(exam, copies=3)
    _report(
        "messages deleted between steps",
        pages=batch.pages.count(),
        lost=f"1 placing ({lost_page}) and every check",
        all_done_s=round(time.monotonic() - lost_at, 1),
    )
