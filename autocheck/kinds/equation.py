"""``equation``: an equation judged by its solutions, so equal up to rearrangement and
scaling (``2x + 4y - 3 = 0`` and ``y = -\\frac{1}{2}x + \\frac{3}{4}``).

Key: ``answer: {equation: '2x + 4y - 3 = 0'}``. With ``f = lhs - rhs`` for each, the answer
is right when ``f_answer = c f_key`` for a constant ``c != 0`` (checked at random points, like
expressions), or else when both have the same solutions at sampled points (solving for one
variable as a polynomial). An expression where an equation was asked is right only when the
key reads ``y = ...`` and the expression is that side; otherwise it is not an equation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from autocheck.extract import Candidate, Extraction, extract_statements, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import KeyReader, Kind, Reading, Target, get, register
from autocheck.kinds.expression import compare_expression
from autocheck.mathparse import Unreadable, parse_latex, to_float
from autocheck.normalise import normalise
from autocheck.outcome import Comparison, Read

_PROSE_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{4,}")
POINTS = 8
SAMPLES = 6


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``."""

    lhs: sympy.Expr
    rhs: sympy.Expr
    written: str = ""

    def latex(self) -> str:
        return self.written or f"{sympy.latex(self.lhs)} = {sympy.latex(self.rhs)}"

    def display(self) -> str:
        return f"{sympy.sstr(self.lhs)} = {sympy.sstr(self.rhs)}"

    def fields(self) -> dict[str, Any]:
        return {"lhs": sympy.sstr(self.lhs), "rhs": sympy.sstr(self.rhs)}


def read_equation(text: str, log_base: str) -> Equation | sympy.Expr:
    """An equation (a chain ``a = b = c`` keeps its first and last sides), or the expression
    written where an equation was asked."""
    parsed = parse_latex(normalise(text, kind="expression", log_base=log_base))
    if isinstance(parsed, sympy.Equality):
        return Equation(parsed.lhs, parsed.rhs, text.strip())
    if isinstance(parsed, sympy.And) and all(isinstance(a, sympy.Equality) for a in parsed.args):
        first, last = parsed.args[0], parsed.args[-1]
        return Equation(first.lhs, last.rhs, text.strip())
    if isinstance(parsed, sympy.Expr):
        return parsed
    raise Unreadable("not an equation")


def _value(expr: sympy.Expr, point: Mapping[str, float]) -> float:
    return to_float(expr.subs({s: point[str(s)] for s in expr.free_symbols}))


def compare_equations(expected: Equation, got: Equation) -> Comparison:
    """Same solutions: proportional sides first, then solutions sampled on the key's."""
    f_e, f_g = expected.lhs - expected.rhs, got.lhs - got.rhs
    names_e = {str(s) for s in f_e.free_symbols}
    extra = {str(s) for s in f_g.free_symbols} - names_e
    if extra:
        raise Unreadable(f"unknown symbol(s): {', '.join(sorted(extra))}")
    names = sorted(names_e)
    rng = random.Random(1508)
    ratios: list[float] = []
    for _ in range(POINTS * 3):
        point = {n: rng.uniform(0.3, 2.7) for n in names}
        try:
            a, b = _value(f_e, point), _value(f_g, point)
        except Unreadable:
            continue
        if abs(a) < 1e-12 and abs(b) < 1e-12:
            continue
        if abs(a) < 1e-12 or abs(b) < 1e-12:
            ratios = []
            break
        ratios.append(b / a)
        if len(ratios) >= POINTS:
            break
    if len(ratios) >= POINTS and all(abs(r - ratios[0]) <= 1e-8 * abs(ratios[0]) for r in ratios):
        return Comparison(True, 1.0, "proportional", "the same equation, rearranged or scaled")
    same = _same_solutions(f_e, f_g, names, rng)
    if same is None:
        return Comparison(False, 0.0, "undecided", "could not compare the solutions", unsure=True)
    if same:
        return Comparison(True, 1.0, "same_solutions", "the same solutions at sampled points")
    return Comparison(False, 0.0, "not_equivalent", "the equations have other solutions")


def _same_solutions(
    f_e: sympy.Expr, f_g: sympy.Expr, names: list[str], rng: random.Random
) -> bool | None:
    """Solve each equation for one variable at random values of the others and test the
    other equation there, both ways; ``None`` when neither can be sampled."""
    checked = 0
    for f, other in ((f_e, f_g), (f_g, f_e)):
        scale = _scale(other, names, rng)
        for point in _solutions(f, names, rng):
            try:
                v = _value(other, point)
            except Unreadable:
                continue
            if abs(v) > 1e-6 * max(scale, 1e-12):
                return False
            checked += 1
    return True if checked >= 2 else None


def _scale(f: sympy.Expr, names: list[str], rng: random.Random) -> float:
    vals = []
    for _ in range(5):
        try:
            vals.append(abs(_value(f, {n: rng.uniform(0.3, 2.7) for n in names})))
        except Unreadable:
            continue
    return max(vals, default=1.0)


def _solutions(f: sympy.Expr, names: list[str], rng: random.Random) -> list[dict[str, float]]:
    """Points where ``f = 0``: the real roots in one variable that is polynomial in ``f``."""
    symbols = {str(s): s for s in f.free_symbols}
    for name in names:
        x = symbols.get(name)
        if x is None:
            continue
        out = []
        for _ in range(SAMPLES):
            others = {n: rng.uniform(0.3, 2.7) for n in names if n != name}
            g = f.subs({symbols[n]: v for n, v in others.items() if n in symbols})
            try:
                poly = sympy.Poly(sympy.together(g).as_numer_denom()[0], x)
            except (sympy.PolynomialError, sympy.GeneratorsNeeded):
                break
            if poly.degree() < 1 or poly.degree() > 6:
                break
            coeffs = [complex(c) for c in poly.all_coeffs()]
            for root in np.roots(coeffs):
                if abs(root.imag) < 1e-9:
                    out.append({**others, name: float(root.real)})
        if out:
            return out
    return []


@register
class EquationKind(Kind):
    name = "equation"
    value_type = Equation
    carries = False

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.text(node, where)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Equation:
        eq = read_equation(str(spec.value), log_base)
        if not isinstance(eq, Equation):
            raise ValueError("an equation needs one '='")
        return Equation(eq.lhs, eq.rhs, str(spec.value))

    def looks_like(self, s: str) -> bool:
        return "=" in s and "\\begin{" not in s and not _PROSE_WORD_RE.search(s)

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        found = extract_statements(text, self)
        if found.chosen is None:  # no equation: an expression may still be the "y = ..." side
            return extract_statements(text, get("expression"))
        return found

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=False)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return Read(self.name, read_equation(text, reading.log_base), text)

    def compare(
        self, expected: Equation, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        if isinstance(got.value, Equation):
            return compare_equations(expected, got.value)
        # An expression where an equation was asked: right only as the key's "y = ..." side.
        for side, other in ((expected.lhs, expected.rhs), (expected.rhs, expected.lhs)):
            if isinstance(side, sympy.Symbol) and side not in other.free_symbols:
                if str(side) in {str(s) for s in got.value.free_symbols}:
                    break
                cmp = compare_expression(other, got.value)
                if cmp.equal:
                    return Comparison(True, 1.0, "solved_side", f"the value of {side}")
        return Comparison(False, 0.0, "not_equation", "an expression where an equation was asked")
