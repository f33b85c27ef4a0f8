"""Stored images (scanned pages) as Pillow images."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from PIL import Image


def open_image(field: FieldFile) -> Image.Image:
    """Read a stored image fully into memory (the file is closed on return)."""
    with field.open("rb") as fh:
        image = Image.open(fh)
        image.load()
    return image
