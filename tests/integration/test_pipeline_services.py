"""The scan pipeline on the real services: PostgreSQL, Redis and Celery worker processes.

Generated scans of a 3-student exam (shuffled, one page upside down, one fed twice, one
missing) give 3 submissions with every page placed, the missing page reported, the re-scan
recognised and the planted verdicts; killing the worker mid-batch and starting another loses
and duplicates nothing.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest

from demo import build, plan
from exams import selectors
from exams.models import Answer, Page, ScanBatch, Submission, Transcription
from exams.pipeline import upload
from exams.pipeline.checking import LOW_CONFIDENCE
from exams.scanning.fakescan import ScanDefects
from grading.models import GradeEvent
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _batch_done(batch_id: int) -> bool:
    batch = ScanBatch.objects.get(pk=batch_id)
    assert batch.status != ScanBatch.Status.FAILED, batch.error
    return batch.status == ScanBatch.Status.DONE


def _pages_checked(batch_id: int) -> int:
    return Page.objects.filter(batch_id=batch_id, stage=Page.Stage.CHECKED).count()


def _checked(exam, expected_answers: int) -> bool:
    return (
        Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").count()
        >= expected_answers
    )


def test_three_students_scans_are_placed_read_and_checked_by_the_worker(celery_workers):
    celery_workers.start()
    exam, roster = build.demo_exam(students=3)
    _, scan = build.demo_scans(exam, roster, seed=5, dpi=120)
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(scan.pdf), original_name="stack.pdf"
    ).batch

    wait_for(lambda: _batch_done(batch.pk), timeout=180)
    batch.refresh_from_db()
    assert batch.pages_done == batch.pages_total == len(scan.manifest.pages)
    assert Submission.objects.filter(exam=exam).count() == 3
    statuses = Counter(Page.objects.filter(batch=batch).values_list("status", flat=True))
    assert statuses == {"placed": 3 * plan.PAGES - 1, "duplicate": 1}
    assert selectors.missing_pages(exam) == {c: [p] for c, p in scan.manifest.missing}

    parts_per_page = Counter(page for page, _ in plan.REGIONS.values())
    ((_missing_copy, missing_page),) = scan.manifest.missing
    wait_for(
        lambda: _checked(exam, 3 * len(plan.REGIONS) - parts_per_page[missing_page]), timeout=180
    )
    for answer in Answer.objects.filter(submission__exam=exam).select_related("submission", "part"):
        planted = plan.answers_for(answer.submission.copy_number - 1)[answer.part.part_id]
        right = plan.ANSWERS[answer.part.part_id][0]
        if answer.part.part_id == "4.a":
            assert answer.verdict == ("needs_review" if planted else "blank")
        elif not planted:
            assert answer.verdict == "blank"
        elif planted.replace(" ", "") == right.replace(" ", ""):
            # A correct answer is never marked wrong, even when the OCR misreads it.
            assert answer.verdict in {"correct", "needs_review"}, (
                answer.part.part_id,
                answer.answer_text,
            )
            read = answer.transcriptions.order_by("-created_at", "-id").first()
            accepted = read is not None and (read.confidence or 0.0) >= LOW_CONFIDENCE
            if accepted and answer.answer_text.replace(" ", "") == planted.replace(" ", ""):
                assert answer.verdict == "correct"
        else:
            assert answer.verdict != "correct", (answer.part.part_id, planted, answer.answer_text)


def test_killing_the_worker_mid_batch_loses_and_duplicates_nothing(celery_workers, settings):
    # As deployed: Celery beat runs the reconciler (here every 2 s, a lost step resent after
    # 5 s), which takes back what the dead worker held but no message carries any more.
    celery_workers.env.update(PIPELINE_RECONCILE_SECONDS="2", PIPELINE_RETRY_SECONDS="5")
    settings.PIPELINE_RETRY_SECONDS = 5
    first = celery_workers.start()
    celery_workers.start_beat()
    exam, roster = build.demo_exam(students=6)
    _, scan = build.demo_scans(
        exam, roster, seed=9, dpi=120, defects=ScanDefects(dropped=0, duplicated=0, upside_down=1)
    )
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(scan.pdf), original_name="stack.pdf"
    ).batch
    total = len(scan.manifest.pages)

    # Mid-batch: some pages done, and the reading or checking of others under way. Every wait
    # is on a condition; its bound is for a machine under load, not a figure.
    wait_for(lambda: _pages_checked(batch.pk) >= 3, timeout=600, interval=0.05)
    celery_workers.kill(first)  # the worker and its pool process, at once
    done_at_kill = _pages_checked(batch.pk)
    assert done_at_kill < total, "the batch finished before the worker could be killed"

    celery_workers.start()
    wait_for(lambda: _batch_done(batch.pk), timeout=600)
    batch.refresh_from_db()
    assert batch.pages_done == batch.pages_total == total
    pages = Page.objects.filter(batch=batch)
    assert pages.count() == total
    assert Counter(pages.values_list("status", flat=True)) == {"placed": total}
    assert sorted(pages.values_list("submission__copy_number", "page_number")) == sorted(
        (p.copy, p.page) for p in scan.manifest.pages
    )
    wait_for(lambda: _checked(exam, 6 * len(plan.REGIONS)), timeout=600)
    # Exactly once: one OCR transcription per answer, at most one auto score per answer.
    per_answer = Counter(
        Transcription.objects.filter(answer__submission__exam=exam, source="ocr").values_list(
            "answer_id", flat=True
        )
    )
    assert set(per_answer.values()) == {1}
    auto = Counter(
        GradeEvent.objects.filter(answer__submission__exam=exam, action="auto_check").values_list(
            "answer_id", flat=True
        )
    )
    assert max(auto.values()) == 1
