"""Helpers shared by the exams app's views."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from PIL import Image

from exams.models import Role
from gradebook.http import attachment

INSTRUCTOR = (Role.INSTRUCTOR,)
THUMB_WIDTH = 360
#: Batches shown with a progress bar: unfinished ones, and those finished this recently.
PROGRESS_RECENT_SECONDS = 600


#: How served images are encoded: crops and thumbnails losslessly, a whole page for the eye
#: as JPEG (about a third of the bytes and a sixth of the time of a PNG of a scan).
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"PNG": {"optimize": False}, "JPEG": {"quality": 90}}


def image_response(image: Image.Image, fmt: str = "PNG") -> HttpResponse:
    """An image response (``fmt`` "PNG" or "JPEG"), cached by the viewer's browser only."""
    buf = io.BytesIO()
    image.save(buf, format=fmt, **_SAVE_OPTIONS[fmt])
    response = HttpResponse(buf.getvalue(), content_type=f"image/{fmt.lower()}")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def yaml_download(text: str, name: str) -> HttpResponse:
    return attachment(text, f"{name}-key.yaml", "application/yaml; charset=utf-8")
