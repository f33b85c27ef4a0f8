"""Celery tasks of the scan pipeline: thin, id-taking, idempotent; the work is in
``exams.ingest`` and ``exams.checking``."""

from __future__ import annotations

from django.db import OperationalError, transaction

from exams import ingest
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
    return None if page is None else page.status
