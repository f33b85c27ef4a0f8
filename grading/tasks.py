"""Celery tasks of the grading side: thin, id-taking, idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.db import OperationalError

from exams.models import Submission
from gradebook.celery import task
from grading import notify, services


@task(retry_on=(OperationalError,))
def recompute_submission_total(*, submission_id: int) -> str | None:
    """Recompute one submission's total from its scores. Safe to run any number of times."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return None  # deleted meanwhile: nothing to do
    submission = services.submission_recompute_total(submission=submission)
    return None if submission.total_points is None else str(submission.total_points)


@task(retry_on=(OperationalError,))
def notifications_send(*, notification_ids: list[int]) -> tuple[int, int]:
    """Send these notifications if they are still unsent (a second run sends nothing twice).
    Mail failures are kept on the notifications, not retried here."""
    return notify.notifications_send(ids=notification_ids)


@task(retry_on=(OperationalError,))
def notifications_send_due() -> tuple[int, int]:
    """The periodic sender (Celery beat): what a mail server or the broker kept from going
    out, once the first attempt had its minute, up to ``notify.MAX_ATTEMPTS`` attempts."""
    return notify.notifications_send(
        older_than=timedelta(minutes=1), max_attempts=notify.MAX_ATTEMPTS
    )
