"""``manage.py course_create --code DL101 --term "2027 Spring" --title ...``: a course, with
its instructor and TAs (existing accounts, by username or email)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exams.management.options import validation_text
from exams.models import Course, Role
from exams.services.courses import course_create, staff_enroll


class Command(BaseCommand):
    help = (
        "Create a course; --instructor and --ta enroll accounts by username or email (an "
        "email without an account gets one, its password to be set)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="short code, e.g. DL101")
        parser.add_argument("--term", required=True, help='e.g. "2027 Spring"')
        parser.add_argument("--title", required=True)
        parser.add_argument("--instructor", action="append", default=[], metavar="USER")
        parser.add_argument("--ta", action="append", default=[], metavar="USER")
        parser.add_argument(
            "--decimal-sign",
            choices=[".", ","],
            default="",
            help="how the students write decimals (unset: an ambiguous 1,204 goes to a person)",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        created: list[str] = []
        try:
            course = course_create(
                code=options["code"],
                term=options["term"],
                title=options["title"],
                decimal_sign=options["decimal_sign"] or Course.DecimalSign.UNSET,
            )
            staff = [(n, Role.INSTRUCTOR) for n in options["instructor"]]
            staff += [(n, Role.TA) for n in options["ta"]]
            for name, role in staff:
                enrollment, new = staff_enroll(course=course, name=name, role=role)
                if new:
                    created.append(enrollment.user.username)
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc
        self.stdout.write(f"created course {course.code} ({course.term}), {len(staff)} staff")
        for username in created:
            self.stdout.write(
                f"created the account {username}: set its password with "
                f"`manage.py changepassword {username}`"
            )
