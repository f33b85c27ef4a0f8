"""Send the emails that could not be sent (the mail server was down): grades published,
regrade requests answered. Safe to run at any time, from cron too: nothing is sent twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from grading.models import Notification
from grading.notify import notifications_send


class Command(BaseCommand):
    help = "Send the notifications (emails to students) not sent yet; prints sent and failed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many (500)")

    def handle(self, *args, limit: int, **options) -> None:
        sent, failed = notifications_send(limit=limit)
        left = Notification.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"sent {sent}, failed {failed}, still unsent {left}")
        if failed:
            last = (
                Notification.objects.filter(sent_at__isnull=True)
                .exclude(last_error="")
                .order_by("-pk")
                .first()
            )
            if last is not None:
                self.stderr.write(f"last error: {last.last_error}")
