"""``manage.py pipeline``: see where scans stand in the pipeline, resume stuck work, reconcile.

    manage.py pipeline status [--exam ID]
    manage.py pipeline resume (--batch ID | --exam ID | --page ID) [--retry-failed]
    manage.py pipeline reconcile

``resume`` makes every unfinished step of a batch, an exam or a page due at once, the steps
that stopped after their attempts included, and sends them (what the scans page's Resume
button does); ``--retry-failed`` also splits again a failed batch whose file is stored.
``reconcile`` runs the reconciler once, as Celery beat does every
``PIPELINE_RECONCILE_SECONDS``. With the embedded default (tasks in-process) both run the
work right here.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exams import selectors
from exams.models import Exam, Page, ScanBatch
from exams.pipeline import reconcile


class Command(BaseCommand):
    help = "Show the pipeline's progress, resume stuck batches, exams or pages, or reconcile."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="each batch: status and what is left to do")
        status.add_argument("--exam", type=int, help="only this exam's batches")
        resume = sub.add_parser("resume", help="run every unfinished step again, now")
        target = resume.add_mutually_exclusive_group(required=True)
        target.add_argument("--batch", type=int, help="a scan batch id")
        target.add_argument("--exam", type=int, help="every batch of an exam")
        target.add_argument("--page", type=int, help="one page id")
        resume.add_argument(
            "--retry-failed",
            action="store_true",
            help="also split again the failed batches whose file is stored",
        )
        sub.add_parser("reconcile", help="send again every due step no worker is on (once)")

    def handle(self, *args, action: str, **options):
        if action == "status":
            self._status(options.get("exam"))
        elif action == "resume":
            self._resume(options)
        else:
            self.stdout.write(str(reconcile.reconcile(limit=None)))

    def _status(self, exam_id: int | None) -> None:
        batches = ScanBatch.objects.select_related("exam").order_by("created_at")
        if exam_id is not None:
            batches = batches.filter(exam_id=exam_id)
        rows = selectors.batches_progress(batches)
        if not rows:
            self.stdout.write("No scan batch.")
        for p in rows:
            b = p.batch
            line = (
                f"batch {b.pk} (exam {b.exam_id}) {b.original_name}: {b.status}, "
                f"{b.pages_done}/{b.pages_total} pages done"
            )
            if p.detail:
                line += f"; {p.detail}"
            if b.error:
                line += f"; error: {b.error}"
            if p.stopped or b.status == ScanBatch.Status.FAILED:
                line = self.style.ERROR(line)
            elif p.finished:
                line = self.style.SUCCESS(line)
            self.stdout.write(line)

    def _resume(self, options) -> None:
        if options["page"] is not None:
            page = Page.objects.filter(pk=options["page"]).first()
            if page is None:
                raise CommandError(f"no page with id {options['page']}")
            batches = ScanBatch.objects.filter(pk=page.batch_id)
            pages = Page.objects.filter(pk=page.pk)
        elif options["batch"] is not None:
            batches = ScanBatch.objects.filter(pk=options["batch"])
            if not batches.exists():
                raise CommandError(f"no batch with id {options['batch']}")
            pages = None
        else:
            if not Exam.objects.filter(pk=options["exam"]).exists():
                raise CommandError(f"no exam with id {options['exam']}")
            batches = ScanBatch.objects.filter(exam_id=options["exam"])
            pages = None
        report = reconcile.pipeline_resume(
            batches=batches, pages=pages, retry_failed=options["retry_failed"]
        )
        self.stdout.write(self.style.SUCCESS(str(report)))
