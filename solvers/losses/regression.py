"""Squared-error losses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.losses._common import vec_text
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.worked import Worked, real, show, tex, vec_tex, vector

# L = factor(n) * sum (a - y)^2
REDUCTION_FACTORS = {
    "mean": lambda n: sympy.Rational(1, n),
    "sum": lambda n: sympy.Integer(1),
    "half_sum": lambda n: sympy.Rational(1, 2),
}


@dataclass(frozen=True)
class MSEParams:
    predictions: list[Scalar] = param("model outputs")
    targets: list[Scalar] = param("true values")
    reduction: Literal["mean", "sum", "half_sum"] = param(
        "combine the squared errors",
        "mean",
        choices={
            "mean": "mean of (a - y)^2 (PyTorch mse_loss default)",
            "sum": "sum of (a - y)^2",
            "half_sum": "0.5 * sum of (a - y)^2 (its gradient is a - y)",
        },
    )

    def check(self) -> None:
        if len(self.predictions) != len(self.targets) or not self.targets:
            raise ParameterError("targets", f"expected {len(self.predictions)} values")


@solver(
    "loss.mse", MSEParams, example={"predictions": [2, 2], "targets": [4, 2], "reduction": "sum"}
)
def mse(p: MSEParams) -> Solution:
    """Squared-error losses: ``mean``, ``sum`` or ``half_sum`` of ``(a - y)^2``.

    Values: ``loss``, ``residuals`` (``a - y``), ``grad`` (dL/da).
    """
    res = [a - y for a, y in zip(p.predictions, p.targets, strict=True)]
    sq = sum((r * r for r in res), sympy.Integer(0))
    factor = REDUCTION_FACTORS[p.reduction](len(res))
    loss = factor * sq
    grad = [2 * factor * r for r in res]
    w = Worked()
    w.step(f"residuals a - y = {vec_text(res)}", f"a - y = {vec_tex(res)}")
    w.step(
        f"sum of squares = {show(sq)}; {p.reduction}: L = {show(loss)}",
        rf"L = {sympy.latex(factor)} \cdot {sympy.latex(sq)} = {tex(loss)}",
    )
    w.step(
        f"dL/da = {sympy.sstr(2 * factor)} (a - y) = {vec_text(grad)}",
        rf"\frac{{\partial L}}{{\partial a}} = {sympy.latex(2 * factor)} (a - y) = {vec_tex(grad)}",
    )
    w.value("loss", real(loss))
    w.value("residuals", vector(res))
    w.value("grad", vector(grad))
    return w.solution()
