"""The pipeline's first step: store an uploaded scan file once, and split it into pages.

Each step is idempotent and claims its rows with a conditional UPDATE, so a task that is
delivered twice (a worker killed mid-way, ``acks_late``) does its work exactly once, and moves
its rows to their next stage in the same transaction (``exams.pipeline.steps``). Image work is
done by the pure library ``exams.scanning``; the Celery tasks in ``exams.tasks`` run these
functions. Next: ``exams.pipeline.placement``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone

from exams.images import delete_after_commit
from exams.models import Exam, Page, ScanBatch
from exams.pipeline import steps
from exams.pipeline.reconcile import pipeline_resume
from exams.scanning import pages as scan_pages

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
#: File types accepted at upload, by their first bytes (the extension is not trusted).
ACCEPTED_TYPES = ("pdf", "png", "jpeg", "tiff", "zip")
#: How a page that does not come as a JPEG (a PNG or TIFF upload, a PDF page that has to be
#: rendered) is stored. A scanned page is noise at the pixel level, so zlib's string
#: matching finds almost nothing: run-length matching (Z_RLE) writes a page ~5x faster than
#: Pillow's default (level 6) and ~6% smaller, with the same pixels (PNG is lossless).
PNG_OPTIONS = {"optimize": False, "compress_level": 1, "compress_type": zlib.Z_RLE}


@dataclass(frozen=True)
class UploadResult:
    batch: ScanBatch
    created: bool
    #: The same file had been uploaded and had not finished: its processing was resumed.
    resumed: bool = False

    @property
    def message(self) -> str:
        name = self.batch.original_name
        if self.resumed:
            return f"{name} was uploaded before and had not finished; its processing is resumed."
        if not self.created:
            if self.batch.status == ScanBatch.Status.FAILED:
                return f"{name} was already uploaded and could not be read: {self.batch.error}"
            return f"{name} was already uploaded; it is not processed twice."
        if self.batch.status == ScanBatch.Status.FAILED:
            return f"{name}: {self.batch.error}"
        return f"{name} uploaded; its pages are being processed."


def _digest(stream: IO[bytes], limit: int) -> tuple[str, int, bytes, bool]:
    """SHA-256, size and first bytes of a stream, reading at most ``limit + 1`` bytes."""
    sha = hashlib.sha256()
    size = 0
    head = b""
    stream.seek(0)
    while chunk := stream.read(_CHUNK):
        if not head:
            head = chunk[:16]
        sha.update(chunk)
        size += len(chunk)
        if size > limit:
            return sha.hexdigest(), size, head, True
    stream.seek(0)
    return sha.hexdigest(), size, head, False


def scan_batch_upload(
    *,
    exam: Exam,
    stream: IO[bytes],
    original_name: str,
    actor: User | None = None,
    enqueue: bool = True,
) -> UploadResult:
    """Store an uploaded scan file once and start splitting it.

    The same file uploaded twice (same SHA-256) is recognised and not processed again; if its
    batch had not finished (stopped, or its messages lost), its processing is resumed. A file
    that is empty, too large or of a type we do not read is recorded as a failed batch with a
    clear error, without storing it; nothing else is touched.

    The batch is committed with its split step due: the upload needs no broker, and if the
    split's message cannot be sent the reconciler sends it once the broker is back.
    """
    limit = settings.SCAN_UPLOAD_MAX_BYTES
    checksum, size, head, too_large = _digest(stream, limit)
    existing = ScanBatch.objects.filter(exam=exam, checksum=checksum).first()
    if existing is not None and existing.status == ScanBatch.Status.FAILED and not existing.file:
        # Refused before (its file is not kept): try again, a limit may have been raised.
        existing.delete()
        existing = None
    if existing is not None:
        return _uploaded_again(existing, enqueue=enqueue)

    error = ""
    if size == 0:
        error = "The file is empty (0 bytes)."
    elif too_large:
        error = (
            f"The file is larger than the {limit / 2**20:.0f} MiB allowed; split the scan "
            "into several files."
        )
    elif scan_pages.sniff(head) not in ACCEPTED_TYPES:
        error = "Not a PDF, PNG, JPEG, TIFF or ZIP file (judged by its content, not its name)."

    batch = ScanBatch(
        exam=exam,
        original_name=original_name[:255],
        checksum=checksum,
        size_bytes=size,
        uploaded_by=actor,
        status=ScanBatch.Status.FAILED if error else ScanBatch.Status.UPLOADED,
        error=error,
        due_at=None if error else timezone.now() + steps.grace(),
    )
    try:
        with transaction.atomic():
            if not error:
                batch.file.save(original_name, File(stream), save=False)
            batch.save()
    except Exception as exc:
        if batch.file:  # never a stored file without its row
            batch.file.delete(save=False)
        if not isinstance(exc, IntegrityError):
            raise
        # The same file, uploaded concurrently: the other upload won.
        return UploadResult(ScanBatch.objects.get(exam=exam, checksum=checksum), created=False)
    if not error and enqueue:
        steps.send_after_commit(steps.SPLIT_TASK, batch_id=batch.pk)
    return UploadResult(batch, created=True)


def _uploaded_again(batch: ScanBatch, *, enqueue: bool) -> UploadResult:
    if batch.status not in steps.UNFINISHED_BATCH or not enqueue:
        return UploadResult(batch, created=False)
    pipeline_resume(batches=ScanBatch.objects.filter(pk=batch.pk))
    batch.refresh_from_db()
    return UploadResult(batch, created=False, resumed=True)


def _claim(batch_id: int, from_statuses: Iterable[str], to_status: str) -> bool:
    return bool(
        ScanBatch.objects.filter(pk=batch_id, status__in=list(from_statuses)).update(
            status=to_status
        )
    )


def _fail_batch(batch: ScanBatch, error: str) -> None:
    """Mark the batch failed and remove every page it had produced: no half-written batch.
    The file goes too (it cannot be read as it is: keeping it would only fill the disk); the
    same file uploaded again is tried again."""
    with transaction.atomic():
        delete_after_commit(batch.pages.exclude(image="").values_list("image", flat=True))
        delete_after_commit([batch.file.name])
        batch.pages.all().delete()
        ScanBatch.objects.filter(pk=batch.pk).update(
            file="",
            status=ScanBatch.Status.FAILED,
            error=error,
            pages_total=0,
            pages_done=0,
            due_at=None,
            attempts=0,
            last_error="",
        )


def page_limits() -> scan_pages.PageLimits:
    """What one upload may expand to, from the settings (docs/deployment.md)."""
    return scan_pages.PageLimits(
        max_file_bytes=settings.SCAN_UPLOAD_MAX_BYTES,
        max_pages=settings.SCAN_MAX_PAGES,
        max_page_pixels=settings.SCAN_MAX_PAGE_MEGAPIXELS * 10**6,
        max_upload_pixels=settings.SCAN_MAX_UPLOAD_MEGAPIXELS * 10**6,
        max_pixels_per_byte=settings.SCAN_MAX_PIXELS_PER_BYTE,
        free_pixels=settings.SCAN_FREE_MEGAPIXELS * 10**6,
    )


def _to_place(batch: ScanBatch) -> list[int]:
    return list(batch.pages.filter(stage=Page.Stage.SPLIT).values_list("pk", flat=True))


def scan_batch_split(*, batch_id: int, time_budget: float | None = None) -> list[int]:
    """Split a batch's file into Page rows with their images; return the ids of the pages to
    place once the whole file is split.

    With ``time_budget`` (seconds) the split stops after the page that exhausts it and returns
    ``[]`` with the batch still ``splitting`` and due: the next call goes on from the first
    page not stored (the pages before it are skipped, not decoded), so that no task runs for
    long. The pages are placed only once the file is split whole: a file that turns out to be
    damaged half-way fails its batch without a page of it placed. Safe to re-run: a batch
    already split returns its pages still to place.
    """
    claimed = _claim(
        batch_id,
        [ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING],
        ScanBatch.Status.SPLITTING,
    )
    batch = ScanBatch.objects.get(pk=batch_id)
    if not claimed:
        if batch.status == ScanBatch.Status.PROCESSING:
            return _to_place(batch)
        return []
    limits = page_limits()
    # Pages are stored in order, each before the next: those with an image are done.
    count = start = batch.pages.exclude(image="").count()
    deadline = None if time_budget is None else time.monotonic() + time_budget
    try:
        with batch.file.open("rb") as fh:
            for page_image in scan_pages.iter_pages(
                fh, name=batch.original_name, limits=limits, start=start
            ):
                _store_page(batch, page_image)
                count += 1
                if deadline is not None and time.monotonic() > deadline:
                    # The rest in the next slice: this one has made progress.
                    ScanBatch.objects.filter(pk=batch.pk).update(
                        attempts=0, last_error="", due_at=timezone.now() + steps.grace()
                    )
                    return []
    except scan_pages.ScanInputError as exc:
        _fail_batch(batch, str(exc))
        return []
    if count == 0:
        _fail_batch(batch, "The file contains no page.")
        return []
    with transaction.atomic():
        ScanBatch.objects.filter(pk=batch.pk).update(
            status=ScanBatch.Status.PROCESSING,
            pages_total=count,
            attempts=0,
            last_error="",
            due_at=None,
        )
        batch.pages.filter(stage=Page.Stage.SPLIT).update(due_at=timezone.now() + steps.grace())
    return _to_place(batch)


def _store_page(batch: ScanBatch, page_image: scan_pages.PageImage) -> Page:
    if page_image.encoded is not None:
        data, ext = page_image.encoded, "jpg"
    else:
        buf = io.BytesIO()
        page_image.image.save(buf, format="PNG", **PNG_OPTIONS)
        data, ext = buf.getvalue(), "png"
    page, created = Page.objects.get_or_create(batch=batch, index_in_batch=page_image.index)
    if created or not page.image:
        page.image_checksum = hashlib.sha256(data).hexdigest()
        page.image.save(f"{page_image.index:05d}.{ext}", ContentFile(data), save=False)
        page.save(update_fields=["image", "image_checksum"])
    return page
