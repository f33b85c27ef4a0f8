"""Helpers shared by the loss solvers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sympy

from solvers.core import ParameterError
from solvers.expr import safe_exp
from solvers.worked import show

Base = Literal["e", "2", "10"]
BASES = {
    "e": "natural logarithm (log and ln both mean it in these courses; PyTorch's losses)",
    "2": "logarithm base 2 (losses in bits); the gradients carry 1 / ln 2",
    "10": "logarithm base 10; the gradients carry 1 / ln 10",
}


def log_base(x: sympy.Expr, base: Base) -> sympy.Expr:
    """Natural log unless an exam states base 2 or 10."""
    return sympy.log(x) if base == "e" else sympy.log(x, int(base))


def log_scale(base: Base) -> sympy.Expr:
    """``ln b``: the derivative of ``log_b x`` is ``1 / (x ln b)``."""
    return sympy.Integer(1) if base == "e" else sympy.log(int(base))


def vec_text(entries: Sequence[sympy.Expr]) -> str:
    """``(a, b, c)`` with each entry's exact form and decimal."""
    return "(" + ", ".join(show(e) for e in entries) + ")"


def shifted_logits(
    z: Sequence[sympy.Expr], temperature: sympy.Expr | None = None
) -> list[sympy.Expr]:
    """``z / T - min(z / T)``: softmax is unchanged by a common shift, and with the smallest
    logit at 0 the exact forms read simply (``1/(1 + E)``) without a slow ``simplify``."""
    temperature = sympy.Integer(1) if temperature is None else temperature
    scaled = [v / temperature for v in z]
    if not all(v.is_number for v in scaled):
        return scaled
    low = min(scaled, key=lambda v: float(sympy.N(v, 30)))
    return [v - low for v in scaled]


def softmax_exact(
    z: Sequence[sympy.Expr], temperature: sympy.Expr | None = None
) -> list[sympy.Expr]:
    """Exact softmax of ``z / temperature``."""
    exps = [safe_exp(v) for v in shifted_logits(z, temperature)]
    total = sum(exps, sympy.Integer(0))
    return [sympy.factor_terms(e / total) for e in exps]


def combine(x: sympy.Expr) -> sympy.Expr:
    """One fraction with common factors pulled out: ``p - 1`` of a softmax reads
    ``-(1 + E)/(1 + E + exp(2))``. Much faster than ``simplify`` on these sums of exps."""
    return sympy.factor_terms(sympy.together(x))


def log_softmax_exact(
    z: Sequence[sympy.Expr], temperature: sympy.Expr | None = None
) -> list[sympy.Expr]:
    """Exact ``log softmax(z / T)`` = ``s_i - log(sum_j exp(s_j))`` with shifted logits ``s``."""
    s = shifted_logits(z, temperature)
    log_total = sympy.expand_log(
        sympy.log(sum((safe_exp(v) for v in s), sympy.Integer(0))), force=True
    )
    return [sympy.expand_log(v, force=True) - log_total for v in s]


def check_probs(p: Sequence[sympy.Expr], field: str, *, sums_to_one: bool) -> None:
    """ParameterError unless every entry is a probability (summing to 1 if asked)."""
    for i, v in enumerate(p):
        if not v.is_number or v < 0 or v > 1:
            raise ParameterError(f"{field}[{i}]", "must be a probability in [0, 1]")
    total = sum(p, sympy.Integer(0))
    if sums_to_one and total != 1 and abs(float(total) - 1) > 1e-9:
        raise ParameterError(field, f"probabilities sum to {total}, not 1")
