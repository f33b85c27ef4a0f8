"""Scores of a linear classifier with its data loss and a weight penalty."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.expr import safe_exp
from solvers.losses._common import vec_text
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Number
from solvers.worked import Worked, number, real, show, tex, vector


@dataclass(frozen=True)
class LinearParams:
    W: list[list[Scalar]] = param("weight matrix, one row per class")
    x: list[Scalar] = param("input vector")
    b: list[Scalar] | None = param("bias per class", None)
    target_class: int | None = param("true class (1-based), for the data loss", None)
    loss: Literal["softmax", "hinge", "none"] = param("data loss on the scores", "softmax")
    margin: Scalar = param("hinge margin delta", 1)
    reg: Scalar = param("regularisation strength lambda", 0)
    reg_form: Literal["l2", "half_l2", "l1"] = param(
        "lambda ||W||_F^2, lambda/2 ||W||^2 or lambda |W|_1", "l2"
    )

    def check(self) -> None:
        cols = len(self.x)
        for i, row in enumerate(self.W):
            if len(row) != cols:
                raise ParameterError(f"W[{i}]", f"expected {cols} entries to match x")
        if self.b is not None and len(self.b) != len(self.W):
            raise ParameterError("b", f"expected {len(self.W)} entries")
        if self.target_class is not None and not 1 <= self.target_class <= len(self.W):
            raise ParameterError("target_class", f"must be between 1 and {len(self.W)}")
        if self.loss != "none" and self.target_class is None:
            raise ParameterError("target_class", "required for a data loss")


@solver(
    "loss.linear_scores",
    LinearParams,
    example={"W": [[1, -1], [0.5, 2]], "x": [2, 1], "b": [0, -1], "target_class": 1, "reg": 0.1},
)
def linear_scores(p: LinearParams) -> Solution:
    """Scores ``s = W x + b`` of a linear classifier, its data loss and a weight penalty.

    Values: ``scores``, ``data_loss`` (softmax CE or multiclass hinge
    ``sum_{j != y} max(0, s_j - s_y + delta)``), ``reg_loss``, ``loss`` (total),
    ``predicted_class`` (1-based).
    """
    w = Worked()
    W = sympy.ImmutableMatrix(p.W)
    x = sympy.ImmutableMatrix(p.x)
    s = W * x
    if p.b is not None:
        s = s + sympy.ImmutableMatrix(p.b)
    scores = list(s)
    w.step(
        f"scores s = W x{' + b' if p.b is not None else ''} = {vec_text(scores)}",
        r"s = Wx + b = " + vector(scores).latex(),
    )
    w.value("scores", vector(scores))
    best = max(range(len(scores)), key=lambda i: float(scores[i]))
    w.value("predicted_class", number(best + 1))
    data = sympy.Integer(0)
    if p.loss != "none":
        assert p.target_class is not None
        t = p.target_class - 1
        if p.loss == "softmax":
            data = -sympy.log(
                safe_exp(scores[t]) / sum((safe_exp(v) for v in scores), sympy.Integer(0))
            )
            data = sympy.simplify(sympy.expand_log(data, force=True))
            w.step(
                f"softmax CE: -log(e^s_y / sum e^s_j) = {show(data)}", rf"L_{{data}} = {tex(data)}"
            )
        else:
            parts = [
                sympy.Max(0, scores[j] - scores[t] + p.margin) for j in range(len(scores)) if j != t
            ]
            data = sum(parts, sympy.Integer(0))
            w.step(
                f"hinge: sum over j != y of max(0, s_j - s_y + {p.margin}) = {' + '.join(show(v) for v in parts)} = {show(data)}",
                "",
            )
        w.value("data_loss", real(data))
    entries = list(W)
    penalty = {
        "l2": p.reg * sum((v * v for v in entries), sympy.Integer(0)),
        "half_l2": p.reg / 2 * sum((v * v for v in entries), sympy.Integer(0)),
        "l1": p.reg * sum((abs(v) for v in entries), sympy.Integer(0)),
    }[p.reg_form]
    w.step(f"regulariser ({p.reg_form}, lambda = {p.reg}): {show(penalty)}", rf"R = {tex(penalty)}")
    w.value("reg_loss", real(penalty))
    total = data + penalty
    w.step(f"total loss = {show(total)}", rf"L = {tex(total)}")
    w.value("loss", Number.of(total))
    return w.solution()
