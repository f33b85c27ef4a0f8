"""The answer-kind registry: one kind per name, every expected value claimed by one kind,
and every literal kind written in a key read back equal."""

from __future__ import annotations

import pytest
import sympy

from autocheck.keys import LiteralAnswer, export_key, literal_value, parse_key
from autocheck.kinds import OcrForm, UnknownKind, all_kinds, get, kind_for, literal_names
from autocheck.outcome import Outcome
from solvers.values import Choice, Expression, Integer, KeywordSet, Number, Shape, Tensor


def test_every_kind_has_a_unique_name():
    names = [k.name for k in all_kinds()]
    assert len(names) == len(set(names))
    assert {"number", "integer", "vector", "matrix", "shape", "expression", "choice"} <= set(names)


def test_an_unknown_name_is_an_error():
    with pytest.raises(UnknownKind):
        get("no-such-kind")
    with pytest.raises(UnknownKind):
        kind_for(object())


@pytest.mark.parametrize(
    ("value", "name", "form"),
    [
        (Number(1.204), "number", OcrForm.DECIMAL),
        (Number(22.0), "number", OcrForm.NUMBER),
        (Integer(1949), "integer", OcrForm.INTEGER),
        (Tensor((1.0, 2.0), (2,)), "vector", None),
        (Tensor((1.0, 2.0), (2, 1)), "vector", None),
        (Tensor((1.0, 2.0, 3.0, 4.0), (2, 2)), "matrix", None),
        (Shape((126, 126, 1)), "shape", OcrForm.SHAPE),
        (Expression(sympy.Symbol("w") * 2), "expression", OcrForm.EXPRESSION),
        (Choice("No", ("Yes", "No")), "choice", None),
        (KeywordSet((("one-hot",),)), "keywords", None),
    ],
)
def test_each_value_is_claimed_by_its_kind(value, name, form):
    kind = kind_for(value)
    assert kind.name == name
    assert kind.ocr_form(value) == form
    assert kind.display(value)
    assert kind.latex(value)


@pytest.mark.parametrize(
    ("kind", "literal", "shown"),
    [
        ("number", "1.5", "1.5"),
        ("integer", 1949, "1949"),
        ("vector", [-8, -4], "[-8, -4]"),
        ("matrix", [[1, 2], [3, 4]], "[[1, 2], [3, 4]]"),
        ("shape", [126, 126, 1], "126 x 126 x 1"),
        ("choice", "No", "No"),
        ("keywords", [["one-hot", "one hot"]], "one-hot"),
    ],
)
def test_each_literal_kind_round_trips_through_a_key(kind, literal, shown):
    assert kind in literal_names()
    import yaml

    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": "k"},
        "questions": [
            {"number": 1, "points": 1, "parts": [{"points": 1, "answer": {kind: literal}}]}
        ],
    }
    key = parse_key(yaml.safe_dump(data))
    assert parse_key(export_key(key)) == key
    spec = key.parts()[0].targets[0].answer
    assert isinstance(spec, LiteralAnswer)
    assert get(kind).display(literal_value(spec)) == shown


def test_a_field_of_another_kind_is_reported_with_the_kinds_that_take_it():
    text = """
format: 1
key_version: 1
exam: {id: k}
questions:
  - number: 1
    points: 1
    parts:
      - points: 1
        answer: {integer: 3, unit: cm}
"""
    from autocheck.keys import KeyFormatError

    with pytest.raises(KeyFormatError, match="unit: only meaningful for a number"):
        parse_key(text)


def test_verdicts_are_one_enum_shared_with_the_answer_model():
    from exams.models import Answer

    assert set(Answer.Verdict.values) == {"pending", *(o.value for o in Outcome)}
    for outcome in Outcome:
        assert Answer.Verdict(outcome.value).label == outcome.label
