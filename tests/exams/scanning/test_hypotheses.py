"""The key's values as the hypotheses the reader checks, in the forms students write."""

from __future__ import annotations

import pytest

from exams.scanning.hypotheses import number_text, reading_plan
from exams.scanning.reading import written_forms
from solvers.values import Expression, Integer, Number, Shape, Tensor


def test_an_integer_brings_its_typical_wrong_values():
    kind, hyps = reading_plan(Integer(4960))
    assert kind == "integer"
    assert hyps[0].text == "4960"
    assert hyps[0].label == "expected"
    texts = {h.text for h in hyps}
    assert {"4961", "4959", "-4960", "9920", "2480"} <= texts
    assert len(texts) == len(hyps)


def test_a_real_number_is_written_with_at_most_four_decimals():
    kind, hyps = reading_plan(Number(1.3862944))
    assert kind == "decimal"
    assert hyps[0].text == "1.3863"
    assert "-1.3863" in {h.text for h in hyps}
    assert "0.6021" in {h.text for h in hyps}  # log base 10 instead of ln


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (Shape((62, 62, 16)), "shape", "62 x 62 x 16"),
        (Tensor.of([1.0, 2.5, -3.0]), "vector", "[1, 2.5, -3]"),
        (Tensor.of([[1.0, 2.0], [3.0, 4.5]]), "matrix", "[[1, 2], [3, 4.5]]"),
    ],
)
def test_shapes_and_tensors_are_written_as_the_key_expects(value, kind, text):
    got_kind, hyps = reading_plan(value)
    assert (got_kind, hyps[0].text) == (kind, text)


def test_a_symbolic_answer_has_no_hypotheses():
    import sympy

    assert reading_plan(Expression(sympy.Symbol("w"))) == ("expression", ())


def test_numbers_outside_the_charset_are_not_offered():
    assert number_text(1e-7) == ""
    assert number_text(-0.0) == "0"
    assert number_text(218058.0) == "218058"


@pytest.mark.parametrize(
    ("text", "segments", "some"),
    [
        ("0.50", 1, {"0.50", "0.5", ".5"}),
        ("1.3863", 1, {"1.3863", "1.386", "1.39", "1.4"}),
        ("62 x 62 x 16", 1, {"62x62x16", "(62,62,16)"}),
        ("[1, 2.5, -3]", 3, {"2.5", "-3"}),
        ("3/4", 2, {"3", "4"}),
        ("12.5%", 1, {"12.5%"}),
    ],
)
def test_written_forms(text, segments, some):
    forms = written_forms(text)
    assert len(forms) == segments
    assert some <= {f for seg in forms for f in seg}
