"""Load the demo course and run the whole pipeline on scans that no one had to make by hand:

print personalised copies of the demo midterm, write the demo students' answers on them in a
handwriting-style font, degrade them like a scanner (skew, noise, a page upside down, pages
shuffled, one missing, one fed twice), upload the stack, and let the pipeline place the pages,
read the answers and auto-check them.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from exams import ingest, printing, services
from exams.demo import plan
from exams.models import Answer, Course, Page, Role, ScanBatch
from exams.scanning.fakescan import ScanDefects, fake_scan
from gradebook.services import exam_delete

User = get_user_model()


class Command(BaseCommand):
    help = "Load the demo course, generate its scanned copies and grade them through the pipeline."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="remove the demo course first")
        parser.add_argument("--students", type=int, default=len(plan.STUDENT_NAMES))
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, reset: bool, students: int, seed: int, **options):
        started = time.monotonic()
        if reset:
            self._reset()
        if Course.objects.filter(code=plan.COURSE["code"], term=plan.COURSE["term"]).exists():
            self.stdout.write("The demo course exists already (use --reset to rebuild it).")
            self._print_logins(students)
            return
        exam, roster = self._setup(students)
        pdf = printing.exam_print_copies(exam=exam, students=roster)
        out_dir = Path(settings.VAR_DIR) / "demo"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "printed-copies.pdf").write_bytes(pdf)

        answers = {
            (copy, part_id): text
            for copy, enrollment in enumerate(roster, start=1)
            for part_id, text in plan.answers_for(copy - 1).items()
            if text
        }
        scan = fake_scan(
            pdf,
            answers,
            printing.exam_regions(exam),
            seed=seed,
            dpi=150,
            defects=ScanDefects(upside_down=1, dropped=1, duplicated=1),
        )
        (out_dir / "scanned-stack.pdf").write_bytes(scan.pdf)
        self.stdout.write(
            f"Generated {len(scan.manifest.pages)} scanned pages "
            f"(missing: {scan.manifest.missing}, fed twice: {scan.manifest.duplicated})."
        )
        result = ingest.scan_batch_upload(
            exam=exam, stream=io.BytesIO(scan.pdf), original_name="scanned-stack.pdf"
        )
        self._report(exam, result.batch, time.monotonic() - started)
        self._print_logins(students)

    def _reset(self) -> None:
        for course in Course.objects.filter(code=plan.COURSE["code"], term=plan.COURSE["term"]):
            for exam in course.exams.all():
                exam_delete(exam=exam)
            course.delete()
        usernames = [u for u, _, _ in plan.STAFF] + [
            f"student{i:02d}" for i in range(1, len(plan.STUDENT_NAMES) + 1)
        ]
        User.objects.filter(username__in=usernames).delete()

    def _user(self, username: str, full_name: str, email: str):
        first, _, last = full_name.partition(" ")
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name, user.last_name, user.email = first, last, email
        user.set_password(plan.PASSWORD)
        user.save()
        return user

    @transaction.atomic
    def _setup(self, students: int):
        course = services.course_create(**plan.COURSE)
        for username, name, role in plan.STAFF:
            user = self._user(username, name, f"{username}@demo.invalid")
            services.enrollment_add(course=course, user=user, role=role)
        roster = []
        for i, name in enumerate(plan.STUDENT_NAMES[:students], start=1):
            user = self._user(f"student{i:02d}", name, f"student{i:02d}@demo.invalid")
            roster.append(
                services.enrollment_add(
                    course=course, user=user, role=Role.STUDENT, student_number=f"2026{i:04d}"
                )
            )
        exam = services.exam_create(
            course=course, title="Midterm (demo)", pages_per_copy=plan.PAGES
        )
        services.answer_key_store(exam=exam, source=plan.KEY_PATH.read_text())
        for part in exam.parts.all():
            page, box = plan.REGIONS[part.part_id]
            part.region = {"page": page, "box": list(box)}
            part.save(update_fields=["region"])
        return exam, roster

    def _report(self, exam, batch: ScanBatch, seconds: float) -> None:
        batch.refresh_from_db()
        pages = Counter(Page.objects.filter(batch=batch).values_list("status", flat=True))
        verdicts = Counter(
            Answer.objects.filter(submission__exam=exam).values_list("verdict", flat=True)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {batch.status}: {batch.pages_done}/{batch.pages_total} pages processed in "
                f"{seconds:.1f} s; pages {dict(pages)}; missing {ingest.missing_pages(exam)}"
            )
        )
        if batch.error:
            self.stdout.write(self.style.ERROR(batch.error))
        self.stdout.write(f"Auto-check verdicts: {dict(verdicts)}")

    def _print_logins(self, students: int) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {plan.PASSWORD}):")
        for username, name, role in plan.STAFF:
            self.stdout.write(f"  {username:<10} {role:<11} {name}")
        self.stdout.write(f"  student01 .. student{students:02d}  students")
