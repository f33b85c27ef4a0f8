"""Reading one answer region in the pipeline: read_answer with the key's kind and hypotheses,
and a confidence the checker can act on."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from exams.pipeline import reading
from exams.pipeline.checking import LOW_CONFIDENCE
from exams.scanning.align import UprightPage
from exams.scanning.reading import FREE_TEXT, AnswerRead
from solvers.values import Integer, Number, Shape

BOX = (0.1, 0.2, 0.6, 0.4)


def _page(ink: bool = True) -> UprightPage:
    image = Image.new("L", (200, 280), 255)
    if ink:
        ImageDraw.Draw(image).rectangle((40, 70, 90, 90), fill=0)
    return UprightPage.of(image)


def _read(
    monkeypatch, value, read: AnswerRead | None = None, *, ink: bool = True, kind: str = "solver"
):
    calls = []
    if read is not None:

        def fake(image, *, kind, hypotheses=()):
            calls.append((kind, tuple(hypotheses)))
            return read

        monkeypatch.setattr(reading, "read_answer", fake)
    part = SimpleNamespace(part_id="1.a", region={"page": 1, "box": list(BOX)}, kind=kind)
    expected = {"1.a": SimpleNamespace(targets=[SimpleNamespace(value=value)])}
    (result, seen) = reading.read_region(_page(ink), part, expected)
    assert seen["summary"]  # what the TA is shown beside the read
    return result, calls


@pytest.mark.parametrize(
    ("value", "kind", "first"),
    [
        (Integer(22), "integer", "22"),
        (Number(0.357), "decimal", "0.357"),
        (Number(-16.0), "number", "-16"),
        (Shape((62, 62, 16)), "shape", "62 x 62 x 16"),
    ],
)
def test_the_reader_is_told_the_kind_and_the_keys_values(monkeypatch, value, kind, first):
    read = AnswerRead(first, (first,), 0.97, True, free_text=first)
    result, calls = _read(monkeypatch, value, read)
    assert read.as_json()["summary"] == f"read {first} (p=0.97)"
    ((got_kind, hyps),) = calls
    assert got_kind == kind
    assert hyps[0].text == first
    assert hyps[0].label == "expected"
    assert (result.text, result.confidence) == (first, 0.97)


def test_a_read_the_reader_does_not_accept_goes_below_the_review_threshold(monkeypatch):
    read = AnswerRead("0357", ("0357",), 0.99, False, free_text="0357", form_ok=False)
    result, _ = _read(monkeypatch, Number(0.357), read)
    assert result.text == "0357"
    assert result.confidence < LOW_CONFIDENCE


def test_a_blank_box_is_empty_with_full_confidence(monkeypatch):
    result, _ = _read(monkeypatch, Integer(7), ink=False)
    assert (result.text, result.confidence) == ("", 1.0)


def test_an_explanation_is_found_not_transcribed(monkeypatch):
    """A descriptive part is read as free text whatever its key's targets: written, it is
    not blank and waits for a person; its box empty, it is blank."""
    result, _ = _read(monkeypatch, Integer(7), ink=False, kind="descriptive")
    assert (result.text, result.confidence) == ("", 1.0)
    read = AnswerRead("", ("",), 0.0, False, transcribed=False)
    result, calls = _read(monkeypatch, Integer(7), read, kind="descriptive")
    assert calls == [(FREE_TEXT, ())]
    assert result.text == ""
    assert result.confidence < LOW_CONFIDENCE
