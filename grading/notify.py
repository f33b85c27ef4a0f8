"""Email to students: their grades are published, their regrade request was answered.

A :class:`~grading.models.Notification` is written in the transaction of what it announces,
and a task sends it after the commit (``notifications_send``). Mail never takes a grade
down with it: a mail server that is down or refuses a message leaves the notification unsent,
with its error; the beat sends it again every few minutes (``grading.tasks.
notifications_send_due``, up to :data:`MAX_ATTEMPTS` attempts), and ``manage.py
notifications_send`` at any time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from exams.models import Exam
from exams.pipeline import steps
from grading.exports import copy_results
from grading.models import Notification, RegradeRequest
from grading.selectors import sat_submissions

log = logging.getLogger(__name__)

SEND_TASK = "grading.tasks.notifications_send"


def absolute_url(path: str) -> str:
    """``path`` on the site as the students reach it (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + path


def _create(kind: str, rows: Iterable[tuple[User, str, str]]) -> list[int]:
    made = Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind=kind, subject=subject, body=body)
            for user, subject, body in rows
        ]
    )
    ids = [n.pk for n in made]
    if ids:
        steps.send_after_commit(SEND_TASK, notification_ids=ids)
    return ids


def notify_published(exam: Exam) -> list[int]:
    """One email per student with a scanned copy of the exam (and an email address), with
    the link to their graded copy. Call inside the publishing transaction."""
    submissions = (
        exam.submissions.filter(student__isnull=False, pk__in=sat_submissions(exam).values("pk"))
        .exclude(student__user__email="")
        .select_related("student__user", "exam__course")
    )
    subject = f"{exam.course.code}: your graded {exam.title} is online"
    results = copy_results(exam)
    return _create(
        Notification.Kind.PUBLISHED,
        (
            (
                s.student.user,
                subject,
                render_to_string(
                    "grading/email/published.txt",
                    {
                        "user": s.student.user,
                        "exam": exam,
                        "submission": s,
                        "not_final": results[s.pk].note if s.pk in results else "",
                        "url": absolute_url(reverse("submission_detail", args=[s.pk])),
                    },
                ),
            )
            for s in submissions
            if s.student is not None
        ),
    )


def notify_regrade_answered(request: RegradeRequest) -> list[int]:
    """An email to the student who asked, with the grader's response and the link to the
    part. Call inside the transaction that resolves the request."""
    answer = request.answer
    user = request.requested_by
    if not user.email:
        return []
    url = reverse("submission_detail", args=[answer.submission_id]) + f"#part-{answer.part_id}"
    exam = answer.submission.exam
    subject = f"{exam.course.code}: your regrade request for {answer.part.part_id} was answered"
    body = render_to_string(
        "grading/email/regrade_answered.txt",
        {
            "user": user,
            "exam": exam,
            "request": request,
            "answer": answer,
            "url": absolute_url(url),
        },
    )
    return _create(Notification.Kind.REGRADE_ANSWERED, [(user, subject, body)])


#: Attempts after which the periodic sender leaves a notification to the command.
MAX_ATTEMPTS = 5


def notifications_send(
    *,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    older_than: timedelta | None = None,
    max_attempts: int | None = None,
) -> tuple[int, int]:
    """Send the unsent notifications (those of ``ids``, or the oldest ``limit``; only those
    created ``older_than`` ago and tried fewer than ``max_attempts`` times when given), each
    claimed in its own transaction so that two senders never send one twice. Returns (sent,
    failed); a failure is kept on the notification and logged, never raised."""
    pending = Notification.objects.filter(sent_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    if older_than is not None:
        pending = pending.filter(created_at__lte=timezone.now() - older_than)
    if max_attempts is not None:
        pending = pending.filter(attempts__lt=max_attempts)
    sent = failed = 0
    connection = get_connection()
    try:
        connection.open()  # one session for the lot; each message opens its own if it fails
    except Exception as exc:
        log.warning("mail server unreachable: %s", exc)
    try:
        for pk in list(pending.order_by("pk").values_list("pk", flat=True)[:limit]):
            ok = _send_one(pk, connection)
            if ok is not None:
                sent, failed = sent + ok, failed + (not ok)
    finally:
        with contextlib.suppress(Exception):  # closing a broken session changes nothing
            connection.close()
    return sent, failed


def _send_one(pk: int, connection) -> bool | None:
    """Send one notification unless it was sent meanwhile (None); True once sent, False on
    a failure, kept on the notification."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=pk, sent_at__isnull=True)
            .first()
        )
        if n is None:
            return None  # sent meanwhile, or being sent by another worker
        n.attempts += 1
        try:
            EmailMessage(n.subject, n.body, to=[n.recipient.email], connection=connection).send()
        except Exception as exc:
            n.last_error = f"{type(exc).__name__}: {exc}"[:500]
            n.save(update_fields=["attempts", "last_error"])
            log.warning("notification %s to %s not sent: %s", n.pk, n.recipient.email, exc)
            return False
        n.sent_at = timezone.now()
        n.last_error = ""
        n.save(update_fields=["attempts", "sent_at", "last_error"])
        return True
