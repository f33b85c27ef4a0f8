"""The periodic sender: sends what is due (older than a minute, tried fewer than the cap),
and a second run sends nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from grading import notify, tasks
from grading.models import Notification

pytestmark = pytest.mark.django_db


def _notification(user, *, age: timedelta, attempts: int = 0) -> Notification:
    n = Notification.objects.create(
        recipient=user, kind=Notification.Kind.PUBLISHED, subject="s", body="b", attempts=attempts
    )
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - age)
    return n


def test_the_periodic_sender_sends_what_is_due_once(cast):
    due = _notification(cast.student.user, age=timedelta(minutes=5), attempts=1)
    fresh = _notification(cast.other_student.user, age=timedelta(seconds=0))
    tired = _notification(cast.ta.user, age=timedelta(hours=1), attempts=notify.MAX_ATTEMPTS)
    assert tuple(tasks.notifications_send_due.delay().get()) == (1, 0)
    assert tuple(tasks.notifications_send_due.delay().get()) == (0, 0)
    assert [m.to for m in mail.outbox] == [[cast.student.user.email]]
    sent = set(Notification.objects.filter(sent_at__isnull=False).values_list("pk", flat=True))
    assert sent == {due.pk}
    assert fresh.pk not in sent
    assert tired.pk not in sent


def test_the_send_task_sends_its_notifications_once(cast):
    n = _notification(cast.student.user, age=timedelta(0))
    assert tuple(tasks.notifications_send.delay(notification_ids=[n.pk]).get()) == (1, 0)
    assert tuple(tasks.notifications_send.delay(notification_ids=[n.pk]).get()) == (0, 0)
    assert len(mail.outbox) == 1
