"""``manage.py grant_app_role ROLE``: give the application's database role what it needs, and
no way to rewrite the grade audit log. Run as the owner after every ``migrate``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from grading.audit import grant_app_role


class Command(BaseCommand):
    help = (
        "Grant the application role SELECT/INSERT/UPDATE/DELETE on gradebook's tables but only "
        "SELECT and INSERT on the grade audit log (PostgreSQL; run as the tables' owner)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web and worker processes log in as")

    def handle(self, *args, role: str, **options):
        try:
            privileges = grant_app_role(role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{role}: reads and appends the grade audit log; UPDATE, DELETE and TRUNCATE on it "
            f"refused (sealed={privileges.sealed})"
        )
