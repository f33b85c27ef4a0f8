"""Celery tasks of the scan pipeline: thin, id-taking, safe to run any number of times.

Each task runs the step due for its row (``exams.flow``), whose state lives in the database
(``exams.steps``); a lost message leaves that step due, and ``reconcile_pipeline``, which
Celery beat runs every ``PIPELINE_RECONCILE_SECONDS``, sends it again.
"""

from __future__ import annotations

import logging

from exams import flow, reconcile, steps
from gradebook.celery import IMAGES_QUEUE, task

log = logging.getLogger(__name__)


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def split_scan_batch(*, batch_id: int) -> str | None:
    """Split one slice of an uploaded file into pages; then the rest, or the pages' placing."""
    batch = flow.batch_split(batch_id=batch_id)
    return None if batch is None else batch.status


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def process_page(*, page_id: int) -> str | None:
    """Read, straighten and place one page (or whatever step of it is still due)."""
    page = flow.page_advance(page_id=page_id)
    return None if page is None else page.stage


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def transcribe_page(*, page_id: int) -> str | None:
    """OCR the answer regions of a placed page, then check its copy."""
    page = flow.page_advance(page_id=page_id)
    return None if page is None else page.stage


@task(retry_on=steps.DATABASE_ERRORS)
def check_submission(*, submission_id: int) -> int:
    """Auto-check every part of a copy with the exam's current key."""
    return flow.submission_check(submission_id=submission_id)


@task()
def reconcile_pipeline() -> dict[str, int]:
    """Send again every pipeline step that is due and that no worker is working on. Not
    retried: beat runs it again at the next interval (an outage is one line of log)."""
    try:
        return reconcile.reconcile().as_dict()
    except steps.DATABASE_ERRORS as exc:
        log.warning(
            "reconciler: database unavailable (%s); the next run tries again", steps.error_text(exc)
        )
        return {}
