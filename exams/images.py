"""Stored files: scanned page images read as Pillow images, and files removed with their rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from PIL import Image


def open_image(field: FieldFile) -> Image.Image:
    """Read a stored image fully into memory (the file is closed on return)."""
    with field.open("rb") as fh:
        image = Image.open(fh)
        image.load()
    return image


def delete_after_commit(names: Iterable[str]) -> None:
    """Remove stored files once the current transaction commits (never before: if it rolls
    back, the rows still point at them)."""
    names = [name for name in names if name]
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
