"""Invitations: the email that lets a student added by the roster choose a password.

Sent after the roster's transaction commits, each message on its own: a mail server that is
down or refuses an address is logged and costs nothing else; the links can be printed at any
time with ``manage.py invitation_links`` and the invitations sent again from the course page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

from exams.models import Course, Enrollment, Role
from gradebook.accounts import set_password_url

log = logging.getLogger(__name__)


def students_without_password(course: Course) -> list[Enrollment]:
    """The course's students who cannot sign in yet (no password set), by student number."""
    return [
        e
        for e in Enrollment.objects.filter(course=course, role=Role.STUDENT)
        .select_related("user")
        .order_by("student_number")
        if e.user.is_active and not e.user.has_usable_password()
    ]


def invitation_message(user: User, course: Course) -> EmailMessage:
    """The invitation to ``course``, with the user's set-password link."""
    body = render_to_string(
        "registration/invitation_email.txt",
        {
            "user": user,
            "course": course,
            "url": set_password_url(user),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "site": settings.SITE_URL,
        },
    )
    subject = f"{course.code}: set your password to see your graded exams"
    return EmailMessage(subject, body, to=[user.email])


def invitations_send(users: Sequence[User], course: Course) -> tuple[int, int]:
    """Send each user their invitation now. Returns (sent, failed); failures are logged."""
    sent = failed = 0
    connection = get_connection()
    for user in users:
        if not user.email:
            continue
        message = invitation_message(user, course)
        message.connection = connection
        try:
            message.send()
        except Exception as exc:
            log.warning("invitation to %s not sent: %s", user.email, exc)
            failed += 1
            continue
        sent += 1
    return sent, failed


def invitations_send_after_commit(users: Iterable[User], course: Course) -> int:
    """Invite those of ``users`` who have no password yet, once the transaction commits.
    Returns how many will be invited."""
    invited = [u for u in users if u.is_active and u.email and not u.has_usable_password()]
    if invited:
        transaction.on_commit(lambda: invitations_send(invited, course))
    return len(invited)
