"""The multiclass hinge (SVM) loss, in its two conventions.

With scores ``s``, true class ``y`` and margin ``delta``, each wrong class ``j`` contributes
``max(0, s_j - s_y + delta)^p`` (``p = 1``, or ``2`` for the squared hinge). Their sum is the
CS231n multiclass SVM loss; PyTorch's ``multi_margin_loss`` divides that sum by the number of
classes C (the true class included). Exams use both, so the choice is a parameter.

The gradient takes the hinge's slope at its kink (a margin term of exactly 0) as 0, as
PyTorch does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.losses._common import vec_text
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.worked import Worked, real, show, tex, vec_tex, vector

ClassReduction = Literal["sum", "mean"]
CLASS_REDUCTIONS = {
    "sum": "CS231n multiclass SVM: L = sum over j != y of max(0, s_j - s_y + delta)",
    "mean": "PyTorch multi_margin_loss: that sum divided by the number of classes C",
}


@dataclass(frozen=True)
class Hinge:
    """The hinge loss of one example: margin terms per class (0 at ``y``), the loss, and
    its gradient with respect to the scores."""

    margins: list[sympy.Expr]  # s_j - s_y + delta (0 for j = y)
    terms: list[sympy.Expr]  # max(0, margin)^p (0 for j = y)
    loss: sympy.Expr
    grad: list[sympy.Expr]
    scale: sympy.Expr  # 1 for sum, 1/C for mean


def hinge(
    scores: Sequence[sympy.Expr],
    target: int,
    margin: sympy.Expr,
    power: int = 1,
    class_reduction: ClassReduction = "sum",
) -> Hinge:
    """Multiclass hinge loss of ``scores`` against the 0-based class ``target``."""
    c = len(scores)
    scale = sympy.Integer(1) if class_reduction == "sum" else sympy.Rational(1, c)
    zero = sympy.Integer(0)
    margins = [scores[j] - scores[target] + margin if j != target else zero for j in range(c)]
    terms = [sympy.Max(0, m) ** power if j != target else zero for j, m in enumerate(margins)]
    slopes = [
        sympy.Piecewise((power * m ** (power - 1), m > 0), (0, True)) if j != target else zero
        for j, m in enumerate(margins)
    ]
    grad = [scale * d for d in slopes]
    grad[target] = -scale * sum(slopes, zero)
    loss = scale * sum(terms, zero)
    return Hinge(margins, terms, loss, grad, scale)


def hinge_lines(h: Hinge, target: int, margin: sympy.Expr, power: int, how: str) -> list[str]:
    """The worked lines of :func:`hinge` (plain text), in order."""
    wrong = [j for j in range(len(h.margins)) if j != target]
    square = "^2" if power == 2 else ""
    total = " + ".join(sympy.sstr(h.terms[j]) for j in wrong)
    reduce = "" if how == "sum" else f" / {len(h.margins)}"
    slope = "1" if power == 1 else "2 max(0, margin_j)"
    slope += "" if how == "sum" else f" / {len(h.margins)}"
    return [
        f"margins s_j - s_y + {margin} for j != y = {target + 1}: "
        + ", ".join(f"class {j + 1}: {show(h.margins[j])}" for j in wrong),
        f"hinge (class_reduction: {how}, {CLASS_REDUCTIONS[how].split(':')[0]}): "
        f"L = (sum over j != y of max(0, margin){square}){reduce} = ({total}){reduce} "
        f"= {show(h.loss)}",
        f"dL/ds_j = {slope} for each j != y with a positive margin (0 at the kink and below); "
        f"dL/ds_y = minus their sum: {vec_text(h.grad)}",
    ]


@dataclass(frozen=True)
class HingeParams:
    scores: list[Scalar] = param("class scores s (logits), one per class")
    target_class: int = param("the true class, 1-based")
    margin: Scalar = param("margin delta", 1)
    power: Literal[1, 2] = param(
        "exponent of each margin term",
        1,
        choices={1: "hinge max(0, .)", 2: "squared hinge max(0, .)^2 (multi_margin_loss p=2)"},
    )
    class_reduction: ClassReduction = param(
        "how the per-class terms combine", "sum", choices=CLASS_REDUCTIONS
    )

    def check(self) -> None:
        if len(self.scores) < 2:
            raise ParameterError("scores", "give at least two class scores")
        if not 1 <= self.target_class <= len(self.scores):
            raise ParameterError("target_class", f"must be between 1 and {len(self.scores)}")
        for i, v in enumerate(self.scores):
            if not v.is_number:
                raise ParameterError(f"scores[{i}]", "must be a number")
        if not self.margin.is_number:
            raise ParameterError("margin", "must be a number")


@solver(
    "loss.hinge",
    HingeParams,
    example={"scores": [3.2, 5.1, -1.7], "target_class": 1},
)
def hinge_loss(p: HingeParams) -> Solution:
    """Multiclass hinge (SVM) loss of one example: ``sum_{j != y} max(0, s_j - s_y + delta)``
    (CS231n), or that sum divided by the number of classes (PyTorch ``multi_margin_loss``).

    Values: ``loss``, ``terms`` (per class, 0 for the true class), ``margins``
    (``s_j - s_y + delta``, 0 for the true class), ``grad_scores`` (dL/ds; slope 0 at a
    margin of exactly 0).
    """
    t = p.target_class - 1
    h = hinge(p.scores, t, p.margin, p.power, p.class_reduction)
    w = Worked()
    lines = hinge_lines(h, t, p.margin, p.power, p.class_reduction)
    w.step(lines[0], rf"s_j - s_y + \Delta = {vec_tex(h.margins)}")
    w.step(lines[1], rf"L = {tex(h.loss)}")
    w.step(lines[2], rf"\frac{{\partial L}}{{\partial s}} = {vec_tex(h.grad)}")
    w.value("loss", real(h.loss))
    w.value("terms", vector(h.terms))
    w.value("margins", vector(h.margins))
    w.value("grad_scores", vector(h.grad))
    return w.solution()
