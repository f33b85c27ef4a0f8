"""The OCR engine of this process, as ``settings.OCR_ENGINE`` chooses it.

``auto`` (the default) takes the most accurate engine installed (``ocr.default_engine``:
rapidocr, else Debian's tesseract); ``rapidocr`` or ``tesseract`` insist on one. It is loaded
once per process: a worker reads many pages with it.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings

from exams.scanning import ocr

log = logging.getLogger(__name__)

#: The engines ``OCR_ENGINE`` may name, besides ``auto``.
ENGINES = {"rapidocr": ocr.RapidOcrRecogniser, "tesseract": ocr.TesseractEngine}


@cache
def engine() -> ocr.TranscriptionEngine | None:
    """The process's engine (loaded once), or None when the one chosen is not installed."""
    name = settings.OCR_ENGINE
    try:
        if name == "auto":
            return ocr.default_engine()
        if name == "rapidocr" and not ocr.rapidocr_available():
            raise RuntimeError("rapidocr-onnxruntime is not installed")
        if name == "tesseract" and not ocr.tesseract_available():
            raise RuntimeError("tesseract is not installed (Debian's tesseract-ocr)")
        return ENGINES[name]()
    except RuntimeError as exc:
        log.warning("no OCR engine: %s", exc)
        return None
