"""A small builder for solutions: collect named values and worked steps in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from solvers.core import Solution, Step
from solvers.values import Expression, Integer, Number, Tensor, Value


class Worked:
    """Accumulates the values and steps of one solution, in the order a student writes them."""

    def __init__(self) -> None:
        self.values: dict[str, Value] = {}
        self.steps: list[Step] = []
        self.notes: list[str] = []

    def step(self, text: str, latex: str = "") -> None:
        """Append one line of the worked solution (LaTeX defaults to the text, escaped)."""
        self.steps.append(Step(text, latex or text_tex(text)))

    def note(self, text: str) -> None:
        """Record an assumption or convention the solution relies on."""
        self.notes.append(text)

    def value(self, name: str, value: Value) -> Value:
        """Record a named answer value (later records of the same name replace earlier ones)."""
        self.values[name] = value
        return value

    def solution(self) -> Solution:
        return Solution(values=dict(self.values), steps=tuple(self.steps), notes=tuple(self.notes))


def number(x: Any, unit: str = "") -> Number | Integer:
    """``Integer`` for an exact integer count, otherwise a ``Number`` keeping the exact form."""
    if isinstance(x, int) and not isinstance(x, bool):
        return Integer(x)
    if isinstance(x, sympy.Integer):
        return Integer(int(x))
    if isinstance(x, sympy.Float):
        return Number(float(x), None, unit)
    return Number.of(x, unit)


def real(x: Any, unit: str = "") -> Number:
    """Always a ``Number`` (a real-valued answer that happens to be integral stays a Number)."""
    x = sympy.sympify(x)
    if isinstance(x, sympy.Float):
        return Number(float(x), None, unit)
    return Number.of(x, unit)


def show(x: Any) -> str:
    """Plain-text form of an exact value, with its decimal when it is not a plain rational."""
    x = sympy.sympify(x)
    if isinstance(x, sympy.Integer):
        return str(x)
    if x.is_Float:
        return f"{float(x):.6g}"
    if x.is_number and not x.is_Rational:
        return f"{sympy.sstr(x)} ≈ {float(sympy.N(x, 15)):.6g}"
    if x.is_Rational:
        return f"{x} = {float(x):.6g}" if not x.is_Integer else str(x)
    return sympy.sstr(x)


def tex(x: Any) -> str:
    """LaTeX of an exact value, with its decimal approximation when it is irrational."""
    x = sympy.sympify(x)
    if x.is_number and not x.is_Rational:
        return f"{sympy.latex(x)} \\approx {float(sympy.N(x, 15)):.6g}"
    return sympy.latex(x)


def value_of(x: Any) -> Value:
    """``Integer``/``Number`` for a numeric result, ``Expression`` when symbols remain."""
    x = sympy.sympify(x)
    if x.is_number:
        return number(x)
    return Expression(x, tuple(sorted(str(s) for s in x.free_symbols)))


def vector(entries: Sequence[Any]) -> Tensor:
    """A ``(n,)`` Tensor of exact numbers, keeping their exact forms."""
    exprs = [sympy.sympify(e) for e in entries]
    exact = tuple(exprs)
    return Tensor(tuple(float(sympy.N(e, 30)) for e in exprs), (len(exprs),), exact)


# Above this many operations a symbol-free closed form is replaced by a 30-digit float: exact
# forms stay for what a student writes (ln 9, sqrt 2, e/(1+e)), and long computations (deep
# graphs, many optimizer steps) do not swell into expressions nobody can read or evaluate fast.
MAX_EXACT_OPS = 40


def bounded(x: Any) -> Any:
    """``x`` itself, or its 30-digit float when it is a long symbol-free closed form."""
    x = sympy.sympify(x)
    if x.is_Atom or x.free_symbols:
        return x
    if sympy.count_ops(x) > MAX_EXACT_OPS:
        return sympy.Float(sympy.N(x, 30), 30)
    return x


def vec_tex(entries: Sequence[Any]) -> str:
    """LaTeX column of exact entries (a single entry stays a plain number)."""
    cells = [sympy.latex(sympy.sympify(e)) for e in entries]
    if len(cells) == 1:
        return cells[0]
    return r"\begin{pmatrix}" + r" \\ ".join(cells) + r"\end{pmatrix}"


def text_tex(text: str) -> str:
    r"""``\text{...}`` of plain text, escaping LaTeX's special characters."""
    for char, escaped in (
        ("\\", r"\textbackslash{}"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("$", r"\$"),
        ("^", r"\^{}"),
    ):
        text = text.replace(char, escaped)
    return r"\text{" + text + "}"
