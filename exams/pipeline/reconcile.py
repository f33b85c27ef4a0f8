"""The reconciler, and resuming stuck work by hand.

The database says which step of which page (or batch) is due (``exams.pipeline.steps``); the broker
may have lost its message (Redis restarted, a worker killed between a commit and the send, an
upload while Redis was down), or the task may have failed on an outage. ``reconcile`` runs
every ``PIPELINE_RECONCILE_SECONDS`` (Celery beat, ``exams.tasks.reconcile_pipeline``) and
sends again every step that is due, that no worker is working on, and whose message cannot
be waiting in its queue. It is idempotent and safe to run in several processes at once: each
run claims the rows it sends with ``SELECT ... FOR UPDATE SKIP LOCKED`` and moves their
``due_at`` on, and the tasks do nothing for a step that is not due.

``pipeline_resume`` is what a person uses (the scans page's button, ``manage.py pipeline
resume``, uploading the same file again): every unfinished step of a batch, an exam or a page
is due at once, those stopped after their attempts included.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from exams.models import Answer, Page, Part, ScanBatch, Submission
from exams.pipeline import steps
from gradebook.celery import DEFAULT_QUEUE, IMAGES_QUEUE, app

log = logging.getLogger(__name__)

SPLITTING = (ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING)


@dataclass(frozen=True)
class ReconcileReport:
    """What one run sent again: splits of batches, pages to place or read, copies to check."""

    batches: int = 0
    pages: int = 0
    checks: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"sent again: {self.batches} split(s), {self.pages} page step(s), "
            f"{self.checks} copy check(s)"
        )


def queue_backlog() -> dict[str, int]:
    """Messages waiting in each of the pipeline's queues ({} when tasks run in-process, or
    when the broker cannot be reached: then nothing can be sent anyway)."""
    if app.conf.task_always_eager:
        return {}
    try:
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            # A declaration on Redis only counts the queue's messages (kombu's virtual
            # transport): it creates or changes nothing.
            return {
                q: channel.queue_declare(queue=q).message_count
                for q in (DEFAULT_QUEUE, IMAGES_QUEUE)
            }
    except Exception as exc:  # any broker failure means "unknown": send anyway
        log.warning("cannot measure the queues (%s)", exc)
        return {}


def _claim_due(
    rows: QuerySet[Any], fields: tuple[str, ...], lock: int | None, limit: int | None
) -> list[tuple[Any, ...]]:
    """Claim the due rows of ``rows`` no worker is on: their ``due_at`` moves on by the grace
    of a sent message, so another reconciler, or the next run, leaves them alone."""
    with transaction.atomic():
        query = rows.select_for_update(skip_locked=True).order_by("due_at").values_list(*fields)
        claimed = list(query if limit is None else query[:limit])
        if lock is not None:
            busy = steps.locked_keys(lock)
            claimed = [r for r in claimed if not steps.is_locked(r[0], busy)]
        rows.model.objects.filter(pk__in=[r[0] for r in claimed]).update(
            due_at=timezone.now() + steps.grace()
        )
    return claimed


def _send_due(
    batches: QuerySet[ScanBatch],
    pages: QuerySet[Page],
    *,
    images_until: datetime,
    default_until: datetime,
    limit: int | None,
) -> ReconcileReport:
    due = {"due_at__isnull": False, "gave_up_at__isnull": True}
    split = _claim_due(
        batches.filter(status__in=SPLITTING, due_at__lte=images_until, **due),
        ("pk",),
        steps.LOCK_BATCH,
        limit,
    )
    page_steps = _claim_due(
        pages.filter(
            stage__in=(Page.Stage.SPLIT, Page.Stage.PLACED), due_at__lte=images_until, **due
        ),
        ("pk", "stage"),
        steps.LOCK_PAGE,
        limit,
    )
    # A check in progress holds its pages' rows: SKIP LOCKED leaves them alone.
    checks = _claim_due(
        pages.filter(
            stage=Page.Stage.READ,
            submission__isnull=False,
            due_at__lte=default_until,
            **due,
        ),
        ("pk", "submission_id"),
        None,
        limit,
    )
    # After the caller's commit, if it has a transaction open (a resume from a view).
    for (batch_id,) in split:
        steps.send_after_commit(steps.SPLIT_TASK, batch_id=batch_id)
    for page_id, stage in page_steps:
        task = steps.PLACE_TASK if stage == Page.Stage.SPLIT else steps.READ_TASK
        steps.send_after_commit(task, page_id=page_id)
    copies = sorted({submission_id for _, submission_id in checks})
    for submission_id in copies:
        steps.send_after_commit(steps.CHECK_TASK, submission_id=submission_id)
    return ReconcileReport(batches=len(split), pages=len(page_steps), checks=len(copies))


def reconcile(*, limit: int | None = 1000) -> ReconcileReport:
    """Send again every step that is due and that no worker is working on.

    A step whose queue still holds messages is probably waiting among them: it is sent again
    only once it is ``PIPELINE_BUSY_RESEND_SECONDS`` late, so that a long queue is not
    doubled. At most ``limit`` rows of each kind per run (the next run takes the rest).
    """
    now = timezone.now()
    backlog = queue_backlog()
    late = now - timedelta(seconds=settings.PIPELINE_BUSY_RESEND_SECONDS)
    report = _send_due(
        ScanBatch.objects.all(),
        Page.objects.all(),
        images_until=late if backlog.get(IMAGES_QUEUE) else now,
        default_until=late if backlog.get(DEFAULT_QUEUE) else now,
        limit=limit,
    )
    for batch_id in ScanBatch.objects.filter(status=ScanBatch.Status.PROCESSING).values_list(
        "pk", flat=True
    ):
        steps.batch_refresh(batch_id)
    if report.batches or report.pages or report.checks:
        log.info("reconciler: %s (queues: %s)", report, backlog or "not measured")
    return report


@dataclass(frozen=True)
class ResumeReport:
    """What a resume made due again and sent."""

    batches: int = 0
    pages: int = 0

    def __str__(self) -> str:
        return f"{self.batches} batch split(s) and {self.pages} page step(s) resumed"


def pipeline_resume(
    *,
    batches: QuerySet[ScanBatch],
    pages: QuerySet[Page] | None = None,
    retry_failed: bool = False,
) -> ResumeReport:
    """Make every unfinished step of ``batches`` due now and send it, including the steps
    that stopped after their attempts (their attempts start again from zero).

    ``pages`` narrows the pages resumed (default: every page of the batches that are split).
    With ``retry_failed``, a failed batch whose file is stored is split again from the start
    (its error cleared). A finished step is never run again: placements, readings and grades
    stay as they are.
    """
    now = timezone.now()
    fresh = {"due_at": now, "attempts": 0, "last_error": "", "gave_up_at": None}
    batch_ids = list(batches.values_list("pk", flat=True))
    scope = ScanBatch.objects.filter(pk__in=batch_ids)
    with transaction.atomic():
        if retry_failed:
            scope.filter(status=ScanBatch.Status.FAILED).exclude(file="").update(
                status=ScanBatch.Status.UPLOADED, error="", **fresh
            )
        n_batches = scope.filter(status__in=SPLITTING).update(**fresh)
        if pages is None:
            # The pages of a batch still splitting are placed once its split ends.
            pages = Page.objects.filter(batch__in=scope.exclude(status__in=SPLITTING))
        page_ids = list(pages.filter(stage__in=steps.OPEN_STAGES).values_list("pk", flat=True))
        Page.objects.filter(pk__in=page_ids).update(**fresh)
        touched = set(Page.objects.filter(pk__in=page_ids).values_list("batch_id", flat=True))
        ScanBatch.objects.filter(pk__in=touched, status=ScanBatch.Status.WAITING).update(
            status=ScanBatch.Status.PROCESSING
        )
    _send_due(
        scope,
        Page.objects.filter(pk__in=page_ids),
        images_until=now,
        default_until=now,
        limit=None,
    )
    for batch_id in touched:
        steps.batch_refresh(batch_id)
    report = ResumeReport(batches=n_batches, pages=len(page_ids))
    log.info("resumed: %s", report)
    return report


def exam_key_installed(exam_id: int) -> ResumeReport:
    """The exam has an answer key now: read its placed pages that were waiting for one."""
    waiting = Page.objects.filter(
        batch__exam_id=exam_id,
        stage=Page.Stage.PLACED,
        due_at__isnull=True,
        gave_up_at__isnull=True,
    )
    if not waiting.exists():
        return ResumeReport()
    return pipeline_resume(batches=ScanBatch.objects.filter(exam_id=exam_id), pages=waiting)


@dataclass(frozen=True)
class RecheckReport:
    """What a new key version sent to be checked again."""

    #: Copies whose pages go through the pipeline again (read what is new, then checked).
    copies_sent: int = 0
    #: Copies with no scanned page (typed or imported answers), checked at once.
    copies_checked: int = 0

    @property
    def copies(self) -> int:
        return self.copies_sent + self.copies_checked


def exam_key_changed(*, exam_id: int, part_ids: Collection[str]) -> RecheckReport:
    """A new key version changes the check of ``part_ids`` (``autocheck.keys.parts_changed``):
    check again every copy with an answer to one of them, or with a scan of a page where one
    is asked (a new part). Run in the transaction that stores the key version.

    A scanned copy goes through the pipeline, whose steps keep their state in the database
    (the reconciler sends them again if a message is lost): its placed pages go back to the
    stage ``placed`` with their reading due, which reads only what was not read from that
    scan yet (a new part), then its check is due. Pages stopped after their attempts stay for
    a person. A copy with no scanned page is checked at once. Checking never replaces a
    person's grade: one whose automatic check changes is marked to be looked at again
    (``exams.pipeline.checking``).
    """
    from exams.pipeline.checking import submission_check

    if not part_ids:
        return RecheckReport()
    parts = Part.objects.filter(exam_id=exam_id, part_id__in=list(part_ids))
    pages_of_parts = {p.region.get("page") for p in parts if p.region.get("page")}
    answered = Answer.objects.filter(part__in=parts).values("submission_id")
    scanned_there = Page.objects.filter(
        batch__exam_id=exam_id, status=Page.Status.PLACED, page_number__in=pages_of_parts
    ).values("submission_id")
    copies = Submission.objects.filter(exam_id=exam_id).filter(
        Q(pk__in=answered) | Q(pk__in=scanned_there)
    )
    placed = Page.objects.filter(submission__in=copies, status=Page.Status.PLACED)
    scanned = set(placed.values_list("submission_id", flat=True))
    again = placed.filter(stage__in=(Page.Stage.READ, Page.Stage.CHECKED), gave_up_at__isnull=True)
    page_ids = list(again.values_list("pk", flat=True))
    # Only pages still placed and finished: one replaced or discarded meanwhile is settled.
    again.filter(pk__in=page_ids).update(**steps.advanced(Page.Stage.PLACED, due=True))
    for page_id in page_ids:
        steps.send_after_commit(steps.READ_TASK, page_id=page_id)
    for batch_id in set(Page.objects.filter(pk__in=page_ids).values_list("batch_id", flat=True)):
        steps.batch_refresh(batch_id)  # a done batch is processing again until they are
    unscanned = copies.exclude(pk__in=scanned)
    for submission in unscanned:
        submission_check(submission=submission)
    report = RecheckReport(copies_sent=len(scanned), copies_checked=len(unscanned))
    log.info("exam %s: a new key version; %s copies checked again", exam_id, report.copies)
    return report
