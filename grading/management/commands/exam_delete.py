"""``manage.py exam_delete EXAM_ID``: delete an exam with its copies, scans and grade history.

The one way to erase grade history, for an exam created by mistake or at the end of data
retention. On PostgreSQL it must run as the owner of the tables (with docker compose:
``docker compose run --rm migrate python manage.py exam_delete ID``); the application's role
is refused.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exams.models import Exam
from grading.audit import AuditLogSealedError, require_audit_log_erasable
from grading.models import GradeEvent
from grading.services import exam_delete


class Command(BaseCommand):
    help = "Delete an exam and everything under it, its grade history included (owner role)."

    def add_arguments(self, parser):
        parser.add_argument("exam_id", type=int)
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, exam_id: int, interactive: bool, **options):
        exam = Exam.objects.select_related("course").filter(pk=exam_id).first()
        if exam is None:
            raise CommandError(f"no exam with id {exam_id}")
        try:
            require_audit_log_erasable()
        except AuditLogSealedError as exc:
            raise CommandError(str(exc)) from exc
        events = GradeEvent.objects.filter(answer__submission__exam=exam).count()
        summary = (
            f"exam {exam.pk} {exam.title!r} of {exam.course}: {exam.submissions.count()} copies, "
            f"{exam.scan_batches.count()} scan batches, {events} grade events"
        )
        if interactive:
            answer = input(f"Delete {summary}, for good? Type the exam id to confirm: ")
            if answer.strip() != str(exam.pk):
                raise CommandError("not confirmed: nothing deleted")
        exam_delete(exam=exam)
        self.stdout.write(f"deleted {summary}")
