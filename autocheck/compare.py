"""Typed comparators: the expected value's type picks the comparison, never the string.

- counts (:class:`Integer`) exactly;
- reals (:class:`Number`) with a relative/absolute tolerance (default rtol 1e-2, atol 1e-6)
  *or* the significant-figure rule: an answer within half a unit of the last digit the
  student wrote is right (PrairieLearn), provided they wrote at least two significant
  figures (so ``1`` is not accepted for 1.204);
- vectors and matrices component-wise, with the fraction of right components as partial
  score; a transposed matrix is recognised;
- shapes as tuples: a permutation is reported as a convention question, not as equal;
- expressions by numeric spot-checks at random points (never ``simplify`` in this thread);
- choices, keyword sets and predicates by their own rules.

Reading the student's text into a value raises :class:`~autocheck.mathparse.Unreadable`
when it cannot be read; that is a ``needs_review``, not a wrong answer.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy
from solvers.values import (
    Choice,
    Expression,
    Integer,
    KeywordSet,
    Number,
    Predicate,
    Shape,
    Tensor,
    Value,
)

from autocheck.keys import Tolerance
from autocheck.mathparse import (
    ParsedNumber,
    Unreadable,
    parse_latex,
    parse_number,
    parse_shape,
    parse_tensor,
    to_float,
)
from autocheck.normalise import normalise

MIN_SIG_FIGS = 2
DEFAULT_ATOL = 1e-6


def kind_of(value: Value) -> str:
    """The answer kind the extractor and reader use for an expected value."""
    if isinstance(value, Integer):
        return "integer"
    if isinstance(value, Number):
        return "number"
    if isinstance(value, Tensor):
        return "vector" if len(value.shape) == 1 or 1 in value.shape else "matrix"
    if isinstance(value, Shape):
        return "shape"
    if isinstance(value, Expression):
        return "expression"
    if isinstance(value, Choice):
        return "choice"
    if isinstance(value, KeywordSet):
        return "keywords"
    if isinstance(value, Predicate):
        return "predicate"
    raise TypeError(f"no comparator for {type(value).__name__}")


@dataclass(frozen=True)
class Read:
    """A student's answer read into a value of ``kind``.

    ``value``: float (number/integer), ``(values, shape)`` (vector/matrix), ``tuple[int]``
    (shape), SymPy expression, option name (choice), found keyword groups, or a mapping of
    variable values (predicate). ``number`` keeps the written digits of a single number.
    """

    kind: str
    value: Any
    text: str
    number: ParsedNumber | None = None


def read(kind: str, text: str, *, log_base: str = "e") -> Read:
    """Read ``text`` (one extracted candidate) as a value of ``kind``."""
    norm = normalise(text, kind=kind, log_base=log_base)
    if kind in ("number", "integer"):
        parsed = parse_number(norm)
        return Read(kind, parsed.value, text, parsed)
    if kind in ("vector", "matrix"):
        return Read(kind, parse_tensor(norm), text)
    if kind == "shape":
        return Read(kind, parse_shape(norm), text)
    if kind == "expression":
        expr = parse_latex(norm)
        if not isinstance(expr, sympy.Expr):
            raise Unreadable("not an expression")
        return Read(kind, expr, text)
    raise ValueError(f"read() does not handle {kind!r}")


@dataclass(frozen=True)
class Comparison:
    """``equal`` overall; ``score`` in [0, 1] (partial credit for components); ``code`` says
    how it was decided (``within_tolerance``, ``rounded``, ``permuted``, ``transposed``...)."""

    equal: bool
    score: float
    code: str
    detail: str = ""


def sig_figs(text: str) -> int:
    """Significant figures the student wrote in a plain decimal (trailing zeros of an
    integer count: ``200`` has 3)."""
    m = re.search(r"(\d+(?:\.\d*)?|\.\d+)", text)
    if not m:
        return 0
    digits = m.group(1).replace(".", "").lstrip("0")
    return len(digits) or 1


def compare_number(expected: float, student: ParsedNumber | float, tol: Tolerance) -> Comparison:
    """Real numbers: tolerance, or the student's own written precision, or ``sig_figs``.

    A percentage (``50%``) is right if either 50 or 0.5 is: whether the key counts in percent
    is the key's business, not a reason to mark the student wrong.
    """
    if isinstance(student, ParsedNumber) and student.percent:
        as_written = replace(student, percent=False)
        first = compare_number(expected, as_written, tol)
        if first.equal:
            return first
        scaled = replace(as_written, value=as_written.value / 100, last_place=None)
        return compare_number(expected, scaled, tol)
    s = student.value if isinstance(student, ParsedNumber) else float(student)
    e = float(expected)
    diff = abs(s - e)
    rtol = 1e-2 if tol.rtol is None else tol.rtol
    # The default absolute tolerance only serves an expected 0 (where a relative one cannot);
    # elsewhere it would make 1e-7 equal 2e-7. A key's explicit atol is used as written.
    atol = tol.atol if tol.atol is not None else (DEFAULT_ATOL if e == 0 else 0.0)
    if diff <= atol + rtol * abs(e):
        return Comparison(True, 1.0, "within_tolerance")
    if tol.sig_figs and e != 0:
        unit = 10.0 ** (math.floor(math.log10(abs(e))) - tol.sig_figs + 1)
        if diff <= 0.5 * unit * (1 + 1e-9):
            return Comparison(True, 1.0, "sig_figs", f"equal to {tol.sig_figs} significant figures")
    if (
        isinstance(student, ParsedNumber)
        and student.last_place is not None
        and tol.student_digits is not False
        and sig_figs(student.text) >= max(MIN_SIG_FIGS, tol.sig_figs or 0)
        and diff <= 0.5 * 10.0**student.last_place * (1 + 1e-9)
    ):
        return Comparison(True, 1.0, "rounded", "correct to the digits written")
    return Comparison(False, 0.0, "not_equal", f"{s:.6g} differs from {e:.6g}")


def compare(
    expected: Value, got: Read, tol: Tolerance, *, flags: Mapping[str, Any] | None = None
) -> Comparison:
    """Compare a read student value with the expected value of the same kind."""
    flags = flags or {}
    if isinstance(expected, Integer):
        assert got.number is not None
        if abs(got.value - round(got.value)) > 1e-9:
            return Comparison(False, 0.0, "not_integer", f"{got.value:g} is not a whole number")
        ok = round(got.value) == expected.value
        return Comparison(ok, float(ok), "exact" if ok else "not_equal")
    if isinstance(expected, Number):
        assert got.number is not None
        return compare_number(expected.value, got.number, tol)
    if isinstance(expected, Tensor):
        values, shape = got.value
        return compare_tensor(expected, tuple(values), tuple(shape), tol, flags)
    if isinstance(expected, Shape):
        return compare_shape(expected, tuple(got.value))
    if isinstance(expected, Expression):
        return compare_expression(expected.expr, got.value)
    raise TypeError(f"compare() does not handle {type(expected).__name__}")


def compare_tensor(
    expected: Tensor,
    values: Sequence[float],
    shape: tuple[int, ...],
    tol: Tolerance,
    flags: Mapping[str, Any],
) -> Comparison:
    """Component-wise; vectors of either orientation agree unless ``orientation_matters``."""
    exp_shape = expected.shape
    is_vec = len(exp_shape) == 1 or 1 in exp_shape
    got_vec = len(shape) == 1 or 1 in shape
    if (is_vec and got_vec and not flags.get("orientation_matters")) or tuple(exp_shape) == tuple(
        shape
    ):
        exp_vals, got_vals = list(expected.values), list(values)
    elif len(exp_shape) == 2 and tuple(shape) == (exp_shape[1], exp_shape[0]):
        t = [values[c * exp_shape[0] + r] for r in range(exp_shape[0]) for c in range(exp_shape[1])]
        inner = compare_tensor(expected, t, exp_shape, tol, flags)
        return Comparison(
            False,
            0.0,
            "transposed" if inner.equal else "wrong_shape",
            f"shape {shape} where {exp_shape} was expected",
        )
    else:
        return Comparison(
            False, 0.0, "wrong_shape", f"shape {shape} where {exp_shape} was expected"
        )
    if len(exp_vals) != len(got_vals):
        return Comparison(
            False,
            0.0,
            "wrong_length",
            f"{len(got_vals)} components where {len(exp_vals)} were expected",
        )
    if flags.get("unordered"):
        exp_vals, got_vals = sorted(exp_vals), sorted(got_vals)
    results = [compare_number(e, g, tol).equal for e, g in zip(exp_vals, got_vals, strict=True)]
    right = sum(results)
    score = right / len(results)
    if right == len(results):
        return Comparison(True, 1.0, "within_tolerance")
    wrong = [i + 1 for i, ok in enumerate(results) if not ok]
    return Comparison(False, score, "components_wrong", f"component(s) {wrong} differ")


def compare_shape(expected: Shape, dims: tuple[int, ...]) -> Comparison:
    if tuple(expected.dims) == dims:
        return Comparison(True, 1.0, "exact")
    squeeze_e = tuple(d for d in expected.dims if d != 1)
    squeeze_g = tuple(d for d in dims if d != 1)
    if sorted(expected.dims) == sorted(dims):
        conv = f" (the key uses {expected.convention})" if expected.convention else ""
        return Comparison(False, 0.0, "permuted", f"same dimensions in another order{conv}")
    if squeeze_e == squeeze_g:
        return Comparison(False, 0.0, "singleton_dims", "only size-1 dimensions differ")
    return Comparison(False, 0.0, "not_equal")


SPOT_POINTS = 6


def compare_expression(expected: sympy.Expr, got: sympy.Expr) -> Comparison:
    """Numeric spot-check at random points; a student symbol unknown to the key is
    unreadable (we cannot tell a typo from a different quantity)."""
    # Symbols are matched by name: a key's symbol may carry assumptions (positive=True)
    # that a parsed student symbol does not.
    exp_names = {str(x) for x in expected.free_symbols}
    extra = {str(x) for x in got.free_symbols} - exp_names
    if extra:
        raise Unreadable(f"unknown symbol(s): {', '.join(sorted(extra))}")
    names = sorted(exp_names)
    rng = random.Random(1508)
    agree = 0
    for _ in range(SPOT_POINTS * 3):
        point = {n: sympy.Float(rng.uniform(0.3, 2.7), 15) for n in names}
        try:
            a = to_float(expected.subs({x: point[str(x)] for x in expected.free_symbols}))
            b = to_float(got.subs({x: point[str(x)] for x in got.free_symbols}))
        except Unreadable:
            continue  # outside a domain (log of a negative...): try another point
        if abs(a - b) > 1e-8 * max(1.0, abs(a)):
            return Comparison(False, 0.0, "not_equal", "differs at a test point")
        agree += 1
        if agree >= SPOT_POINTS or not names:
            return Comparison(True, 1.0, "equivalent", f"agrees at {agree} random points")
    raise Unreadable("could not evaluate the expression at enough points")


def compare_choice(expected: Choice, option: str) -> Comparison:
    ok = option.strip().lower() == expected.value.strip().lower()
    return Comparison(ok, float(ok), "exact" if ok else "not_equal")


def compare_keywords(expected: KeywordSet, found: Sequence[object | None]) -> Comparison:
    have = sum(f is not None for f in found)
    total = len(expected.required)
    if have == total:
        return Comparison(True, 1.0, "all_keywords")
    missing = [g[0] for g, f in zip(expected.required, found, strict=True) if f is None]
    return Comparison(False, have / total, "keywords_missing", "missing: " + ", ".join(missing))


def compare_predicate(expected: Predicate, values: Mapping[str, float]) -> Comparison:
    missing = [v for v in expected.variables if v not in values]
    if missing:
        raise Unreadable(f"no value found for {', '.join(missing)}")
    ok = expected.check(values)
    return Comparison(ok, float(ok), "satisfies" if ok else "violates", expected.description)
