"""Typed comparators as tables: the expected value's type decides the rule."""

from __future__ import annotations

import math

import pytest
import sympy

from autocheck.compare import compare, compare_number, kind_of, read, sig_figs
from autocheck.keys import DEFAULT_TOLERANCE, FrozenMap, PredicateAnswer, Tolerance, predicate_value
from autocheck.kinds.choice import compare_choice
from autocheck.kinds.expression import compare_expression
from autocheck.kinds.keywords import compare_keywords
from autocheck.kinds.predicate import compare_predicate
from autocheck.kinds.shape import compare_shape
from autocheck.kinds.tensor import compare_tensor
from autocheck.mathparse import Unreadable, parse_number
from solvers.values import Choice, Expression, Integer, KeywordSet, Number, Shape, Tensor

TOL = DEFAULT_TOLERANCE


@pytest.mark.parametrize(
    ("expected", "written", "equal", "code"),
    [
        (1.20397, "1.204", True, "within_tolerance"),
        (1.20397, "1.2", True, "within_tolerance"),
        (1.20397, "1.25", False, "not_equal"),
        (1.20397, r"-\ln 0.3", True, "within_tolerance"),
        (0.0549, "0.055", True, "within_tolerance"),
        (12.34, "12", True, "rounded"),  # 2.8% off, but right to the digits written
        (0.0549, "0.05", False, "not_equal"),  # one significant figure is not enough
        (1e-7, "2e-7", False, "not_equal"),  # no absolute-6-decimals trap
        (0.0, "0", True, "within_tolerance"),
        (0.0, "1e-7", True, "within_tolerance"),  # the default atol serves an expected 0
        (200.0, "201", True, "within_tolerance"),
    ],
)
def test_numbers(expected: float, written: str, equal: bool, code: str):
    result = compare_number(expected, parse_number(written), TOL)
    assert (result.equal, result.code) == (equal, code)


def test_student_digits_rule_with_a_tight_tolerance():
    tight = Tolerance(rtol=1e-6, atol=0.0, student_digits=True)
    assert compare_number(math.sqrt(2), parse_number("1.414"), tight).equal
    assert not compare_number(math.sqrt(2), parse_number("1.416"), tight).equal
    no_digits = Tolerance(rtol=1e-6, atol=0.0, student_digits=False)
    assert not compare_number(math.sqrt(2), parse_number("1.414"), no_digits).equal


def test_sig_figs_rule():
    tol = Tolerance(rtol=0.0, atol=0.0, sig_figs=3, student_digits=False)
    assert compare_number(0.916291, parse_number("0.916"), tol).equal
    assert not compare_number(0.916291, parse_number("0.92"), tol).equal


@pytest.mark.parametrize(
    ("text", "n"), [("1.204", 4), ("0.050", 2), ("200", 3), ("1.2e-3", 2), ("7", 1)]
)
def test_sig_figs_counted(text: str, n: int):
    assert sig_figs(text) == n


@pytest.mark.parametrize(
    ("text", "equal", "code"),
    [
        ("1949", True, "exact"),
        ("1,949", True, "exact"),
        ("1948", False, "not_equal"),
        ("1949.5", False, "not_integer"),
        (r"\frac{3898}{2}", True, "exact"),
    ],
)
def test_integers(text: str, equal: bool, code: str):
    result = compare(Integer(1949), read("integer", text), TOL)
    assert (result.equal, result.code) == (equal, code)


VEC = Tensor((-8.0, -4.0), (2,))
MAT = Tensor((1.0, 2.0, 3.0, 4.0, 5.0, 6.0), (2, 3))


@pytest.mark.parametrize(
    ("expected", "text", "equal", "score", "code"),
    [
        (VEC, "(-8, -4)", True, 1.0, "within_tolerance"),
        (VEC, r"\begin{pmatrix} -8 \\ -4 \end{pmatrix}", True, 1.0, "within_tolerance"),
        (VEC, "(-8, 4)", False, 0.5, "components_wrong"),
        (VEC, "(-8, -4, 0)", False, 0.0, "wrong_length"),
        (MAT, "[[1, 2, 3], [4, 5, 6]]", True, 1.0, "within_tolerance"),
        (MAT, "[[1, 4], [2, 5], [3, 6]]", False, 0.0, "transposed"),
    ],
)
def test_tensors(expected: Tensor, text: str, equal: bool, score: float, code: str):
    kind = kind_of(expected)
    result = compare(expected, read(kind, text), TOL)
    assert (result.equal, result.score, result.code) == (equal, score, code)


