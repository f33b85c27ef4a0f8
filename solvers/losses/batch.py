"""A loss over a mini-batch, from any per-example loss solver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import param
from solvers.values import Number
from solvers.worked import Worked, real, show, tex, vector


@dataclass(frozen=True)
class BatchParams:
    loss: Literal["loss.cross_entropy", "loss.binary_cross_entropy", "loss.mse", "loss.hinge"] = (
        param("the per-example loss solver")
    )
    examples: list[dict[str, Any]] = param("one parameter mapping per example (as for that solver)")
    shared: dict[str, Any] = param(
        "parameters common to every example (an example's own entry wins), e.g. "
        "{class_reduction: mean, margin: 1} for loss.hinge",
        factory=dict,
    )
    reduction: Literal["mean", "sum"] = param(
        "combine the example losses",
        "mean",
        choices={
            "mean": "average over the batch (PyTorch's reduction='mean')",
            "sum": "sum over the batch (reduction='sum')",
        },
    )

    def check(self) -> None:
        if not self.examples:
            raise ParameterError("examples", "give at least one example")


@solver(
    "loss.batch",
    BatchParams,
    example={
        "loss": "loss.cross_entropy",
        "examples": [
            {"probs": [0.7, 0.2, 0.1], "target_class": 1},
            {"probs": [0.1, 0.6, 0.3], "target_class": 3},
        ],
    },
)
def batch(p: BatchParams) -> Solution:
    """A mini-batch loss: the per-example loss of each example, then their mean (or sum).

    The per-example solver is any of the losses listed (cross-entropy, binary
    cross-entropy, squared error, multiclass hinge); ``shared`` holds the parameters every
    example has in common. Values: ``loss``, ``losses`` (per example, in order).
    """
    from solvers.registry import solve

    w = Worked()
    losses = []
    for i, example in enumerate(p.examples):
        try:
            value = solve(p.loss, {**p.shared, **example}).values["loss"]
        except ParameterError as exc:
            raise ParameterError(f"examples[{i}].{exc.field}", exc.message) from None
        assert isinstance(value, Number)
        exact = value.exact if value.exact is not None else sympy.Float(value.value, 30)
        losses.append(exact)
        w.step(f"example {i + 1}: L_{i + 1} = {show(exact)}", rf"L_{{{i + 1}}} = {tex(exact)}")
    total = sum(losses, sympy.Integer(0))
    result = total / len(losses) if p.reduction == "mean" else total
    how = f"mean over {len(losses)} examples" if p.reduction == "mean" else "sum over the batch"
    w.step(
        f"{how}: L = {show(result)}",
        (
            rf"L = \frac{{1}}{{{len(losses)}}} \sum_i L_i"
            if p.reduction == "mean"
            else r"L = \sum_i L_i"
        )
        + f" = {tex(result)}",
    )
    w.value("loss", real(result))
    w.value("losses", vector(losses))
    return w.solution()
