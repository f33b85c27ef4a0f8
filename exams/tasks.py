"""Celery tasks of the scan pipeline: thin, id-taking, idempotent; the work is in
``exams.ingest`` and ``exams.checking``."""

from __future__ import annotations

from django.db import OperationalError, transaction

from exams import checking, ingest, transcribe
from exams.models import Page, Submission
from gradebook.celery import IMAGES_QUEUE, task


@task(queue=IMAGES_QUEUE, retry_on=(OperationalError,), soft_time_limit=3000, time_limit=3600)
def split_scan_batch(*, batch_id: int) -> int:
    """Split an uploaded file into pages, then queue every pending page."""
    page_ids = ingest.scan_batch_split(batch_id=batch_id)
    transaction.on_commit(lambda: [process_page.delay(page_id=pk) for pk in page_ids])
    return len(page_ids)


@task(queue=IMAGES_QUEUE, retry_on=(OperationalError,), soft_time_limit=120, time_limit=180)
def process_page(*, page_id: int) -> str | None:
    """Read, straighten and place one page."""
    page = ingest.page_process(page_id=page_id)
    if page is None:
        return None
    if page.status == Page.Status.PLACED and page.batch.exam.answer_keys.exists():
        transaction.on_commit(lambda: transcribe_page.delay(page_id=page.pk))
    return page.status


@task(queue=IMAGES_QUEUE, retry_on=(OperationalError,), soft_time_limit=300, time_limit=360)
def transcribe_page(*, page_id: int) -> int:
    """OCR the answer regions of a placed page, then check its copy."""
    answers = transcribe.page_transcribe(page_id=page_id)
    if answers:
        submission_id = answers[0].submission_id
        transaction.on_commit(lambda: check_submission.delay(submission_id=submission_id))
    return len(answers)


@task(retry_on=(OperationalError,), soft_time_limit=300, time_limit=360)
def check_submission(*, submission_id: int) -> int:
    """Auto-check every part of a copy with the exam's current key."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return 0
    return len(checking.submission_check(submission=submission))
