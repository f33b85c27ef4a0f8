"""Answers that are conditions, not values: a :class:`~solvers.values.Predicate` that every
correct answer satisfies ("any (alpha, beta) with beta = -alpha/2, alpha != 0").

Expressions use :mod:`solvers.expr` (``step(x)`` is 1 for x >= 0, ``sigmoid``, ``tanh``...).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.expr import ExpressionError, to_sympy
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Predicate
from solvers.worked import Worked, value_of

TOLERANCE = 1e-6


@dataclass(frozen=True)
class ContinuityParams:
    left: str = param("f(x) for x below the point, e.g. 'alpha*tanh(x) + beta*step(x)'")
    right: str = param("f(x) at and above the point")
    unknowns: list[str] = param("the parameters the answer chooses, e.g. [alpha, beta]")
    variable: str = param("the function's variable", "x")
    at: Scalar = param("the point where the pieces meet", 0)
    differentiable: bool = param("also require equal one-sided derivatives", False)
    point_in: Literal["right", "left"] = param(
        "which piece defines f at the point (right: x >= at, left: x <= at)", "right"
    )
    nonzero: list[str] = param("unknowns that must not be 0 (a non-trivial answer)", factory=list)
    solve_for: list[str] | None = param(
        "unknowns to express through the others (default: the last ones)", None
    )


@dataclass(frozen=True)
class EquationsParams:
    equations: list[str] = param("conditions 'lhs = rhs' (or an expression meaning '= 0')")
    unknowns: list[str] = param("the names the student chooses")
    nonzero: list[str] = param("unknowns that must not be 0", factory=list)
    solve_for: list[str] | None = param(
        "unknowns to express through the others (default: the last ones)", None
    )


@solver(
    "condition.continuity",
    ContinuityParams,
    example={
        "left": "alpha*tanh(x) + beta*step(x)",
        "right": "alpha*exp(x)/(1 + exp(x)) + beta*step(x)",
        "unknowns": ["alpha", "beta"],
        "nonzero": ["alpha"],
    },
)
def continuity(p: ContinuityParams) -> Solution:
    """The condition on the unknowns that makes a two-piece function continuous (and, with
    ``differentiable``, smooth) where the pieces meet.

    Values: ``condition`` (Predicate over the unknowns), and each solved unknown as an
    ``Expression`` of the others (``beta = -alpha/2``).
    """
    symbols = {name: sympy.Symbol(name, real=True) for name in [*p.unknowns, p.variable]}
    sides = one_sided(p, symbols)
    w = Worked()
    at, var = p.at, p.variable
    w.step(
        f"At {var} = {at}: left limit {sympy.sstr(sides.left)}, right limit "
        f"{sympy.sstr(sides.right)}, value f({at}) = {sympy.sstr(sides.value)}",
        rf"\lim_{{{var} \to {sympy.latex(at)}^-}} f = {sympy.latex(sides.left)},\quad "
        rf"\lim_{{{var} \to {sympy.latex(at)}^+}} f = {sympy.latex(sides.right)},\quad "
        rf"f({sympy.latex(at)}) = {sympy.latex(sides.value)}",
    )
    if sides.slopes is not None:
        d_left, d_right = sides.slopes
        w.step(
            f"One-sided derivatives: {sympy.sstr(d_left)} and {sympy.sstr(d_right)}",
            rf"f'({sympy.latex(at)}^-) = {sympy.latex(d_left)},\quad "
            rf"f'({sympy.latex(at)}^+) = {sympy.latex(d_right)}",
        )
    return _predicate(w, sides.equations(), p.unknowns, symbols, p.nonzero, p.solve_for)


@dataclass(frozen=True)
class OneSided:
    """Where the pieces meet: both limits, the value, and (for smoothness) both slopes."""

    left: sympy.Expr
    right: sympy.Expr
    value: sympy.Expr
    slopes: tuple[sympy.Expr, sympy.Expr] | None = None

    def equations(self) -> list[sympy.Expr]:
        """Each ``= 0``: limits equal to the value, and equal slopes."""
        eqs = [sympy.simplify(self.left - self.value), sympy.simplify(self.right - self.value)]
        if self.slopes is not None:
            eqs.append(sympy.simplify(self.slopes[0] - self.slopes[1]))
        return eqs


def one_sided(p: ContinuityParams, symbols: Mapping[str, sympy.Symbol]) -> OneSided:
    """The one-sided limits (and derivatives) of the two pieces at ``p.at``."""
    x = symbols[p.variable]
    try:
        left = to_sympy(p.left, symbols)
    except ExpressionError as exc:
        raise ParameterError("left", str(exc)) from None
    try:
        right = to_sympy(p.right, symbols)
    except ExpressionError as exc:
        raise ParameterError("right", str(exc)) from None
    lim_left = sympy.simplify(sympy.limit(left, x, p.at, "-"))
    lim_right = sympy.simplify(sympy.limit(right, x, p.at, "+"))
    value = sympy.simplify((right if p.point_in == "right" else left).subs(x, p.at))
    slopes = None
    if p.differentiable:
        slopes = (
            sympy.simplify(sympy.limit(sympy.diff(left, x), x, p.at, "-")),
            sympy.simplify(sympy.limit(sympy.diff(right, x), x, p.at, "+")),
        )
    return OneSided(lim_left, lim_right, value, slopes)


@solver(
    "condition.equations",
    EquationsParams,
    example={"equations": ["a + 2*b = 1"], "unknowns": ["a", "b"]},
)
def equations(p: EquationsParams) -> Solution:
    """Any assignment of the unknowns satisfying the given equations (and non-zero rules).

    Values: ``condition`` (Predicate) and each solved unknown as an Expression.
    """
    w = Worked()
    symbols = {name: sympy.Symbol(name, real=True) for name in p.unknowns}
    eqs = []
    for i, text in enumerate(p.equations):
        lhs, _, rhs = text.partition("=")
        try:
            eq = to_sympy(lhs, symbols, allow_new_symbols=False) - (
                to_sympy(rhs, symbols, allow_new_symbols=False) if rhs.strip() else 0
            )
        except ExpressionError as exc:
            raise ParameterError(f"equations[{i}]", str(exc)) from None
        eqs.append(sympy.simplify(eq))
    return _predicate(w, eqs, p.unknowns, symbols, p.nonzero, p.solve_for)


@dataclass(frozen=True)
class EquationCheck:
    """``Predicate.check`` for "every equation holds and the nonzero unknowns are not 0".

    A module-level class (not a closure) so a solution holding it can be pickled, e.g. into a
    cache; the equations are compiled to floats on first use.
    """

    names: tuple[str, ...]
    equations: tuple[sympy.Expr, ...]
    nonzero: tuple[str, ...] = ()

    def __call__(self, values: Mapping[str, float]) -> bool:
        try:
            args = [float(values[n]) for n in self.names]
        except (KeyError, TypeError, ValueError):
            return False
        if any(abs(float(values[n])) <= TOLERANCE for n in self.nonzero):
            return False
        scale = TOLERANCE * (1 + max(abs(a) for a in args))
        try:
            return all(abs(f(*args)) <= scale for f in _compiled(self.names, self.equations))
        except (ArithmeticError, ValueError, TypeError):
            return False


@functools.lru_cache(maxsize=256)
def _compiled(names: tuple[str, ...], equations: tuple[sympy.Expr, ...]) -> list[Any]:
    """Float functions of the equations, compiled once per condition (checked per student)."""
    symbols = [sympy.Symbol(n, real=True) for n in names]
    return [sympy.lambdify(symbols, e, "math") for e in equations]


@dataclass(frozen=True)
class Condition:
    """The solved condition: the equations, every solution branch, one example."""

    equations: list[sympy.Expr]
    solutions: list[dict[sympy.Symbol, sympy.Expr]]
    example: dict[str, float]

    def relation(self) -> str:
        """``beta = -alpha/2``, or ``(a = 2) or (a = -2)`` for several branches."""
        many = len(self.solutions) > 1
        return " or ".join(
            "(" * many + ", ".join(f"{k} = {sympy.sstr(v)}" for k, v in branch.items()) + ")" * many
            for branch in self.solutions
        )


def solve_condition(
    eqs: list[sympy.Expr],
    unknowns: list[str],
    symbols: Mapping[str, sympy.Symbol],
    nonzero: list[str],
    solve_for: list[str] | None,
) -> Condition:
    """Solve the non-trivial equations for ``solve_for`` (default: the last unknowns)."""
    for i, name in enumerate(nonzero):
        if name not in unknowns:
            raise ParameterError(f"nonzero[{i}]", f"{name!r} is not an unknown")
    eqs = [e for e in eqs if e != 0]
    if not eqs:
        raise ParameterError("unknowns", "every choice works: there is no condition to state")
    targets = solve_for or unknowns[-len(eqs) :]
    for i, name in enumerate(targets):
        if name not in unknowns:
            raise ParameterError(f"solve_for[{i}]", f"{name!r} is not an unknown")
    solutions = sympy.solve(eqs, [symbols[t] for t in targets], dict=True)
    if not solutions:
        raise ParameterError("unknowns", "the conditions cannot be met")
    sol = solutions[0]
    free = [symbols[n] for n in unknowns if symbols[n] not in sol]
    example = {str(s): 1.0 for s in free}
    for k, v in sol.items():
        example[str(k)] = float(sympy.N(v.subs(dict.fromkeys(free, 1))))
    return Condition(eqs, solutions, example)


def _predicate(
    w: Worked,
    eqs: list[sympy.Expr],
    unknowns: list[str],
    symbols: Mapping[str, sympy.Symbol],
    nonzero: list[str],
    solve_for: list[str] | None,
) -> Solution:
    """Solve the condition, then write it: the equations, the solution, the Predicate."""
    c = solve_condition(eqs, unknowns, symbols, nonzero, solve_for)
    sol = c.solutions[0]
    for e in c.equations:
        w.step(f"Condition: {sympy.sstr(e)} = 0", rf"{sympy.latex(e)} = 0")
    extra = "".join(f", {n} != 0" for n in nonzero)
    w.step(
        f"Solve: {c.relation()}{extra}",
        ", ".join(rf"{sympy.latex(k)} = {sympy.latex(v)}" for k, v in sol.items()),
    )
    for k, v in sol.items():
        w.value(str(k), value_of(v))
    names = tuple(unknowns)
    check = EquationCheck(names, tuple(c.equations), tuple(nonzero))
    description = f"any ({', '.join(names)}) with {c.relation()}{extra}"
    latex = ", ".join(rf"{sympy.latex(k)} = {sympy.latex(v)}" for k, v in sol.items()) + "".join(
        rf",\ {sympy.latex(symbols[n])} \neq 0" for n in nonzero
    )
    w.value("condition", Predicate(description, names, check, c.example, latex))
    return w.solution()
