"""``expression``: a symbolic answer (``0.98 w``, ``(f - y) f'(g) x^T``) judged by equivalence.

Key: ``answer: {expression: '\\frac{\\sigma}{\\sqrt{2}}'}``. Equivalence is decided by numeric
spot-checks at random points, never by ``simplify`` in the checking thread (bounded in any
thread). A symbol the key does not use makes the answer unreadable (a typo and another
quantity cannot be told apart), never wrong.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import sympy
from solvers.values import Expression

from autocheck.extract import Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, OcrForm, Reading, register
from autocheck.mathparse import Unreadable, parse_latex, to_float
from autocheck.normalise import normalise
from autocheck.outcome import Comparison, Diagnosis, Read

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


def expression_diagnosis(expected: sympy.Expr, got: sympy.Expr) -> Diagnosis | None:
    """Sign flipped, a constant factor off (``0.99 w`` for ``0.98 w``), or a constant
    term off: each offered only when ``c * expected`` (or ``expected + c``) equals the
    student's expression at every test point."""
    names = sorted({str(x) for x in expected.free_symbols | got.free_symbols})
    if not names or {str(x) for x in got.free_symbols} - {str(x) for x in expected.free_symbols}:
        return None
    rng = random.Random(1509)
    pairs = []
    for _ in range(SPOT_POINTS * 3):
        point = {n: sympy.Float(rng.uniform(0.3, 2.7), 15) for n in names}
        try:
            a = to_float(expected.subs({x: point[str(x)] for x in expected.free_symbols}))
            b = to_float(got.subs({x: point[str(x)] for x in got.free_symbols}))
        except Unreadable:
            continue
        pairs.append((a, b))
        if len(pairs) >= SPOT_POINTS:
            break
    if len(pairs) < SPOT_POINTS:
        return None
    if all(abs(a) > 1e-12 for a, _ in pairs):
        ratios = [b / a for a, b in pairs]
        c = ratios[0]
        if all(abs(r - c) <= 1e-8 * max(1.0, abs(c)) for r in ratios) and abs(c - 1) > 1e-8:
            if abs(c + 1) <= 1e-8:
                return Diagnosis("sign", "your expression has the opposite sign")
            return Diagnosis(
                "factor",
                f"your expression is {c:.6g} times the right one: check its constant factor",
                0.0,
                f"{c:.6g} \\cdot ({sympy.latex(expected)})",
            )
    shifts = [b - a for a, b in pairs]
    d = shifts[0]
    if all(abs(s - d) <= 1e-8 * max(1.0, abs(d)) for s in shifts) and abs(d) > 1e-8:
        return Diagnosis(
            "constant_term",
            f"your expression differs from the right one by the constant {d:.6g}",
            0.0,
            f"{sympy.latex(expected)} + {d:.6g}",
        )
    return None


def read_expression(text: str, log_base: str) -> sympy.Expr:
    """Parse one LaTeX expression (``Unreadable`` when it is not one)."""
    expr = parse_latex(normalise(text, kind="expression", log_base=log_base))
    if not isinstance(expr, sympy.Expr):
        raise Unreadable("not an expression")
    return expr


@register
class ExpressionKind(Kind):
    name = "expression"
    value_type = Expression

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.text(node, where)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Expression:
        expr = read_expression(str(spec.value), log_base)
        return Expression(expr, tuple(sorted(str(s) for s in expr.free_symbols)))

    def looks_like(self, s: str) -> bool:
        return bool(s.strip()) and "\\begin{" not in s

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=False)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return Read(self.name, read_expression(text, reading.log_base), text)

    def compare(
        self, expected: Expression, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_expression(expected.expr, got.value)

    def diagnose(
        self, expected: Expression, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind != self.name:
            return None
        return expression_diagnosis(expected.expr, got.value)

    def ocr_form(self, value: Expression) -> OcrForm:
        return OcrForm.EXPRESSION
