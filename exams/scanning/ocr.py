"""Offline transcription of short handwritten answers, behind a small engine interface.

Engines implement :class:`TranscriptionEngine`: ``transcribe(image) -> TranscriptionResult``.
Two built-in ones, both offline:

- :class:`RapidOcrRecogniser`: rapidocr-onnxruntime's PP-OCRv4 recogniser alone, on a
  tight crop of the ink (the detector splits short numbers). Its ONNX models ship inside
  the wheel; nothing is downloaded at run time.
- :class:`TesseractEngine`: Debian's tesseract in single-line mode, through a subprocess.

:func:`default_engine` returns the recogniser when installed, else tesseract: the choice was
measured on crops from fakescan.py (docs/pipeline-measurements.md). A read is not to be
trusted on confidence alone: rapidocr drops decimal points with confidence near 1, so check
the text's form against what the answer key expects (:func:`check_form`) first.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np
from autocheck.kinds import OcrForm
from PIL import Image


@dataclass(frozen=True)
class TranscriptionResult:
    """``text`` as read (whitespace normalised), ``confidence`` in [0, 1], ``engine`` name."""

    text: str
    confidence: float
    engine: str


@runtime_checkable
class TranscriptionEngine(Protocol):
    name: str

    def transcribe(self, image: Image.Image) -> TranscriptionResult: ...


def normalise(text: str) -> str:
    """Collapse whitespace and map the Unicode dashes and times sign engines emit to ASCII."""
    table = str.maketrans({"×": "x", "—": "-", "–": "-", "−": "-"})
    return " ".join(text.translate(table).split())


def ink_crop(image: Image.Image, *, pad_px: int = 6, min_ink_px: int = 12) -> Image.Image | None:
    """Crop a greyscale region to its ink, with a small white margin; None if blank.

    Pale printed lines (the light-grey answer-box outline) and scanner noise are below the
    ink threshold; isolated specks are ignored by requiring ink in at least two rows and
    columns of a 3-pixel grid.
    """
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    if grey.size == 0:
        return None
    paper = float(np.percentile(grey, 90))
    ink = grey < paper * 0.6
    rows = np.flatnonzero(ink.sum(1) >= 2)
    cols = np.flatnonzero(ink.sum(0) >= 2)
    if ink.sum() < min_ink_px or rows.size < 3 or cols.size < 3:
        return None
    y0, y1 = rows[0], rows[-1] + 1
    x0, x1 = cols[0], cols[-1] + 1
    h, w = grey.shape
    crop = image.convert("L").crop(
        (max(0, x0 - pad_px), max(0, y0 - pad_px), min(w, x1 + pad_px), min(h, y1 + pad_px))
    )
    # Flatten the paper to white so engines see dark ink on white.
    arr = np.asarray(crop, dtype=np.float32)
    arr = np.clip(arr * (255.0 / max(paper, 1.0)), 0, 255)
    return Image.fromarray(arr.astype(np.uint8))


class RapidOcrRecogniser:
    """rapidocr-onnxruntime, recogniser only (no detection, no angle classifier)."""

    name = "rapidocr-rec"

    @cached_property
    def _engine(self):
        from rapidocr_onnxruntime import RapidOCR

        # One thread: throughput comes from Celery worker processes, and onnxruntime's default
        # (every core in every worker) made two workers fight over the cores (bench e2e).
        return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def transcribe(self, image: Image.Image) -> TranscriptionResult:
        arr = np.asarray(image.convert("RGB"))
        result, _ = self._engine(arr, use_det=False, use_cls=False, use_rec=True)
        if not result:
            return TranscriptionResult("", 0.0, self.name)
        text, score = result[0][0], float(result[0][1])
        return TranscriptionResult(normalise(text), score, self.name)


class TesseractEngine:
    """Debian's tesseract (``apt-get install tesseract-ocr``), one text line per image."""

    name = "tesseract"

    def __init__(self, *, whitelist: str | None = None, psm: int = 7, binary: str = "tesseract"):
        self.whitelist = whitelist
        self.psm = psm
        self.binary = binary

    def transcribe(self, image: Image.Image) -> TranscriptionResult:
        buf = io.BytesIO()
        image.convert("L").save(buf, "PNG")
        cmd = [self.binary, "stdin", "stdout", "--psm", str(self.psm)]
        if self.whitelist:
            cmd += ["-c", f"tessedit_char_whitelist={self.whitelist}"]
        cmd.append("tsv")
        proc = subprocess.run(
            cmd, input=buf.getvalue(), capture_output=True, check=True, timeout=30
        )
        words, confs = [], []
        for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= 0:
                words.append(cols[11])
                confs.append(float(cols[10]) / 100.0)
        text = normalise(" ".join(words))
        return TranscriptionResult(text, min(confs) if confs else 0.0, self.name)


def rapidocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def default_engine() -> TranscriptionEngine:
    """The most accurate installed offline engine (see docs/pipeline-measurements.md)."""
    if rapidocr_available():
        return RapidOcrRecogniser()
    if tesseract_available():
        return TesseractEngine()
    raise RuntimeError(
        "no offline OCR engine: install rapidocr-onnxruntime, or Debian's tesseract-ocr"
    )


#: The forms an answer box may read as: declared by each answer kind (``Kind.ocr_form``).
AnswerKind = OcrForm
_FORMS = {form: form.pattern for form in OcrForm if form.pattern is not None}


def canonical(text: str, kind: AnswerKind) -> str:
    """The form two reads are compared in: no spaces; shapes also case-insensitive ("126X3")."""
    text = normalise(text).replace(" ", "")
    return text.lower() if kind is AnswerKind.SHAPE else text


#: Letters the recogniser reads for handwritten digits, used only where the key expects a
#: number and the read is otherwise made of digits (measured on the six-page benchmark exam:
#: "C.357" for 0.357, "ZZ" for 22, "IC" for 10).
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "C": "0", "c": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
     "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6",
     "g": "9", "q": "9"}
)  # fmt: skip
#: What the recogniser reads for a handwritten times sign between dimensions.
_TIMES_LOOKALIKES = str.maketrans({"α": "x", "X": "x", "*": "x", "×": "x", "✕": "x"})
_NUMERIC_READ = re.compile(r"^-?[\dOoCcQIl|iZzSsBGbgq][\dOoCcQIl|iZzSsBGbgq. ]*$")
_SHAPE_READ = re.compile(r"^\(?\d+(?:(?:\s*x\s*|\s+)\d+)+\)?$")


def repair(text: str, kind: AnswerKind) -> str | None:
    """The read a number-shaped answer most likely is, when ``text`` does not have the form
    the key expects but a usual misreading explains it; None when no repair applies.

    - integers and decimals: letters that look like digits ("C.357" -> "0.357", "ZZ" ->
      "22") and spaces inside the number ("0. 1" -> "0.1");
    - shapes: a times sign read as alpha or left out between dimensions ("62 α 62 16" ->
      "62 x 62 x 16").

    A repair only ever makes a read take the expected form; the checker still judges its
    value (a wrong value from OCR that no known mistake explains goes to a person).
    """
    text = normalise(text)
    if not text or len(text) > 40 or check_form(text, kind).ok:
        return None
    if kind in (AnswerKind.INTEGER, AnswerKind.DECIMAL, AnswerKind.NUMBER):
        if not _NUMERIC_READ.fullmatch(text):
            return None
        fixed = text.translate(_DIGIT_LOOKALIKES).replace(" ", "")
    elif kind is AnswerKind.SHAPE:
        shape = text.translate(_TIMES_LOOKALIKES)
        if not _SHAPE_READ.fullmatch(shape):
            return None
        fixed = " x ".join(re.findall(r"\d+", shape))
    else:
        return None
    return fixed if check_form(fixed, kind).ok else None


@dataclass(frozen=True)
class FormCheck:
    ok: bool
    reason: str = ""


def check_form(text: str, kind: AnswerKind, *, decimals: int | None = None) -> FormCheck:
    """Does a read have the form the key expects? Check this before trusting confidence.

    A decimal read without its point ("1174" for "1.174") is the typical confident error,
    so a DECIMAL answer must contain a point, and ``decimals`` (when the key states how
    many digits follow the point) must match.
    """
    text = normalise(text)
    if not text:
        return FormCheck(False, "nothing was read")
    if kind is AnswerKind.EXPRESSION:
        return FormCheck(True)
    if kind is AnswerKind.DECIMAL and re.fullmatch(r"-?\d+", text):
        return FormCheck(False, "a decimal was expected but no decimal point was read")
    if not _FORMS[kind].fullmatch(text):
        return FormCheck(
            False, f"does not look like {'an' if kind is AnswerKind.INTEGER else 'a'} {kind}"
        )
    if kind is AnswerKind.DECIMAL and decimals is not None:
        got = len(text.split(".", 1)[1])
        if got != decimals:
            return FormCheck(False, f"{decimals} decimal places expected, {got} read")
    return FormCheck(True)


def check_read(
    result: TranscriptionResult,
    kind: AnswerKind,
    *,
    decimals: int | None = None,
    min_confidence: float = 0.9,
) -> FormCheck:
    """Can a read be accepted without a person looking? Form first, then confidence.

    The order matters: the engines' most confident errors are reads of the wrong form
    (see :func:`check_form`), so a high confidence never excuses a failed form check.
    """
    form = check_form(result.text, kind, decimals=decimals)
    if not form.ok:
        return form
    if result.confidence < min_confidence:
        return FormCheck(False, f"confidence {result.confidence:.2f} is below {min_confidence:.2f}")
    return FormCheck(True)
