"""Reading one answer region: the engine's read, put in the key's form when a usual
misreading explains it, with its confidence."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from exams import transcribe
from exams.checking import LOW_CONFIDENCE
from exams.scanning import ocr
from exams.scanning.align import UprightPage
from solvers.values import Integer, Number, Shape

BOX = (0.1, 0.2, 0.6, 0.4)


class FixedEngine:
    """Reads whatever it was told to: the engine is not what these tests are about."""

    name = "fixed"

    def __init__(self, text: str, confidence: float) -> None:
        self.result = ocr.TranscriptionResult(text, confidence, self.name)

    def transcribe(self, image: Image.Image) -> ocr.TranscriptionResult:
        return self.result


def _page(ink: bool = True) -> UprightPage:
    image = Image.new("L", (200, 280), 255)
    if ink:
        ImageDraw.Draw(image).rectangle((40, 70, 90, 90), fill=0)
    return UprightPage.of(image)


def _read(monkeypatch, text: str, confidence: float, value, *, ink: bool = True):
    monkeypatch.setattr(transcribe, "engine", lambda: FixedEngine(text, confidence))
    part = SimpleNamespace(part_id="1.a", region={"page": 1, "box": list(BOX)})
    expected = {"1.a": SimpleNamespace(targets=[SimpleNamespace(value=value)])}
    return transcribe.read_region(_page(ink), part, expected)


@pytest.mark.parametrize(
    ("read", "value", "text"),
    [
        ("C.357", Number(0.357), "0.357"),
        ("ZZ", Integer(22), "22"),
        ("-I6", Number(-16.0), "-16"),
        ("62 α 62 16", Shape((62, 62, 16)), "62 x 62 x 16"),
    ],
)
def test_a_usual_misreading_is_repaired_and_trusted_a_little_less(monkeypatch, read, value, text):
    result = _read(monkeypatch, read, 0.97, value)
    assert result.text == text
    assert LOW_CONFIDENCE < result.confidence == transcribe.REPAIRED_CONFIDENCE < 0.97


def test_a_clean_read_keeps_the_engines_confidence(monkeypatch):
    result = _read(monkeypatch, "0.357", 0.97, Number(0.357))
    assert (result.text, result.confidence) == ("0.357", 0.97)


def test_a_read_of_the_wrong_form_goes_below_the_review_threshold(monkeypatch):
    # A decimal read without its point is the engines' typical confident error.
    result = _read(monkeypatch, "0357", 0.99, Number(0.357))
    assert result.text == "0357"
    assert result.confidence < LOW_CONFIDENCE


def test_a_blank_box_is_empty_with_full_confidence(monkeypatch):
    result = _read(monkeypatch, "7", 0.99, Integer(7), ink=False)
    assert (result.text, result.confidence) == ("", 1.0)
