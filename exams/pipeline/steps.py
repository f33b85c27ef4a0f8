"""The bookkeeping of the pipeline's steps: what is due, who works on it, what went wrong.

Each page records in the database how far the pipeline took it (``Page.stage``: split,
placed, read, checked; settled when it is not placed) and whether its next step is due
(``due_at``), with the attempts it took and the last error; a batch does the same for its
split. The broker only carries nudges: a lost message, a worker that dies, an outage of the
database or of Redis leave the step due in the database, and the reconciler
(``exams.pipeline.reconcile``) sends it again. Every step follows these rules:

- A task works on a row only while it holds the row's *work lock*, a PostgreSQL session
  advisory lock: a second delivery of the same step does nothing, and the lock goes with the
  worker's connection when the worker dies, so the reconciler knows at once that nobody is
  working on the step any more.
- An attempt is counted (and committed) before the work starts and set back to zero by the
  step's result. An attempt that ends without a result is tried again after a backoff that
  doubles; after ``PIPELINE_MAX_ATTEMPTS`` the step stops (``gave_up_at``) and waits for a
  person, who sees it and resumes it. Outages of the database or the broker
  (``TRANSIENT_ERRORS``) are retried and do not count.
- A step's effect and the move to the next stage commit together; the next step's message is
  sent after the commit, and a broker that cannot be reached is logged, never raised.
"""

from __future__ import annotations

import logging
import os
import random
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, Count, F, Max, Model, Q, QuerySet, When
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from exams.models import Page, ScanBatch
from gradebook.celery import app

log = logging.getLogger(__name__)

#: A service is unavailable (the database, the broker): the step is retried, not counted.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
BROKER_ERRORS: tuple[type[Exception], ...] = (BrokerOperationalError, RedisError, ConnectionError)
TRANSIENT_ERRORS = DATABASE_ERRORS + BROKER_ERRORS

#: The first key of ``pg_try_advisory_lock(int, int)`` for each kind of row worked on.
LOCK_PAGE = 0x67620001
LOCK_BATCH = 0x67620002

#: Stages with a step still to run.
OPEN_STAGES = (Page.Stage.SPLIT, Page.Stage.PLACED, Page.Stage.READ)
FINISHED_STAGES = (Page.Stage.CHECKED, Page.Stage.SETTLED)
#: Batches whose processing has not finished (uploading their file again resumes them).
UNFINISHED_BATCH = (
    ScanBatch.Status.UPLOADED,
    ScanBatch.Status.SPLITTING,
    ScanBatch.Status.PROCESSING,
    ScanBatch.Status.WAITING,
)

M = TypeVar("M", bound=Model)

#: The pipeline's tasks by name, one per step (``exams.tasks`` defines them). The steps, the
#: reconciler and the services send a step's message by its task's name: none of them imports
#: the tasks module, which imports them all.
SPLIT_TASK = "exams.tasks.split_scan_batch"
PLACE_TASK = "exams.tasks.process_page"
READ_TASK = "exams.tasks.transcribe_page"
CHECK_TASK = "exams.tasks.check_submission"


# --- Work locks ---------------------------------------------------------------------------


def _lock_key(pk: int) -> int:
    return pk % 2**31


@contextmanager
def work_lock(kind: int, pk: int) -> Iterator[bool]:
    """Hold the work lock of one row while a step runs on it; yields whether it was free.

    A PostgreSQL session advisory lock: it does not wait, outlives the step's transactions,
    and is released by the server when the worker's connection closes (a killed worker). The
    embedded SQLite default runs every task in-process, one at a time: no lock is needed.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [kind, _lock_key(pk)])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, _lock_key(pk)])
            except DatabaseError:
                pass  # the connection is gone, and its lock with it


def locked_keys(kind: int) -> set[int]:
    """The lock keys of the rows of ``kind`` another session is working on right now."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::oid AND objsubid = 2 AND pid <> pg_backend_pid()"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [kind],
        )
        return {row[0] for row in cursor.fetchall()}


def is_locked(pk: int, locked: set[int]) -> bool:
    return _lock_key(pk) in locked


