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
from django.core.management.base import BaseCommand, CommandError

from demo import build, plan
from exams import selectors
from exams.models import Answer, Course, Page, ScanBatch
from exams.pipeline import upload
from grading.audit import AuditLogSealedError


class Command(BaseCommand):
    help = "Load the demo course, generate its scanned copies and grade them through the pipeline."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="remove the demo course first")
        parser.add_argument("--students", type=int, default=len(plan.STUDENT_NAMES))
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, reset: bool, students: int, seed: int, **options):
        started = time.monotonic()
        if reset:
            try:
                build.demo_reset()
            except AuditLogSealedError as exc:  # the demo's grade history is history too
                raise CommandError(str(exc)) from exc
        if Course.objects.filter(code=plan.COURSE["code"], term=plan.COURSE["term"]).exists():
            self.stdout.write("The demo course exists already (use --reset to rebuild it).")
            self._print_logins(students)
            return
        exam, roster = build.demo_exam(students=students)
        pdf, scan = build.demo_scans(exam, roster, seed=seed)
        out_dir = Path(settings.VAR_DIR) / "demo"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "printed-copies.pdf").write_bytes(pdf)
        (out_dir / "scanned-stack.pdf").write_bytes(scan.pdf)
        self.stdout.write(
            f"Generated {len(scan.manifest.pages)} scanned pages "
            f"(missing: {scan.manifest.missing}, fed twice: {scan.manifest.duplicated})."
        )
        result = upload.scan_batch_upload(
            exam=exam, stream=io.BytesIO(scan.pdf), original_name="scanned-stack.pdf"
        )
        self._report(exam, result.batch, time.monotonic() - started)
        self._print_logins(students)

    def _report(self, exam, batch: ScanBatch, seconds: float) -> None:
        batch.refresh_from_db()
        pages = Counter(Page.objects.filter(batch=batch).values_list("status", flat=True))
        verdicts = Counter(
            Answer.objects.filter(submission__exam=exam).values_list("verdict", flat=True)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {batch.status}: {batch.pages_done}/{batch.pages_total} pages processed in "
                f"{seconds:.1f} s; pages {dict(pages)}; missing {selectors.missing_pages(exam)}"
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
