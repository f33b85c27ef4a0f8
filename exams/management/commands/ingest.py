"""``manage.py ingest --exam ID FILE...``: upload scan files to an exam, like the web page."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.models import Exam
from exams.pipeline import upload


class Command(BaseCommand):
    help = "Upload scanned PDFs, images or ZIPs to an exam and process them (Celery)."

    def add_arguments(self, parser):
        parser.add_argument("--exam", type=int, required=True, help="exam id")
        parser.add_argument("files", nargs="+")

    def handle(self, *args, exam: int, files: list[str], **options):
        target = Exam.objects.filter(pk=exam).first()
        if target is None:
            raise CommandError(f"no exam with id {exam}")
        failed = 0
        for name in files:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(self.style.ERROR(f"{name}: no such file"))
                failed += 1
                continue
            with path.open("rb") as fh:
                result = upload.scan_batch_upload(exam=target, stream=fh, original_name=path.name)
            batch = result.batch
            batch.refresh_from_db()
            style = self.style.ERROR if batch.status == batch.Status.FAILED else self.style.SUCCESS
            self.stdout.write(
                style(
                    f"{name}: {result.message} [batch {batch.pk}: {batch.status}, "
                    f"{batch.pages_done}/{batch.pages_total} pages]"
                )
            )
            failed += batch.status == batch.Status.FAILED
        if failed:
            raise CommandError(f"{failed} file(s) could not be ingested")