# --- Due, attempts, backoff ----------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th attempt a step is tried again: doubling from
    ``PIPELINE_RETRY_SECONDS`` up to ``PIPELINE_RETRY_MAX_SECONDS``, with a little jitter so
    that the steps an outage interrupted do not all come back at the same instant."""
    base = settings.PIPELINE_RETRY_SECONDS
    seconds = min(settings.PIPELINE_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(1.0, 1.25))


def grace() -> timedelta:
    """How long a step whose message was just sent waits for a worker before the reconciler
    may send it again."""
    return timedelta(seconds=settings.PIPELINE_RETRY_SECONDS)


def advanced(stage: str, *, due: bool) -> dict[str, Any]:
    """The bookkeeping fields of a page that moved to ``stage``: the finished step's attempts
    and error are cleared, and the next one is due (its message is about to be sent) unless
    ``due`` is False."""
    return {
        "stage": stage,
        "attempts": 0,
        "last_error": "",
        "gave_up_at": None,
        "due_at": timezone.now() + grace() if due else None,
    }


def advance(page: Page, stage: str, *, due: bool) -> None:
    """Set a page's bookkeeping fields for ``stage`` (:func:`advanced`); the caller saves."""
    for name, value in advanced(stage, due=due).items():
        setattr(page, name, value)


def is_due(row: Page | ScanBatch) -> bool:
    return row.due_at is not None and row.gave_up_at is None


def begin(rows: QuerySet[M], what: str) -> bool:
    """Count an attempt on ``rows`` (one step's rows, locked by the caller), committed before
    the work starts so that an attempt whose worker dies still counts. Rows that reached
    ``PIPELINE_MAX_ATTEMPTS`` are stopped instead. Returns whether any row is left to work on.

    If this attempt ends without a result, the step is due again after a backoff.
    """
    limit = settings.PIPELINE_MAX_ATTEMPTS
    now = timezone.now()
    stopped = rows.filter(attempts__gte=limit, gave_up_at__isnull=True).update(
        gave_up_at=now, due_at=None
    )
    if stopped:
        log.error("%s: stopped after %d attempts; a person must resume it", what, limit)
    live = rows.filter(gave_up_at__isnull=True)
    worst = live.aggregate(n=Max("attempts"))["n"]
    if worst is None:
        return False
    live.update(attempts=F("attempts") + 1, due_at=now + backoff(worst + 1))
    return True


