"""The pipeline's Celery tasks and its chain: each task runs the step due for its row, then
sends the message of the step due next. Thin, id-taking, safe to run any number of times.

    batch: uploaded ─split─> processing (each page at stage split)
    page:  split ─place─> placed ─read─> read ─check its copy─> checked
                   └─> settled (needs attention, duplicate: a person takes it from there)

Each step's state lives in the database (``exams.pipeline.steps``): a task runs whatever step
is due for its row, so a message delivered again, or sent by the reconciler, does the step
still due (a placed page whose reading was lost is read), and does nothing when nothing is due
or another worker is on it. A lost message leaves its step due, and ``reconcile_pipeline``,
which Celery beat runs every ``PIPELINE_RECONCILE_SECONDS``, sends it again. The steps
themselves are ``exams.pipeline``'s modules, in the order they run.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from exams.models import Page, ScanBatch, Submission
from exams.pipeline import checking, placement, reading, reconcile, steps, upload
from exams.scanning.align import UprightPage
from gradebook.celery import IMAGES_QUEUE, task

log = logging.getLogger(__name__)


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def split_scan_batch(*, batch_id: int) -> str | None:
    """Split one slice of an uploaded file into pages; then the rest, or the pages' placing."""
    batch = run_batch_split(batch_id=batch_id)
    return None if batch is None else batch.status


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def process_page(*, page_id: int) -> str | None:
    """Read, straighten and place one page (or whatever step of it is still due)."""
    page = run_page_step(page_id=page_id)
    return None if page is None else page.stage


@task(queue=IMAGES_QUEUE, retry_on=steps.DATABASE_ERRORS)
def transcribe_page(*, page_id: int) -> str | None:
    """OCR the answer regions of a placed page, then check its copy."""
    page = run_page_step(page_id=page_id)
    return None if page is None else page.stage


@task(retry_on=steps.DATABASE_ERRORS)
def check_submission(*, submission_id: int) -> int:
    """Auto-check every part of a copy with the exam's current key."""
    return run_submission_check(submission_id=submission_id)


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


# --- What the tasks run: one step under the steps' bookkeeping, then the next's message -------


def run_batch_split(*, batch_id: int) -> ScanBatch | None:
    """Split one slice of a batch's file if its split is due; send the rest of the split, or
    once the file is split whole, the placing of each of its pages."""
    with steps.work_lock(steps.LOCK_BATCH, batch_id) as free:
        if not free:
            return None
        batch = ScanBatch.objects.filter(pk=batch_id).first()
        splitting = (ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING)
        if batch is None or batch.status not in splitting or not steps.is_due(batch):
            return batch
        ran = steps.run(
            ScanBatch.objects.filter(pk=batch_id),
            lambda: upload.scan_batch_split(
                batch_id=batch_id, time_budget=settings.PIPELINE_SPLIT_SLICE_SECONDS
            ),
            what=f"batch {batch_id} (split)",
        )
        batch.refresh_from_db()
    if not ran:
        return batch
    if batch.status == ScanBatch.Status.SPLITTING:
        steps.send(split_scan_batch, batch_id=batch_id)
    elif batch.status == ScanBatch.Status.PROCESSING:
        for page_id in batch.pages.filter(stage=Page.Stage.SPLIT).values_list("pk", flat=True):
            steps.send(process_page, page_id=page_id)
    return batch


def run_page_step(*, page_id: int) -> Page | None:
    """Run the step due for a page if it is its placing or its reading, then send the next:
    the check of the copy of a page just read. A page just placed is read in the same task,
    from the scan placing decoded (decoding it is a tenth of a page's work). A step that
    fails stays due after its backoff, and the reconciler sends it again then (not at once:
    a step failing on the spot would spend its attempts in a second)."""
    attempted = ran = False
    with steps.work_lock(steps.LOCK_PAGE, page_id) as free:
        if not free:
            return None
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            return None
        upright: UprightPage | None = None

        def place() -> None:
            nonlocal upright
            upright = placement.page_place(page_id=page_id).upright

        def read() -> None:
            reading.page_transcribe(page_id=page_id, upright=upright)

        rows = Page.objects.filter(pk=page_id)
        if steps.is_due(page) and page.stage == Page.Stage.SPLIT:
            attempted = True
            ran = steps.run(rows, place, what=f"page {page_id} (place)")
            page.refresh_from_db()
            if ran:
                steps.failpoint("placed")
        if steps.is_due(page) and page.stage == Page.Stage.PLACED:
            attempted = True
            ran = steps.run(rows, read, what=f"page {page_id} (read)")
            page.refresh_from_db()
    if attempted:  # done, failed or stopped: the batch's status follows
        steps.batch_refresh(page.batch_id)
    if ran or not attempted:
        _send_next(page)
    return page


def _send_next(page: Page) -> None:
    """The message of the step due next for a page that has just run one: its reading once
    placed, its copy's check once read (``steps.page_step``)."""
    step = steps.page_step(page) if steps.is_due(page) else None
    if step is not None and page.stage != Page.Stage.SPLIT:
        name, ids = step
        steps.send(name, **ids)


def run_submission_check(*, submission_id: int) -> int:
    """Check every part of a copy with the exam's current key, and move the copy's pages that
    were waiting for it to ``checked``. Returns the number of answers checked.

    Safe to run any number of times: checking is idempotent; two checks of one copy run one
    after the other (the copy's row is locked), and a page read meanwhile keeps its own check
    due.
    """
    submission = Submission.objects.select_related("exam").filter(pk=submission_id).first()
    if submission is None:
        return 0
    waiting = Page.objects.filter(
        submission_id=submission_id, stage=Page.Stage.READ, gave_up_at__isnull=True
    )
    what = f"copy {submission.copy_number} of exam {submission.exam_id} (check)"
    if waiting.exists() and not steps.begin(waiting, what):
        return 0
    try:
        with transaction.atomic():
            Submission.objects.select_for_update().filter(pk=submission_id).first()
            page_ids = list(waiting.select_for_update().values_list("pk", flat=True))
            checked = checking.submission_check(submission=submission)
            Page.objects.filter(pk__in=page_ids).update(
                **steps.advanced(Page.Stage.CHECKED, due=False)
            )
    except checking.NoAnswerKeyError:
        return 0
    except steps.TRANSIENT_ERRORS as exc:
        steps.record_failure(waiting, exc, transient=True, what=what)
        raise
    except Exception as exc:
        log.exception("%s: the step failed", what)
        steps.record_failure(waiting, exc, transient=False, what=what)
        return 0
    for batch_id in set(Page.objects.filter(pk__in=page_ids).values_list("batch_id", flat=True)):
        steps.batch_refresh(batch_id)
    return len(checked)
