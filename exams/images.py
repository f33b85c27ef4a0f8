"""Stored files: scanned page images read as Pillow images (upright on demand), and files
removed with their rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from PIL import Image

from exams.scanning.align import Alignment, UprightPage

if TYPE_CHECKING:
    from exams.models import Page


def open_image(field: FieldFile, *, scale: float = 1.0, grey: bool = False) -> Image.Image:
    """Read a stored image fully into memory (the file is closed on return).

    With ``scale`` < 1 a JPEG is decoded at the smallest of 1/2, 1/4 or 1/8 of its size that
    is still at least ``scale`` times it, and with ``grey`` straight to greyscale (the
    decoder's draft mode: much less work than decoding all and shrinking); other formats
    are decoded whole. The caller sees the size it got.
    """
    with field.open("rb") as fh:
        image = Image.open(fh)
        if image.format == "JPEG" and (scale < 1.0 or grey):
            w, h = image.size
            image.draft("L" if grey else None, (int(w * scale), int(h * scale)))
        image.load()
    return image


def open_upright(page: Page, *, scale: float = 1.0) -> UprightPage:
    """A stored page's scan with its alignment, to cut upright regions from.

    Pages placed by the pipeline keep the scan as it came plus the six numbers of its
    alignment; a page without one (placed by hand, or stored upright by an older version)
    is upright as stored. ``scale`` < 1 decodes a smaller scan when the caller needs no
    more (thumbnails).
    """
    image = open_image(page.image, scale=scale, grey=True)
    if image.mode != "L":
        image = image.convert("L")  # once here, not once per region cut from it
    if not page.alignment:
        return UprightPage.of(image)
    alignment = Alignment.from_json(page.alignment)
    return UprightPage(image, alignment.for_source(image.size))


def delete_after_commit(names: Iterable[str]) -> None:
    """Remove stored files once the current transaction commits (never before: if it rolls
    back, the rows still point at them)."""
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)
