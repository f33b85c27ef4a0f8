"""The pipeline's second step: place each page on its copy by its QR code.

A page whose code cannot be read, belongs to another exam, or whose place is taken by another
scan is set aside for a person (``exams.services.attention``), with the reason. Next:
``exams.pipeline.identification`` (on a copy's cover) and ``exams.pipeline.reading``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from exams.images import open_image, open_upright
from exams.models import Page, Submission
from exams.pipeline import steps
from exams.scanning.align import UprightPage, fit_alignment
from exams.scanning.qrcodes import decode_page
from exams.scanning.similarity import same_sheet


@dataclass(frozen=True)
class Placement:
    status: str
    reason: str = ""
    copy_number: int | None = None
    page_number: int | None = None
    qr_payload: str = ""
    rotation: int = 0


def _read_and_align(page: Page) -> tuple[Placement, UprightPage | None]:
    """Read the page's QR code and fit its alignment; nothing is resampled or written."""
    exam = page.batch.exam
    image = open_image(page.image, grey=True)
    read = decode_page(image)
    if not read.ok:
        return Placement(Page.Status.NEEDS_ATTENTION, str(read.failure)), None
    payload = read.payload
    assert payload is not None
    if payload.exam_code != exam.qr_code:
        return Placement(
            Page.Status.NEEDS_ATTENTION,
            f"this page belongs to another exam (code {payload.exam_code})",
            qr_payload=payload.encode(),
        ), None
    if payload.page > exam.pages_per_copy:
        return Placement(
            Page.Status.NEEDS_ATTENTION,
            f"page {payload.page} is beyond the exam's {exam.pages_per_copy} pages",
            qr_payload=payload.encode(),
        ), None
    alignment = fit_alignment(image, rotation=read.rotation, qr_angle_deg=read.angle_deg)
    return Placement(
        Page.Status.PLACED,
        copy_number=payload.copy,
        page_number=payload.page,
        qr_payload=payload.encode(),
        rotation=read.rotation,
    ), UprightPage(image, alignment)


def page_process(*, page_id: int) -> Page | None:
    """:func:`page_place` without the scan: the page placed, or None."""
    return page_place(page_id=page_id).page


class Placed(NamedTuple):
    """What :func:`page_place` did: the page (None when there was nothing to do) and, once
    placed, its scan with the alignment just fitted, for reading it without decoding the
    file again (``exams.pipeline.reading.page_transcribe``)."""

    page: Page | None
    upright: UprightPage | None = None


def page_place(*, page_id: int) -> Placed:
    """Read one page's QR code, fit its alignment and place it on (copy, page number).

    The scan is kept as it came; the six numbers of its alignment are stored with it and
    regions are straightened when they are read (``exams.images.open_upright``), which is
    most of the speed of placing a page (docs/performance.md).

    A page whose code cannot be read, belongs to another exam, or whose position is already
    taken by a *different* scan goes to the "needs attention" list with the reason; an
    identical second scan is marked duplicate. Runs its effect exactly once: a page that is
    no longer pending is left alone. A placed page moves to the stage ``placed``, its reading
    due; any other ends at ``settled`` (a person takes it from there).
    """
    page = Page.objects.select_related("batch__exam").filter(pk=page_id).first()
    if page is None or page.status != Page.Status.PENDING or page.stage != Page.Stage.SPLIT:
        return Placed(None)
    placement, upright = _read_and_align(page)
    exam = page.batch.exam
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if locked.status != Page.Status.PENDING or locked.stage != Page.Stage.SPLIT:
            return Placed(None)
        status, reason, submission = placement.status, placement.reason, None
        if status == Page.Status.PLACED:
            submission, _ = Submission.objects.get_or_create(
                exam=exam, copy_number=placement.copy_number
            )
            # Lock the copy so two pages racing for one position are decided one at a time.
            Submission.objects.select_for_update().get(pk=submission.pk)
            taken = Page.objects.filter(
                submission=submission, page_number=placement.page_number, status=Page.Status.PLACED
            ).first()
            if taken is not None:
                if taken.image_checksum == locked.image_checksum or _same_sheet(taken, upright):
                    status = Page.Status.DUPLICATE
                    reason = (
                        f"a second scan of page {taken.index_in_batch + 1} of "
                        f"{taken.batch.original_name}"
                    )
                else:
                    status = Page.Status.NEEDS_ATTENTION
                    reason = (
                        f"copy {submission.copy_number} page {placement.page_number} was already "
                        f"scanned (page {taken.index_in_batch + 1} of {taken.batch.original_name}); "
                        "choose which scan to keep"
                    )
        if upright is not None and status == Page.Status.PLACED:
            locked.alignment = upright.alignment.to_json()
        locked.status = status
        locked.attention_reason = reason
        locked.submission = submission
        locked.page_number = placement.page_number
        locked.qr_payload = placement.qr_payload
        locked.rotation = placement.rotation
        locked.processed_at = timezone.now()
        placed = status == Page.Status.PLACED
        steps.advance(locked, Page.Stage.PLACED if placed else Page.Stage.SETTLED, due=placed)
        locked.save()
    return Placed(locked, upright if placed else None)


def _same_sheet(placed: Page, upright: UprightPage | None) -> bool:
    if upright is None or not placed.image:
        return False
    return same_sheet(open_upright(placed).image(), upright.image())
