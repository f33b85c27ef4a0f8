"""Guarded parsing: values, digits written, and refusals before SymPy evaluates anything."""

from __future__ import annotations

import pytest

from autocheck.mathparse import (
    TooComplex,
    Unreadable,
    parse_latex,
    parse_number,
    parse_shape,
    parse_tensor,
)


@pytest.mark.parametrize(
    ("text", "value", "last_place"),
    [
        ("1.204", 1.204, -3),
        ("20", 20.0, 0),
        ("-0.5", -0.5, -1),
        ("1.2e-3", 0.0012, -4),
        (".5", 0.5, -1),
        (r"\frac{40000}{200}", 200.0, None),
        (r"-\ln 0.3", 1.2039728043259361, None),
        (r"\sqrt{2}", 2**0.5, None),
        (r"e^{0.02}", 1.0202013400267558, None),
        (r"\ln 9", 2.1972245773362196, None),
    ],
)
def test_parse_number(text: str, value: float, last_place: int | None):
    parsed = parse_number(text)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.last_place == last_place


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("10^{10^{10}}", TooComplex),
        ("2^{100000}", TooComplex),
        ("x^{", Unreadable),
        (r"\ln a \cdot 4", Unreadable),
        (r"\frac{1}{0}", Unreadable),
        ("1" * 500, TooComplex),
        ("{" * 30 + "1" + "}" * 30, TooComplex),
        (r"\text{ReLU}(3)", Unreadable),
    ],
)
def test_refusals_are_unreadable_not_wrong(text: str, error: type[Exception]):
    with pytest.raises(error):
        parse_number(text)


def test_parses_are_cached_by_string():
    parse_latex(r"\frac{3}{7}")
    hits = parse_latex.cache_info().hits
    parse_latex(r"\frac{3}{7}")
    assert parse_latex.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    ("text", "values", "shape"),
    [
        ("(2, 2)", (2.0, 2.0), (2,)),
        ("[8, 4]", (8.0, 4.0), (2,)),
        ("[[1, 2], [3, 4]]", (1.0, 2.0, 3.0, 4.0), (2, 2)),
        ("[ [ 1 , 2 ] , [ 3 , 4 ] ]", (1.0, 2.0, 3.0, 4.0), (2, 2)),  # spaced, as written
        ("( ( 1, 2 ), ( 3, 4 ) )", (1.0, 2.0, 3.0, 4.0), (2, 2)),
        (r"\begin{pmatrix} 8 \\ 4 \end{pmatrix}", (8.0, 4.0), (2,)),
        (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", (1.0, 2.0, 3.0, 4.0), (2, 2)),
        (r"2 \begin{pmatrix} 4 \\ 2 \end{pmatrix}", (8.0, 4.0), (2,)),
        (
            r"\begin{bmatrix} 0.5 & 0.5 \\ 0.5 & 0.5 \end{bmatrix} \begin{pmatrix} 1 \\ 3 \end{pmatrix}",
            (2.0, 2.0),
            (2,),
        ),
    ],
)
def test_parse_tensor(text: str, values: tuple[float, ...], shape: tuple[int, ...]):
    assert parse_tensor(text) == (values, shape)


@pytest.mark.parametrize(
    ("text", "dims"),
    [
        (r"126 \times 126 \times 1", (126, 126, 1)),
        ("126x126x1", (126, 126, 1)),
        ("(3, 3, 1, 1)", (3, 3, 1, 1)),
        ("2808 × 33 × 64", (2808, 33, 64)),
    ],
)
def test_parse_shape(text: str, dims: tuple[int, ...]):
    assert parse_shape(text) == dims


def test_shape_rejects_prose():
    with pytest.raises(Unreadable):
        parse_shape("about 126 wide")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10^{399} - 10^{399}", 0.0),  # plain evalf loses this cancellation
        ("1 + 10^{20} - 10^{20}", 1.0),
        (r"\binom{5}{2}", 10.0),
    ],
)
def test_evaluation_is_exact_where_floats_cancel(text: str, value: float):
    assert parse_number(text).value == value


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (r"\binom{10^{9}}{10^{5}}", TooComplex, "binomial too large to evaluate"),
        ("(10^{200})!", TooComplex, "factorial too large to evaluate"),
        (r"e^{e^{e^{10}}}", Unreadable, "not a finite real number"),
    ],
)
def test_huge_evaluations_are_refused_with_their_reason(
    text: str, error: type[Unreadable], message: str
):
    # What a refusal costs is measured by `python -m bench.hostile` (docs/reliability.md).
    with pytest.raises(error) as info:
        parse_number(text)
    assert type(info.value) is error
    assert str(info.value) == message