def test_vector_orientation_can_be_required():
    col = Tensor((1.0, 2.0), (2, 1))
    assert compare_tensor(col, (1.0, 2.0), (1, 2), TOL, {}).equal
    assert not compare_tensor(col, (1.0, 2.0), (1, 2), TOL, {"orientation_matters": True}).equal


def test_unordered_vectors():
    assert compare_tensor(VEC, (-4.0, -8.0), (2,), TOL, {"unordered": True}).equal
    assert not compare_tensor(VEC, (-4.0, -8.0), (2,), TOL, {}).equal


@pytest.mark.parametrize(
    ("dims", "equal", "code"),
    [
        ((126, 126, 1), True, "exact"),
        ((1, 126, 126), False, "permuted"),
        ((126, 126), False, "singleton_dims"),
        ((128, 128, 1), False, "not_equal"),
    ],
)
def test_shapes(dims: tuple[int, ...], equal: bool, code: str):
    result = compare_shape(Shape((126, 126, 1), "HWC"), dims)
    assert (result.equal, result.code) == (equal, code)


def test_a_shape_is_not_a_product():
    assert not compare_shape(Shape((2808, 33, 64)), (5930496,)).equal


S, K = sympy.symbols("sigma K_b", positive=True)


@pytest.mark.parametrize(
    ("student", "equal"),
    [
        (r"\frac{\sigma}{\sqrt{2 K_b}}", True),
        (r"\frac{\sigma \sqrt{2}}{2 \sqrt{K_b}}", True),
        (r"\frac{\sigma}{2 K_b}", False),
    ],
)
def test_expressions_by_spot_checks(student: str, equal: bool):
    expected = S / sympy.sqrt(2 * K)
    got = read("expression", student).value
    assert compare_expression(expected, got).equal is equal


def test_an_unknown_symbol_is_unreadable_not_wrong():
    with pytest.raises(Unreadable):
        compare_expression(S * 2, read("expression", r"2 \sigma + q").value)


def test_expression_type_via_compare():
    result = compare(Expression(S * 2), read("expression", r"\sigma + \sigma"), TOL)
    assert result.equal


@pytest.mark.parametrize(("given", "equal"), [("No", True), ("no", True), ("Yes", False)])
def test_choices(given: str, equal: bool):
    assert compare_choice(Choice("No", ("Yes", "No")), given).equal is equal


def test_keywords_partial_score():
    result = compare_keywords(KeywordSet((("one-hot",), ("softmax",))), ["x", None])
    assert (result.equal, result.score) == (False, 0.5)


def test_predicates():
    pred = predicate_value(
        PredicateAnswer(
            ("alpha", "beta"),
            (r"\beta = -\alpha/2", r"\alpha \neq 0"),
            FrozenMap({"alpha": 2, "beta": -1}),
        )
    )
    assert compare_predicate(pred, {"alpha": 4, "beta": -2}).equal
    assert not compare_predicate(pred, {"alpha": 0, "beta": 0}).equal
    with pytest.raises(Unreadable):
        compare_predicate(pred, {"alpha": 4})


def test_kind_of_number_types():
    assert kind_of(Number.of(3)) == "number"
    assert kind_of(Integer(3)) == "integer"


@pytest.mark.parametrize(
    ("expected", "written", "equal"),
    [(0.5, "50%", True), (50.0, "50\\%", True), (0.5, "5%", False)],
)
def test_percentages_accept_either_reading(expected: float, written: str, equal: bool):
    assert compare(Number.of(expected), read("number", written), TOL).equal is equal


@pytest.mark.parametrize(
    ("key", "student"),
    [
        ("W^T x", "W x"),  # the parser alone drops ^T
        ("W^{\\top} x", "x W"),
        ("(f - y) f'(g)", "(f - y) f(g)"),  # the parser alone drops the prime
    ],
)
def test_transposes_and_primes_are_never_silently_dropped(key: str, student: str):
    try:
        expected = read("expression", key).value
        result = compare_expression(expected, read("expression", student).value)
    except Unreadable:
        return  # a person looks at it: acceptable
    assert not result.equal


def test_transpose_is_kept_on_both_sides():
    expected = read("expression", "W^T x").value
    assert compare_expression(expected, read("expression", "W^{\\top} x").value).equal


@pytest.mark.parametrize(
    ("expected", "written", "equal"),
    [
        # Cases where math-verify 0.9.0's defaults judge differently (see docs/answer-keys.md).
        (1.2039728043259361, r"-\log 0.3", True),  # log is the natural log here
        (1.20397, "1.20", True),  # three significant figures written
    ],
)
def test_cases_math_verify_gets_wrong(expected: float, written: str, equal: bool):
    assert compare(Number.of(expected), read("number", written), TOL).equal is equal
