"""``interval``: a set of reals written as intervals, ``[0, 1)``, ``(-\\infty, -3] \\cup [2,
\\infty)``, ``\\{-1\\} \\cup [0, 7)``.

Key: ``answer: {interval: '[0, 1)'}``. A student may write the same set as intervals (in any
order, touching pieces joined), with ``x \\in``, or as the inequality that describes it
(``-2 \\le x \\le 7`` for ``[-2, 7]``). Endpoints are compared as numbers (tolerance and the
digits written), brackets exactly. Diagnoses: the right endpoints with an endpoint included
where it is excluded (or the reverse), the endpoints in the wrong order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import sympy
from sympy.solvers.inequalities import solve_rational_inequalities

from autocheck.compare import compare_number
from autocheck.extract import (
    Candidate,
    Extraction,
    extract_statements,
    join_math_spans,
    math_candidates,
)
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, Target, register
from autocheck.kinds.number import read_number
from autocheck.mathparse import ParsedNumber, Unreadable, parse_latex, to_float
from autocheck.normalise import normalise, unbox
from autocheck.outcome import Comparison, Diagnosis, Read

MAX_PIECES = 20
_INF = ("\\infty", "∞", "inf", "infty", "\\inf")


@dataclass(frozen=True)
class Endpoint:
    """One end of a piece: a number as written (``None`` for an infinite end)."""

    value: float
    number: ParsedNumber | None = None

    @property
    def infinite(self) -> bool:
        return math.isinf(self.value)


@dataclass(frozen=True)
class Piece:
    """``lo .. hi`` with each end included (``[``) or not (``(``); a single point when
    ``lo == hi`` and both are included."""

    lo: Endpoint
    hi: Endpoint
    lo_closed: bool
    hi_closed: bool

    def latex(self) -> str:
        if self.lo.value == self.hi.value:
            return r"\{" + _num_latex(self.lo) + r"\}"
        return (
            ("[" if self.lo_closed else "(")
            + _num_latex(self.lo)
            + ", "
            + _num_latex(self.hi)
            + ("]" if self.hi_closed else ")")
        )


def _num_latex(e: Endpoint) -> str:
    if e.infinite:
        return r"\infty" if e.value > 0 else r"-\infty"
    return f"{e.value:.6g}"


@dataclass(frozen=True)
class IntervalSet:
    """A union of disjoint pieces, in increasing order."""

    pieces: tuple[Piece, ...]
    written: str = ""
    #: The variable of the inequality it was read from (``""`` when written as intervals).
    variable: str = ""

    def latex(self) -> str:
        return self.written or r" \cup ".join(p.latex() for p in self.pieces) or r"\emptyset"

    def display(self) -> str:
        shown = " ∪ ".join(p.latex() for p in self.pieces) or "∅"
        return shown.replace(r"\infty", "∞").replace(r"\{", "{").replace(r"\}", "}")

    def fields(self) -> dict[str, Any]:
        return {"pieces": [[p.lo.value, p.hi.value, p.lo_closed, p.hi_closed] for p in self.pieces]}


def canonical(pieces: Sequence[Piece]) -> tuple[Piece, ...]:
    """Sorted, with touching or overlapping pieces joined (``[0, 1) \\cup [1, 2]`` is
    ``[0, 2]``)."""
    order = sorted(pieces, key=lambda p: (p.lo.value, not p.lo_closed))
    out: list[Piece] = []
    for p in order:
        if out:
            last = out[-1]
            touch = p.lo.value < last.hi.value or (
                p.lo.value == last.hi.value and (p.lo_closed or last.hi_closed)
            )
            if touch:
                if p.hi.value > last.hi.value or (p.hi.value == last.hi.value and p.hi_closed):
                    out[-1] = Piece(last.lo, p.hi, last.lo_closed, p.hi_closed)
                continue
        out.append(p)
    return tuple(out)


# --------------------------------------------------------------------------- reading

_CUP_RE = re.compile(r"\\cup|∪|(?<![A-Za-z\\])U(?![A-Za-z])")
_PIECE_RE = re.compile(r"^\s*([\[(])\s*(.+?)\s*,\s*(.+?)\s*([\])])\s*$", re.S)
_POINTS_RE = re.compile(r"^\s*\\?\{(.*?)\\?\}\s*$", re.S)
_IN_RE = re.compile(r"^.*?(?:\\in|∈)\s*", re.S)
_RELATION_RE = re.compile(r"\\[lg]eq?\b|\\[lg]t\b|[<>≤≥]|\\neq\b|!=|\\ne\b")


def _endpoint(text: str, reading: Reading) -> Endpoint:
    t = text.strip().replace(" ", "")
    sign = -1.0 if t.startswith("-") else 1.0
    if t.lstrip("+-") in _INF:
        return Endpoint(sign * math.inf)
    got = read_number("number", text, reading)
    return Endpoint(float(got.value), got.number)


def _clean(text: str) -> str:
    s = unbox(text).replace("$", " ")
    s = re.sub(r"\\(?:left|right|big|Big)\b\s*", "", s)
    s = re.sub(r"\\[()\[\]]", " ", s)
    s = re.sub(r"\\[,;!: ]|\\q?quad\b", " ", s)
    return s.strip().rstrip(".").strip()


_NAMED_RE = re.compile(r"(?<![<>!=\\])=(?!=)")
_OR_RE = re.compile(r"\\text\s*\{\s*or\s*\}|(?<![\w\\])or(?![\w])|\\lor\b|\\vee\b|∨")
_AND_RE = re.compile(r"\\text\s*\{\s*and\s*\}|(?<![\w\\])and(?![\w])|\\land\b|\\wedge\b|∧")


def read_intervals(text: str, reading: Reading) -> IntervalSet:
    """Read intervals and point sets joined by ``\\cup``, or an inequality in one
    variable; statements joined by "or" are a union, by "and" an intersection;
    ``Unreadable`` otherwise."""
    s = _clean(text)
    for joiner, combine in ((_OR_RE, _union), (_AND_RE, _intersection)):
        parts = [p for p in joiner.split(s) if p.strip(" ,")]
        if len(parts) > 1:
            sets = [read_intervals(p.strip(" ,"), reading) for p in parts[:MAX_PIECES]]
            variables = {x.variable for x in sets if x.variable}
            if len(variables) > 1:
                raise Unreadable("statements about different variables")
            return IntervalSet(combine(sets), text.strip(), next(iter(variables), ""))
    return _read_one(s, reading)


def _union(sets: Sequence[IntervalSet]) -> tuple[Piece, ...]:
    return canonical([p for x in sets for p in x.pieces])


def _intersection(sets: Sequence[IntervalSet]) -> tuple[Piece, ...]:
    pieces = list(sets[0].pieces)
    for other in sets[1:]:
        out = []
        for a in pieces:
            for b in other.pieces:
                cut = _cut(a, b)
                if cut is not None:
                    out.append(cut)
        pieces = out
    return canonical(pieces)


def _cut(a: Piece, b: Piece) -> Piece | None:
    """The overlap of two pieces, or None."""
    lo_a = (a.lo.value, not a.lo_closed)
    lo_b = (b.lo.value, not b.lo_closed)
    lo, lo_closed = (a.lo, a.lo_closed) if lo_a >= lo_b else (b.lo, b.lo_closed)
    hi_a = (a.hi.value, a.hi_closed)
    hi_b = (b.hi.value, b.hi_closed)
    hi, hi_closed = (a.hi, a.hi_closed) if hi_a <= hi_b else (b.hi, b.hi_closed)
    if lo.value > hi.value or (lo.value == hi.value and not (lo_closed and hi_closed)):
        return None
    return Piece(lo, hi, lo_closed, hi_closed)


def _read_one(s: str, reading: Reading) -> IntervalSet:
    s = _IN_RE.sub("", s) if re.search(r"\\in\b|∈", s) else s
    s = _NAMED_RE.split(s)[-1]  # "D = (0, 1)": the set named D
    if _RELATION_RE.search(s):
        return relation_set(s, reading)
    parts = _CUP_RE.split(s)
    if len(parts) > MAX_PIECES:
        raise Unreadable(f"more than {MAX_PIECES} pieces")
    pieces: list[Piece] = []
    for part in parts:
        points = _POINTS_RE.match(part)
        if points:
            for item in points.group(1).split(","):
                if item.strip():
                    e = _endpoint(item, reading)
                    pieces.append(Piece(e, e, True, True))
            continue
        m = _PIECE_RE.match(part)
        if m is None:
            raise Unreadable(f"not an interval: {part.strip()!r}")
        lo, hi = _endpoint(m.group(2), reading), _endpoint(m.group(3), reading)
        pieces.append(Piece(lo, hi, m.group(1) == "[", m.group(4) == "]"))
    if any(p.lo.value > p.hi.value for p in pieces):
        raise Unreadable("an interval whose ends are in the wrong order")
    return IntervalSet(canonical(pieces))


def relation_set(text: str, reading: Reading) -> IntervalSet:
    """The set of reals an inequality (or chain of them) in one variable describes."""
    rel = parse_latex(normalise(text, kind="expression", log_base=reading.log_base))
    symbols = rel.free_symbols
    if len(symbols) != 1:
        raise Unreadable("not a relation in one variable")
    if not isinstance(rel, sympy.core.relational.Relational | sympy.And | sympy.Or):
        raise Unreadable("not a relation")
    (x,) = symbols
    solution = _solve(rel, x)
    return IntervalSet(canonical(_pieces_of(solution)), text.strip(), str(x))


def _solve(rel: sympy.Basic, x: sympy.Symbol) -> sympy.Set:
    """The reals satisfying ``rel`` (chains are ``And``s of relations)."""
    if isinstance(rel, sympy.And):
        return sympy.Intersection(*(_solve(a, x) for a in rel.args))
    if isinstance(rel, sympy.Or):
        return sympy.Union(*(_solve(a, x) for a in rel.args))
    if not isinstance(rel, sympy.core.relational.Relational):
        raise Unreadable("not a relation")
    return _solve_expr(rel.lhs - rel.rhs, rel.rel_op, x, MAX_ABS)


MAX_ABS = 3
MAX_DEGREE = 6


def _solve_expr(f: sympy.Expr, op: str, x: sympy.Symbol, abs_left: int) -> sympy.Set:
    """``f op 0`` for ``f`` rational in ``x`` with at most :data:`MAX_ABS` absolute values
    (each split by its argument's sign). Anything else (``\\sin x > x``) is not solved:
    SymPy's general solver can take seconds on it, and a person reads it instead."""
    absolutes = sorted(f.atoms(sympy.Abs), key=sympy.default_sort_key)
    if absolutes:
        if abs_left <= 0:
            raise Unreadable("too many absolute values")
        a = absolutes[0]
        u = a.args[0]
        plus = sympy.Intersection(
            _solve_expr(u, ">=", x, abs_left - 1), _solve_expr(f.subs(a, u), op, x, abs_left - 1)
        )
        minus = sympy.Intersection(
            _solve_expr(u, "<", x, abs_left - 1), _solve_expr(f.subs(a, -u), op, x, abs_left - 1)
        )
        return sympy.Union(plus, minus)
    numer, denom = sympy.together(f).as_numer_denom()
    try:
        pn, pd = sympy.Poly(numer, x), sympy.Poly(denom, x)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded) as exc:
        raise Unreadable("only polynomial and rational relations are solved") from exc
    if max(pn.degree(), pd.degree()) > MAX_DEGREE:
        raise Unreadable("a relation of too high a degree")
    if not all(c.is_number for c in (*pn.all_coeffs(), *pd.all_coeffs())):
        raise Unreadable("a relation with unknown coefficients")
    try:
        return solve_rational_inequalities([[((pn, pd), op)]])
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise Unreadable("cannot solve the relation") from exc


def _pieces_of(s: sympy.Set) -> list[Piece]:
    if s is sympy.S.EmptySet:
        return []
    if s is sympy.S.Reals:
        return [Piece(Endpoint(-math.inf), Endpoint(math.inf), False, False)]
    if isinstance(s, sympy.Interval):
        return [
            Piece(
                Endpoint(_float(s.start)),
                Endpoint(_float(s.end)),
                not s.left_open,
                not s.right_open,
            )
        ]
    if isinstance(s, sympy.FiniteSet):
        return [Piece(Endpoint(_float(v)), Endpoint(_float(v)), True, True) for v in s]
    if isinstance(s, sympy.Union):
        return [p for arg in s.args for p in _pieces_of(arg)]
    if isinstance(s, sympy.Complement) and s.args[0] is sympy.S.Reals:
        holes = (
            sorted(_float(v) for v in s.args[1]) if isinstance(s.args[1], sympy.FiniteSet) else None
        )
        if holes is not None:
            ends = [-math.inf, *holes, math.inf]
            return [Piece(Endpoint(a), Endpoint(b), False, False) for a, b in pairwise(ends)]
    raise Unreadable("not a union of intervals")


def _float(v: sympy.Basic) -> float:
    if v in (sympy.oo, -sympy.oo):
        return math.inf if v == sympy.oo else -math.inf
    return to_float(v)


# --------------------------------------------------------------------------- comparing


def _same_end(e: Endpoint, g: Endpoint, tol: Tolerance) -> bool:
    if e.infinite or g.infinite:
        return e.value == g.value
    return compare_number(e.value, g.number or g.value, tol).equal


def compare_intervals(expected: IntervalSet, got: IntervalSet, tol: Tolerance) -> Comparison:
    """Equal when the pieces match one to one: ends equal (as numbers), brackets equal."""
    if expected.variable and got.variable and expected.variable != got.variable:
        raise Unreadable(f"unknown symbol: {got.variable}")
    e, g = expected.pieces, got.pieces
    if len(e) != len(g):
        return Comparison(False, 0.0, "not_equal", f"{len(g)} pieces where {len(e)} were expected")
    ends = all(
        _same_end(a.lo, b.lo, tol) and _same_end(a.hi, b.hi, tol) for a, b in zip(e, g, strict=True)
    )
    if not ends:
        return Comparison(False, 0.0, "not_equal", "the ends differ")
    brackets = all(
        (a.lo_closed == b.lo_closed or a.lo.infinite)
        and (a.hi_closed == b.hi_closed or a.hi.infinite)
        for a, b in zip(e, g, strict=True)
    )
    if not brackets:
        return Comparison(False, 0.0, "brackets", "the right ends, with other brackets")
    return Comparison(True, 1.0, "same_set")


def interval_diagnosis(expected: IntervalSet, got: IntervalSet, tol: Tolerance) -> Diagnosis | None:
    """Brackets: the same ends with an end included where it should not be (or the
    reverse)."""
    cmp = compare_intervals(expected, got, tol)
    if cmp.code == "brackets":
        return Diagnosis(
            "brackets",
            "your ends are right, but an end is included where it should be excluded (or the "
            "reverse): [ and ] include the end, ( and ) exclude it",
        )
    return None


_LOOKS_RE = re.compile(
    r"[\[(].*,.*[\])]|\\\{|[<>≤≥≠]|\\[lg]eq?\b|\\[lg]t\b|\\neq?\b|!=|\\cup|\\in\b", re.S
)


class IntervalLike(Kind):
    """Sets of reals: what interval and relation share."""

    numeric = True
    carries = False

    def looks_like(self, s: str) -> bool:
        return bool(s.strip()) and bool(_LOOKS_RE.search(s))

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=False)

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        ex = extract_statements(text, self)
        return join_math_spans(text, ex)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return Read(self.name, read_intervals(text, reading), text)

    def compare(
        self, expected: Any, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_intervals(self.as_set(expected), got.value, tol)

    def diagnose(self, expected: Any, got: Read, tol: Tolerance, hints: Hints) -> Diagnosis | None:
        if got.kind != self.name:
            return None
        return interval_diagnosis(self.as_set(expected), got.value, tol)

    def as_set(self, expected: Any) -> IntervalSet:
        assert isinstance(expected, IntervalSet)
        return expected


@register
class IntervalKind(IntervalLike):
    name = "interval"
    value_type = IntervalSet

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.text(node, where)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> IntervalSet:
        got = read_intervals(str(spec.value), Reading(log_base))
        return IntervalSet(got.pieces, str(spec.value))
