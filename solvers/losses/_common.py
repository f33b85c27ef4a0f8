"""Helpers shared by the loss solvers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sympy

from solvers.core import ParameterError
from solvers.expr import safe_exp
from solvers.worked import show

Base = Literal["e", "2", "10"]


def log_base(x: sympy.Expr, base: Base) -> sympy.Expr:
    """Natural log unless an exam states base 2 or 10."""
    return sympy.log(x) if base == "e" else sympy.log(x, int(base))


def vec_text(entries: Sequence[sympy.Expr]) -> str:
    """``(a, b, c)`` with each entry's exact form and decimal."""
    return "(" + ", ".join(show(e) for e in entries) + ")"


def softmax_exact(
    z: Sequence[sympy.Expr], temperature: sympy.Expr | None = None
) -> list[sympy.Expr]:
    """Exact softmax of ``z / temperature``."""
    temperature = sympy.Integer(1) if temperature is None else temperature
    exps = [safe_exp(v / temperature) for v in z]
    total = sum(exps, sympy.Integer(0))
    return [sympy.simplify(e / total) for e in exps]


def check_probs(p: Sequence[sympy.Expr], field: str, *, sums_to_one: bool) -> None:
    """ParameterError unless every entry is a probability (summing to 1 if asked)."""
    for i, v in enumerate(p):
        if not v.is_number or v < 0 or v > 1:
            raise ParameterError(f"{field}[{i}]", "must be a probability in [0, 1]")
    total = sum(p, sympy.Integer(0))
    if sums_to_one and total != 1 and abs(float(total) - 1) > 1e-9:
        raise ParameterError(field, f"probabilities sum to {total}, not 1")
