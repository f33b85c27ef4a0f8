"""The answer-kind registry: one kind per name, every expected value claimed by one kind,
and every literal kind written in a key read back equal."""

from __future__ import annotations

import time

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocheck.keys import LiteralAnswer, export_key, literal_value, parse_key
from autocheck.kinds import OcrForm, UnknownKind, all_kinds, get, kind_for, literal_names
from autocheck.outcome import Outcome
from solvers.values import Choice, Expression, Integer, KeywordSet, Number, Shape, Tensor

from .kinds.helpers import check


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


# --------------------------------------------------------------------------- any text, any kind

#: One literal answer of every literal kind (the test fails when a kind has none here).
SAMPLES = {
    "number": {"number": 1.204},
    "integer": {"integer": 1949},
    "vector": {"vector": [-8, -4]},
    "matrix": {"matrix": [[1, 2], [3, 4]]},
    "shape": {"shape": [126, 126, 1]},
    "expression": {"expression": r"0.98 w_i"},
    "choice": {"choice": "No", "options": ["Yes", "No"]},
    "keywords": {"keywords": [["one-hot", "one hot"]]},
    "set": {"set": [-2, 1]},
    "plus_minus": {"plus_minus": r"1 \pm \sqrt{19}"},
    "interval": {"interval": r"[0, 1) \cup (2, \infty)"},
    "relation": {"relation": r"-2 \le x \le 7"},
    "equation": {"equation": "2x + 4y - 3 = 0"},
    "percentage": {"percentage": 27.5},
    "quantity": {"quantity": "15 cm^2"},
    "multi_select": {"multi_select": ["A", "C"], "options": ["A", "B", "C", "D"]},
}

_TOKENS = [
    *"0123456789",
    ".", ",", " ", "-", "+", "=", "(", ")", "[", "]", "{", "}", "$", "%", "^", "_", "/", "\n",
    r"\frac", r"\sqrt", r"\pm", r"\{", r"\}", r"\cup", r"\le", r"\ge", r"\neq", r"\infty",
    r"\boxed{", r"\text{", r"\times", r"\cdot", r"\left(", r"\right)", r"\(", r"\)", r"\[",
    r"\]", r"\begin{pmatrix}", r"\end{pmatrix}", "&", r"\\", r"\log", r"\ln", "e", "E", "x",
    "y", "w_i", "cm", "m/s", "^\\circ", "A", "C", "No", "and", "or", " is ", "Answer: ",
    "10^{", "1,204", "1 000", "{,}", r"\,", "^T", r"\to", "≈", "±", "²",
]  # fmt: skip
_LATEXY = st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join)


def test_every_literal_kind_has_a_sample():
    assert set(literal_names()) == set(SAMPLES)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(SAMPLES)), text=st.one_of(st.text(max_size=200), _LATEXY))
def test_any_text_in_any_kind_gives_a_verdict_in_bounded_time(kind: str, text: str):
    start = time.perf_counter()
    verdict = check(SAMPLES[kind], text)
    assert verdict.verdict in {o.value for o in Outcome}
    assert time.perf_counter() - start < 5.0
    if verdict.verdict == "incorrect":
        assert verdict.confidence >= 0.5
