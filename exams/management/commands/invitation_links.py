"""Print the set-password links of a course's students, for when email cannot reach them
(or to paste into the LMS's own messaging). With --send, email the invitations as well."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exams.management.options import add_course_arguments, course_from
from exams.models import Enrollment, Role
from exams.services import invitations
from gradebook.accounts import set_password_url


class Command(BaseCommand):
    help = (
        "Print student number, email and set-password link of the course's students who have "
        "not set a password (tab-separated); --all for every student, --send to email them."
    )

    def add_arguments(self, parser) -> None:
        add_course_arguments(parser)
        parser.add_argument(
            "--all", action="store_true", help="every student, also those with a password"
        )
        parser.add_argument("--send", action="store_true", help="email the invitations too")

    def handle(self, *args, all: bool, send: bool, **options) -> None:
        found = course_from(options)
        if all:
            students = list(
                Enrollment.objects.filter(course=found, role=Role.STUDENT)
                .select_related("user")
                .order_by("student_number")
            )
        else:
            students = invitations.students_without_password(found)
        for e in students:
            self.stdout.write(f"{e.student_number}\t{e.user.email}\t{set_password_url(e.user)}")
        if send:
            sent, failed = invitations.invitations_send([e.user for e in students], found)
            self.stderr.write(f"invitations sent: {sent}, failed: {failed}")
