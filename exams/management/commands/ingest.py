"""``manage.py ingest --exam quiz-2 scans.pdf more.zip``: upload scan files to an exam, like
the web page, and print what became of their pages: placed, duplicates, left for a person,
and the copies' missing pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams import selectors
from exams.management.options import add_exam_arguments, exam_from
from exams.models import Exam, Page
from exams.pipeline import upload


@contextmanager
def _quiet(verbosity: int) -> Iterator[None]:
    """The workers' INFO lines (every task run, in-process on the embedded default) are not
    the command's output: keep warnings only while it runs, unless asked with -v 2."""
    loggers = [logging.getLogger(), logging.getLogger("celery")]
    levels = [logger.level for logger in loggers]
    if verbosity < 2:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Upload scanned PDFs, images or ZIPs to an exam, process them (Celery) and print "
        "the batch's summary: pages placed, duplicates, missing and left for a person."
    )

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files: list[str], **options):
        exam = exam_from(options)
        with _quiet(options["verbosity"]):
            self._ingest(exam, files)

    def _ingest(self, exam: Exam, files: list[str]) -> None:
        failed, batches = 0, []
        for name in files:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(self.style.ERROR(f"{name}: no such file"))
                failed += 1
                continue
            with path.open("rb") as fh:
                result = upload.scan_batch_upload(exam=exam, stream=fh, original_name=path.name)
            batch = result.batch
            batch.refresh_from_db()
            batches.append(batch.pk)
            style = self.style.ERROR if batch.status == batch.Status.FAILED else self.style.SUCCESS
            self.stdout.write(
                style(
                    f"{name}: {result.message} [batch {batch.pk}: {batch.status}, "
                    f"{batch.pages_done}/{batch.pages_total} pages]"
                )
            )
            failed += batch.status == batch.Status.FAILED
        self._summary(exam, batches)
        if failed:
            raise CommandError(f"{failed} file(s) could not be ingested")

    def _summary(self, exam: Exam, batches: list[int]) -> None:
        counts = selectors.batch_page_counts(batches)
        pending = counts[Page.Status.PENDING]
        self.stdout.write(
            f"{sum(counts.values())} page(s): {counts[Page.Status.PLACED]} placed, "
            f"{counts[Page.Status.DUPLICATE]} duplicate(s), "
            f"{counts[Page.Status.NEEDS_ATTENTION]} need attention"
            + (f", {pending} still being processed (workers)" if pending else "")
        )
        missing = selectors.missing_pages(exam)
        if missing:
            listed = "; ".join(
                f"copy {copy}: page {', '.join(map(str, pages))}"
                for copy, pages in list(missing.items())[:20]
            )
            more = f" and {len(missing) - 20} more copies" if len(missing) > 20 else ""
            self.stdout.write(f"missing pages: {listed}{more}")
        else:
            self.stdout.write("missing pages: none")
        if counts[Page.Status.NEEDS_ATTENTION]:
            self.stdout.write("See the exam's attention list in the browser to place them.")