def error_text(exc: BaseException) -> str:
    """An error in one line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


def record_failure(rows: QuerySet[M], exc: BaseException, *, transient: bool, what: str) -> None:
    """Record how an attempt ended without a result, as well as the database allows.

    A transient error (an outage) gives the attempt back; any other error keeps it counted
    and stops the step once it has used all its attempts.
    """
    values: dict[str, Any] = {"last_error": error_text(exc)}
    if transient:
        values["attempts"] = Case(When(attempts__gt=0, then=F("attempts") - 1), default=0)
    try:
        rows.update(**values)
        if not transient:
            rows.filter(attempts__gte=settings.PIPELINE_MAX_ATTEMPTS).update(
                gave_up_at=timezone.now(), due_at=None
            )
    except DatabaseError as db_exc:
        # The database is away: the attempt stays counted and the step due after its backoff.
        log.warning("%s: could not record the failure (%s): %s", what, exc, db_exc)


def run(rows: QuerySet[M], work: Callable[[], object], *, what: str) -> bool:
    """Run one attempt at the step due on ``rows`` (whose work lock the caller holds).

    Returns True when ``work`` ran to its end (it moves the rows to their next stage itself).
    A transient error is recorded and raised again, for Celery to retry the task; any other
    error is recorded and logged, and the step is tried again after its backoff.
    """
    if not begin(rows, what):
        return False
    try:
        work()
    except TRANSIENT_ERRORS as exc:
        record_failure(rows, exc, transient=True, what=what)
        raise
    except Exception as exc:
        log.exception("%s: the step failed", what)
        record_failure(rows, exc, transient=False, what=what)
        return False
    return True


# --- Sending ------------------------------------------------------------------------------


def page_step(page: Page) -> tuple[str, dict[str, int]] | None:
    """The message of the step a page is at, whether or not it is due: placing a page just
    split, reading a placed page (its copy's exam has a key, or it waits for one), checking
    the copy of a page just read. None for a page with no step left."""
    if page.stage == Page.Stage.SPLIT:
        return PLACE_TASK, {"page_id": page.pk}
    if page.stage == Page.Stage.PLACED:
        return READ_TASK, {"page_id": page.pk}
    if page.stage == Page.Stage.READ and page.submission_id is not None:
        return CHECK_TASK, {"submission_id": page.submission_id}
    return None


def send(task: Any, **kwargs: Any) -> bool:
    """Send a step's message now (``task``: a task, or its name). A broker that cannot be
    reached is logged, not raised: the step is due in the database, and the reconciler sends
    it once the broker is back."""
    if isinstance(task, str):
        task = app.tasks[task]
    try:
        task.delay(**kwargs)
    except BROKER_ERRORS as exc:
        log.warning("could not send %s%s (%s); the reconciler will send it", task.name, kwargs, exc)
        return False
    return True


def send_after_commit(task: Any, **kwargs: Any) -> None:
    """Send a step's message once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task, **kwargs))


def failpoint(name: str) -> None:
    """Fault injection for the fault tests (tests/integration), off everywhere else.

    With ``GRADEBOOK_FAILPOINT=NAME:PATH`` in a worker's environment, the first process that
    passes the point ``NAME`` creates ``PATH`` and kills its worker on the spot (the pool
    process and its parent, as a machine that loses power would), so the fault happens once.
    """
    spec = settings.PIPELINE_FAILPOINT
    point, _, marker = spec.partition(":")
    if not spec or point != name or not marker:
        return
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    log.warning("failpoint %s: killing this worker", name)
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


# --- Batch progress -----------------------------------------------------------------------


@dataclass(frozen=True)
class PageCounts:
    """A batch's pages by what is left to do."""

    total: int = 0
    finished: int = 0
    to_place: int = 0
    to_read: int = 0
    to_check: int = 0
    #: Stopped after their attempts: a person resumes them.
    stopped: int = 0
    #: Placed, waiting for the exam's answer key to be read.
    waiting_for_key: int = 0

    @property
    def open(self) -> int:
        return self.to_place + self.to_read + self.to_check

    @property
    def running(self) -> int:
        return self.open - self.stopped - self.waiting_for_key


def page_counts(batch_ids: Iterable[int]) -> dict[int, PageCounts]:
    """Each batch's pages by what is left to do, in one query."""
    ids = list(batch_ids)
    rows = (
        Page.objects.filter(batch_id__in=ids)
        .values("batch_id")
        .annotate(
            total=Count("pk"),
            finished=Count("pk", filter=Q(stage__in=FINISHED_STAGES)),
            to_place=Count("pk", filter=Q(stage=Page.Stage.SPLIT)),
            to_read=Count("pk", filter=Q(stage=Page.Stage.PLACED)),
            to_check=Count("pk", filter=Q(stage=Page.Stage.READ)),
            stopped=Count("pk", filter=Q(stage__in=OPEN_STAGES, gave_up_at__isnull=False)),
            waiting_for_key=Count(
                "pk",
                filter=Q(stage=Page.Stage.PLACED, due_at__isnull=True, gave_up_at__isnull=True),
            ),
        )
        .order_by()
    )
    counts = {pk: PageCounts() for pk in ids}
    for row in rows:
        batch_id = row.pop("batch_id")
        counts[batch_id] = PageCounts(**row)
    return counts


def batch_refresh(batch_id: int) -> ScanBatch | None:
    """Set a split batch's progress and status from its pages: ``done`` once every page has
    nothing left to do, ``waiting`` when all that is left waits for a person (stopped steps,
    or the answer key), ``processing`` otherwise. Refreshes of one batch run one at a time,
    so the last one to run counts every step committed before it."""
    with transaction.atomic():
        batch = ScanBatch.objects.select_for_update().filter(pk=batch_id).first()
        live = (ScanBatch.Status.PROCESSING, ScanBatch.Status.WAITING, ScanBatch.Status.DONE)
        if batch is None or batch.status not in live:
            return batch
        counts = page_counts([batch_id])[batch_id]
        if counts.open == 0:
            status = ScanBatch.Status.DONE
        elif counts.running:
            status = ScanBatch.Status.PROCESSING
        else:
            status = ScanBatch.Status.WAITING
        if (batch.status, batch.pages_done) != (status, counts.finished):
            batch.status, batch.pages_done = status, counts.finished
            batch.save(update_fields=["status", "pages_done"])
        return batch
