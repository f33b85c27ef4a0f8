"""Scores of a linear classifier with its data loss and a weight penalty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.losses._common import log_softmax_exact, vec_text
from solvers.losses.hinge import CLASS_REDUCTIONS, ClassReduction, hinge, hinge_lines
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Number
from solvers.worked import Worked, number, real, show, tex, vector

Row = list[sympy.Expr]
# A penalty of one row of W: added to that class's score (row_penalty), or summed over the
# rows into the regulariser (reg_form).
ROW_NORMS: dict[str, Callable[[Row], sympy.Expr]] = {
    "l1": lambda row: sum((abs(v) for v in row), sympy.Integer(0)),
    "l2": lambda row: sympy.sqrt(sum((v * v for v in row), sympy.Integer(0))),
    "l2_squared": lambda row: sum((v * v for v in row), sympy.Integer(0)),
}
ROW_PENALTIES = {
    "none": "s = W x + b",
    "l1": "s_i = w_i x + b_i + lambda_s sum_j |W_ij| (the L1 norm of row i)",
    "l2": "s_i = w_i x + b_i + lambda_s sqrt(sum_j W_ij^2) (the L2 norm of row i)",
    "l2_squared": "s_i = w_i x + b_i + lambda_s sum_j W_ij^2 (the squared L2 norm of row i)",
}
REG_FORMS = {
    "l2": "lambda ||W||_F^2 = lambda sum W_ij^2 (CS231n)",
    "half_l2": "lambda/2 ||W||_F^2 (so that its gradient is lambda W)",
    "l1": "lambda sum |W_ij|",
}


@dataclass(frozen=True)
class LinearParams:
    W: list[list[Scalar]] = param("weight matrix, one row per class")
    x: list[Scalar] = param("input vector")
    b: list[Scalar] | None = param("bias per class", None)
    target_class: int | None = param("true class (1-based), for the data loss", None)
    loss: Literal["softmax", "hinge", "none"] = param("data loss on the scores", "softmax")
    margin: Scalar = param("hinge margin delta", 1)
    class_reduction: ClassReduction = param(
        "hinge: how the per-class terms combine", "sum", choices=CLASS_REDUCTIONS
    )
    reg: Scalar = param("regularisation strength lambda", 0)
    reg_form: Literal["l2", "half_l2", "l1"] = param(
        "the weight penalty added to the loss", "l2", choices=REG_FORMS
    )
    row_penalty: Literal["none", "l1", "l2", "l2_squared"] = param(
        "a term added to each class's score from its own row of W", "none", choices=ROW_PENALTIES
    )
    row_penalty_weight: Scalar = param("lambda_s, the weight of row_penalty in the scores", 1)

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


@dataclass(frozen=True)
class Scores:
    """The maths of ``loss.linear_scores``."""

    linear: list[sympy.Expr]  # W x + b
    penalties: list[sympy.Expr]  # lambda_s R(w_i) per class (zeros without a row penalty)
    scores: list[sympy.Expr]
    data: sympy.Expr | None
    reg: sympy.Expr


def linear_scores_of(p: LinearParams) -> Scores:
    """Scores, data loss and regulariser of a linear classifier."""
    W = sympy.ImmutableMatrix(p.W)
    s = W * sympy.ImmutableMatrix(p.x)
    if p.b is not None:
        s = s + sympy.ImmutableMatrix(p.b)
    linear = list(s)
    zero = sympy.Integer(0)
    penalties = [zero] * len(linear)
    if p.row_penalty != "none":
        penalties = [p.row_penalty_weight * ROW_NORMS[p.row_penalty](row) for row in p.W]
    scores = [a + r for a, r in zip(linear, penalties, strict=True)]
    data = None
    if p.loss == "softmax":
        assert p.target_class is not None
        data = -log_softmax_exact(scores)[p.target_class - 1]
    elif p.loss == "hinge":
        assert p.target_class is not None
        data = hinge(scores, p.target_class - 1, p.margin, 1, p.class_reduction).loss
    entries = [v for row in p.W for v in row]
    norm = ROW_NORMS["l1" if p.reg_form == "l1" else "l2_squared"](entries)
    reg = p.reg * norm / (2 if p.reg_form == "half_l2" else 1)
    return Scores(linear, penalties, scores, data, reg)


@solver(
    "loss.linear_scores",
    LinearParams,
    example={"W": [[1, -1], [0.5, 2]], "x": [2, 1], "b": [0, -1], "target_class": 1, "reg": 0.1},
)
def linear_scores(p: LinearParams) -> Solution:
    """Scores ``s = W x + b`` of a linear classifier, its data loss and a weight penalty.

    Values: ``scores``, ``data_loss`` (softmax CE, or the multiclass hinge
    ``sum_{j != y} max(0, s_j - s_y + delta)``, divided by the number of classes with
    ``class_reduction: mean``), ``reg_loss``, ``loss`` (total), ``predicted_class``
    (1-based). With ``row_penalty`` each score also carries a term from its own row of W
    (``s_i = w_i x + b_i + lambda_s ||w_i||``); ``row_penalties`` lists those terms.
    """
    r = linear_scores_of(p)
    w = Worked()
    bias = " + b" if p.b is not None else ""
    if p.row_penalty == "none":
        w.step(
            f"scores s = W x{bias} = {vec_text(r.scores)}",
            r"s = Wx + b = " + vector(r.scores).latex(),
        )
    else:
        w.step(f"W x{bias} = {vec_text(r.linear)}", r"Wx + b = " + vector(r.linear).latex())
        w.step(
            f"row penalty ({p.row_penalty}, lambda_s = {p.row_penalty_weight}): "
            f"{ROW_PENALTIES[p.row_penalty]} = {vec_text(r.penalties)}; scores s = {vec_text(r.scores)}",
            r"s = Wx + b + \lambda_s R(w_i) = " + vector(r.scores).latex(),
        )
        w.value("row_penalties", vector(r.penalties))
    w.value("scores", vector(r.scores))
    best = max(range(len(r.scores)), key=lambda i: float(r.scores[i]))
    w.value("predicted_class", number(best + 1))
    if r.data is not None:
        if p.loss == "softmax":
            w.step(
                f"softmax CE: -log(e^s_y / sum e^s_j) = {show(r.data)}",
                rf"L_{{data}} = {tex(r.data)}",
            )
        else:
            t = (p.target_class or 1) - 1
            h = hinge(r.scores, t, p.margin, 1, p.class_reduction)
            for line in hinge_lines(h, t, p.margin, 1, p.class_reduction)[:2]:
                w.step(line, "")
        w.value("data_loss", real(r.data))
    w.step(f"regulariser ({p.reg_form}, lambda = {p.reg}): {show(r.reg)}", rf"R = {tex(r.reg)}")
    w.value("reg_loss", real(r.reg))
    total = (r.data if r.data is not None else sympy.Integer(0)) + r.reg
    w.step(f"total loss = {show(total)}", rf"L = {tex(total)}")
    w.value("loss", Number.of(total))
    return w.solution()
