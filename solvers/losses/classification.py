"""Classification outputs and losses: softmax, cross-entropy, binary cross-entropy (also
multi-label), label smoothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.expr import safe_exp
from solvers.losses._common import (
    BASES,
    Base,
    check_probs,
    combine,
    log_base,
    log_scale,
    log_softmax_exact,
    softmax_exact,
    vec_text,
)
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.worked import Worked, number, real, show, tex, value_of, vec_tex, vector


@dataclass(frozen=True)
class SoftmaxParams:
    logits: list[Scalar] | None = param("logits z (scores before softmax)", None)
    probs: list[Scalar] | None = param("probabilities, to recover logits (up to a constant)", None)
    temperature: Scalar = param("softmax temperature T: softmax(z / T)", 1)

    def check(self) -> None:
        if (self.logits is None) == (self.probs is None):
            raise ParameterError("logits", "give exactly one of logits or probs")
        given = self.logits if self.logits is not None else self.probs
        if given is None or len(given) < 2:
            raise ParameterError(
                "logits" if self.logits is not None else "probs", "give at least two entries"
            )
        if not (self.temperature.is_number and self.temperature > 0):
            raise ParameterError("temperature", "must be a positive number")
        if self.probs is not None:
            check_probs(self.probs, "probs", sums_to_one=True)
            for i, v in enumerate(self.probs):
                if v == 0:
                    raise ParameterError(
                        f"probs[{i}]", "a zero probability needs an infinite logit"
                    )


@dataclass(frozen=True)
class Softmax:
    """The maths of ``loss.softmax``: probabilities and their logs; from probabilities also
    the logits (with c = 0) and their differences to the first."""

    probs: list[sympy.Expr]
    log_probs: list[sympy.Expr]
    logits: list[sympy.Expr] | None = None
    differences: list[sympy.Expr] | None = None
    total: sympy.Expr | None = None  # sum of exp(z_i / T), from logits


def softmax_of(p: SoftmaxParams) -> Softmax:
    if p.probs is not None:
        probs = list(p.probs)
        logits = [p.temperature * sympy.log(v) for v in probs]
        diffs = [sympy.simplify(sympy.expand_log(z - logits[0], force=True)) for z in logits]
        logs = [sympy.simplify(sympy.expand_log(sympy.log(v), force=True)) for v in probs]
        return Softmax(probs, logs, logits, diffs)
    assert p.logits is not None
    total = sum((safe_exp(v / p.temperature) for v in p.logits), sympy.Integer(0))
    return Softmax(
        softmax_exact(p.logits, p.temperature),
        log_softmax_exact(p.logits, p.temperature),
        total=total,
    )


@solver("loss.softmax", SoftmaxParams, example={"logits": [2, 1, 0]})
def softmax(p: SoftmaxParams) -> Solution:
    """Softmax probabilities ``p_i = exp(z_i / T) / sum_j exp(z_j / T)`` with exact forms, or
    the logits behind given probabilities (``z_i = T log p_i + c``, any constant c).

    Values: ``probs`` (Tensor), ``log_probs`` (Tensor), ``predicted_class`` (1-based); from
    probabilities: ``logits`` (with c = 0) and ``logit_differences`` (``z_i - z_1``).
    """
    r = softmax_of(p)
    w = Worked()
    if r.logits is not None and r.differences is not None:
        w.step(
            "softmax is unchanged by adding a constant to every logit, so z_i = T log p_i + c; "
            f"with c = 0: z = {vec_text(r.logits)}",
            r"z_i = T \log p_i + c",
        )
        w.value("logits", vector(r.logits))
        w.step(
            f"differences to the first logit: {vec_text(r.differences)}",
            rf"z_i - z_1 = {vec_tex(r.differences)}",
        )
        w.value("logit_differences", vector(r.differences))
    else:
        w.step(
            f"Exponentiate the logits{' / T' if p.temperature != 1 else ''} and normalise: "
            f"sum = {show(r.total)}",
            r"p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
        )
        w.step(f"p = {vec_text(r.probs)}", r"p = " + vector(r.probs).latex())
    w.value("probs", vector(r.probs))
    w.value("log_probs", vector(r.log_probs))
    best = max(range(len(r.probs)), key=lambda i: float(r.probs[i]))
    w.value("predicted_class", number(best + 1))
    return w.solution()


SMOOTHING_STYLES = {
    "uniform": "(1 - eps) y + eps / K on every class (PyTorch cross_entropy(label_smoothing=eps), "
    "Szegedy et al.)",
    "others": "1 - eps on the true class and eps / (K - 1) on each other class",
}


@dataclass(frozen=True)
class CEParams:
    probs: list[Scalar] | None = param("predicted probabilities (a distribution)", None)
    logits: list[Scalar] | None = param("logits (softmax is applied) instead of probs", None)
    target_class: int | None = param("the true class, 1-based (one-hot target)", None)
    target: list[Scalar] | None = param("a target distribution instead of target_class", None)
    base: Base = param("logarithm base", "e", choices=BASES)
    label_smoothing: Scalar = param("label smoothing epsilon (0: none)", 0)
    smoothing_style: Literal["uniform", "others"] = param(
        "how label smoothing spreads epsilon", "uniform", choices=SMOOTHING_STYLES
    )

    def check(self) -> None:
        if (self.probs is None) == (self.logits is None):
            raise ParameterError("probs", "give exactly one of probs or logits")
        if (self.target_class is None) == (self.target is None):
            raise ParameterError("target_class", "give exactly one of target_class or target")
        n = len(self.probs if self.probs is not None else self.logits or [])
        if self.target_class is not None and not 1 <= self.target_class <= n:
            raise ParameterError("target_class", f"must be between 1 and {n} (1-based)")
        if self.target is not None and len(self.target) != n:
            raise ParameterError("target", f"expected {n} entries")
        eps = self.label_smoothing
        if not (eps.is_number and 0 <= eps < 1):
            raise ParameterError("label_smoothing", "must be a number in [0, 1)")
        if eps != 0 and self.smoothing_style == "others" and self.target_class is None:
            raise ParameterError("smoothing_style", "'others' needs target_class")
        if self.probs is not None:
            check_probs(self.probs, "probs", sums_to_one=True)
            for i, y in enumerate(ce_targets(self, n)):
                if y != 0 and self.probs[i] == 0:
                    raise ParameterError(
                        f"probs[{i}]",
                        "a class with a target has probability 0: the loss is infinite",
                    )


def ce_targets(p: CEParams, n: int) -> list[sympy.Expr]:
    """The target distribution over ``n`` classes, label smoothing applied."""
    zero, one = sympy.Integer(0), sympy.Integer(1)
    if p.target_class is not None:
        y = [one if i == p.target_class - 1 else zero for i in range(n)]
    else:
        assert p.target is not None
        y = list(p.target)
    eps = p.label_smoothing
    if eps == 0:
        return y
    if p.smoothing_style == "others":
        return [1 - eps if yi == 1 else eps / (n - 1) for yi in y]
    return [(1 - eps) * yi + eps / n for yi in y]


@dataclass(frozen=True)
class CrossEntropy:
    """The maths of ``loss.cross_entropy``."""

    probs: list[sympy.Expr]
    targets: list[sympy.Expr]
    loss: sympy.Expr
    grad: list[sympy.Expr] | None  # dL/dz from logits, dL/dp from probabilities


def cross_entropy_of(p: CEParams) -> CrossEntropy:
    probs = softmax_exact(p.logits) if p.logits is not None else list(p.probs or [])
    y = ce_targets(p, len(probs))
    pairs = list(zip(probs, y, strict=True))
    loss = -sum((yi * log_base(pi, p.base) for pi, yi in pairs if yi != 0), sympy.Integer(0))
    scale = log_scale(p.base)  # d log_b(x) / dx = 1 / (x ln b)
    grad: list[sympy.Expr] | None = None
    if p.logits is not None:
        grad = [combine((pi * sum(y, sympy.Integer(0)) - yi) / scale) for pi, yi in pairs]
    elif all(pi != 0 for pi, yi in pairs if yi != 0):
        grad = [-yi / (pi * scale) if yi != 0 else sympy.Integer(0) for pi, yi in pairs]
    return CrossEntropy(probs, y, loss, grad)


@solver(
    "loss.cross_entropy",
    CEParams,
    example={"probs": [0.25, 0.25, 0.3, 0.2], "target_class": 3},
)
def cross_entropy(p: CEParams) -> Solution:
    """Cross-entropy ``-sum_i y_i log p_i`` (one-hot: ``-log p_true``), optionally against
    label-smoothed targets.

    Values: ``loss`` (exact, e.g. ``-log(3/10)``), ``probs`` (when logits are given),
    ``targets`` (with label smoothing), ``grad_probs`` (``-y_i / p_i``) or ``grad_logits``
    (``p - y``).
    """
    r = cross_entropy_of(p)
    w = Worked()
    if p.logits is not None:
        w.step(f"softmax of the logits: p = {vec_text(r.probs)}", "p = " + vector(r.probs).latex())
        w.value("probs", vector(r.probs))
    log_tex = r"\log" if p.base == "e" else rf"\log_{{{p.base}}}"
    if p.label_smoothing != 0:
        how = (
            "(1 - eps) y + eps / K" if p.smoothing_style == "uniform" else "1 - eps, eps / (K - 1)"
        )
        w.step(
            f"label smoothing ({p.smoothing_style}, eps = {p.label_smoothing}): targets "
            f"{how} = {vec_text(r.targets)}",
            rf"y = {vec_tex(r.targets)}",
        )
        w.value("targets", vector(r.targets))
    if p.target_class is not None and p.label_smoothing == 0:
        t, pt = p.target_class, r.probs[p.target_class - 1]
        w.step(
            f"Only the true class (class {t}) has y = 1: L = -log p_{t} = -log({sympy.sstr(pt)}) = {show(r.loss)}",
            rf"L = -\sum_i y_i {log_tex} p_i = -{log_tex} {sympy.latex(pt)} = {tex(r.loss)}",
        )
    else:
        w.step(
            f"L = -sum y_i log p_i = {show(r.loss)}",
            rf"L = -\sum_i y_i {log_tex} p_i = {tex(r.loss)}",
        )
    w.value("loss", real(r.loss))
    if r.grad is not None and p.logits is not None:
        over = "" if p.base == "e" else f" / ln {p.base}"
        w.step(
            f"dL/dz = (p - y){over} = {vec_text(r.grad)}",
            r"\frac{\partial L}{\partial z} = p - y"
            + ("" if p.base == "e" else rf" / \ln {p.base}"),
        )
        w.value("grad_logits", vector(r.grad))
    elif r.grad is not None:
        w.step(
            f"dL/dp_i = -y_i / p_i = {vec_text(r.grad)}",
            r"\frac{\partial L}{\partial p_i} = -\frac{y_i}{p_i}",
        )
        w.value("grad_probs", vector(r.grad))
    return w.solution()


@dataclass(frozen=True)
class BCEParams:
    probs: list[Scalar] | None = param("predicted probabilities, one per label", None)
    logits: list[Scalar] | None = param("logits (sigmoid is applied) instead of probs", None)
    targets: list[Scalar] = param("true labels (0/1, or soft targets in [0, 1])", factory=list)
    reduction: Literal["sum", "mean"] = param(
        "combine the per-label losses",
        "sum",
        choices={
            "sum": "sum over the labels (multi-label BCE as usually written)",
            "mean": "mean over the labels (PyTorch's binary_cross_entropy default)",
        },
    )
    base: Base = param("logarithm base", "e", choices=BASES)

    def check(self) -> None:
        if (self.probs is None) == (self.logits is None):
            raise ParameterError("probs", "give exactly one of probs or logits")
        n = len(self.probs if self.probs is not None else self.logits or [])
        if len(self.targets) != n or n == 0:
            raise ParameterError("targets", f"expected {n} labels")
        if self.probs is not None:
            check_probs(self.probs, "probs", sums_to_one=False)
            for i, (p, y) in enumerate(zip(self.probs, self.targets, strict=True)):
                if (p == 0 and y != 0) or (p == 1 and y != 1):
                    raise ParameterError(
                        f"probs[{i}]", "the label has probability 0: the loss is infinite"
                    )


@dataclass(frozen=True)
class BinaryCrossEntropy:
    """The maths of ``loss.binary_cross_entropy``: per-label terms, the loss and its
    gradient (with respect to the logits, or to the probabilities when all are in (0, 1))."""

    probs: list[sympy.Expr]
    terms: list[sympy.Expr]
    loss: sympy.Expr
    grad: list[sympy.Expr] | None


def binary_cross_entropy_of(p: BCEParams) -> BinaryCrossEntropy:
    if p.logits is not None:
        probs = [1 / (1 + safe_exp(-z)) for z in p.logits]
    else:
        probs = list(p.probs or [])
    pairs = list(zip(probs, p.targets, strict=True))
    terms = []
    for pi, yi in pairs:
        term = sympy.Integer(0)
        if yi != 0:
            term -= yi * log_base(pi, p.base)
        if yi != 1:
            term -= (1 - yi) * log_base(1 - pi, p.base)
        terms.append(term)
    n = len(terms)
    total = sum(terms, sympy.Integer(0))
    loss = total if p.reduction == "sum" else total / n
    # The gradients of a base-b logarithm carry 1 / ln b.
    k = (sympy.Integer(1) if p.reduction == "sum" else sympy.Rational(1, n)) / log_scale(p.base)
    grad = None
    if p.logits is not None:
        grad = [combine(k * (pi - yi)) for pi, yi in pairs]
    elif all(0 < pi < 1 for pi in probs):
        grad = [sympy.simplify(k * (pi - yi) / (pi * (1 - pi))) for pi, yi in pairs]
    return BinaryCrossEntropy(probs, terms, loss, grad)


@solver(
    "loss.binary_cross_entropy",
    BCEParams,
    example={"probs": [0.9, 0.8, 0.1], "targets": [1, 1, 0]},
)
def binary_cross_entropy(p: BCEParams) -> Solution:
    """(Multi-label) binary cross-entropy ``-[y log p + (1 - y) log(1 - p)]`` per label.

    Values: ``loss``, ``terms`` (per label), ``grad_probs`` (``(p - y) / (p (1 - p))``) or
    ``grad_logits`` (``sigmoid(z) - y``), scaled by ``1/n`` for ``mean`` and by ``1 / ln b``
    for a base-b logarithm.
    """
    r = binary_cross_entropy_of(p)
    n = len(r.terms)
    w = Worked()
    if p.logits is not None:
        w.step(
            f"sigmoid of the logits: p = {vec_text(r.probs)}",
            rf"p = \sigma(z) = {vec_tex(r.probs)}",
        )
        w.value("probs", vector(r.probs))
    for i, (pi, yi, term) in enumerate(zip(r.probs, p.targets, r.terms, strict=True)):
        w.step(
            f"label {i + 1}: y = {yi}, p = {show(pi)}: -[y log p + (1-y) log(1-p)] = {show(term)}",
            rf"\ell_{{{i + 1}}} = {tex(term)}",
        )
    w.step(f"{p.reduction} over {n} labels: L = {show(r.loss)}", rf"L = {tex(r.loss)}")
    w.value("loss", real(r.loss))
    w.value("terms", vector(r.terms))
    if r.grad is not None and p.logits is not None:
        w.step(
            f"dL/dz = {_scaled('sigmoid(z) - y', p.reduction, n, p.base)} = {vec_text(r.grad)}",
            r"\frac{\partial L}{\partial z} = \sigma(z) - y",
        )
        w.value("grad_logits", vector(r.grad))
    elif r.grad is not None:
        w.step(
            f"dL/dp = {_scaled('(p - y) / (p (1 - p))', p.reduction, n, p.base)} = "
            f"{vec_text(r.grad)}",
            rf"\frac{{\partial L}}{{\partial p}} = \frac{{p - y}}{{p (1 - p)}} = {vec_tex(r.grad)}",
        )
        w.value("grad_probs", vector(r.grad))
    return w.solution()


def _scaled(rule: str, reduction: str, n: int, base: str) -> str:
    """A BCE gradient rule with its mean and log-base factors written out."""
    factors = ([f"1/{n}"] if reduction == "mean" else []) + (
        [f"1/ln {base}"] if base != "e" else []
    )
    return " * ".join([*factors, f"({rule})"]) if factors else rule


@dataclass(frozen=True)
class SmoothingParams:
    classes: int = param("number of classes K")
    epsilon: Scalar = param("smoothing epsilon")
    target_class: int = param("true class, 1-based", 1)
    style: Literal["others", "uniform"] = param(
        "how epsilon is spread over the classes", "others", choices=SMOOTHING_STYLES
    )

    def check(self) -> None:
        if self.classes < 2:
            raise ParameterError("classes", "need at least 2 classes")
        if not 1 <= self.target_class <= self.classes:
            raise ParameterError("target_class", f"must be between 1 and {self.classes}")
        if self.epsilon.is_number and not 0 < self.epsilon < 1:
            raise ParameterError(
                "epsilon", "must be in (0, 1): with 0 the optimal logits are infinite"
            )


@dataclass(frozen=True)
class Smoothing:
    """The maths of ``loss.label_smoothing``."""

    true_target: sympy.Expr
    other_target: sympy.Expr
    targets: list[sympy.Expr]
    gap: sympy.Expr  # log(t_true / t_other)
    logits: list[sympy.Expr]  # log t_i (c = 0)
    entropy: sympy.Expr


def smoothing_of(p: SmoothingParams) -> Smoothing:
    k, eps = p.classes, p.epsilon
    hi, lo = (1 - eps, eps / (k - 1)) if p.style == "others" else (1 - eps + eps / k, eps / k)
    targets = [hi if i == p.target_class - 1 else lo for i in range(k)]
    entropy = -sum((t * sympy.log(t) for t in targets if t != 0), sympy.Integer(0))
    return Smoothing(hi, lo, targets, sympy.log(hi / lo), [sympy.log(t) for t in targets], entropy)


SMOOTHING_STEPS = {
    "others": (
        "true class: 1 - eps = {hi}; others: eps / (K - 1) = {lo}",
        r"t = 1 - \epsilon,\ \frac{\epsilon}{K - 1}",
    ),
    "uniform": (
        "true class: 1 - eps + eps/K = {hi}; others: eps/K = {lo}",
        r"t = 1 - \epsilon + \frac{\epsilon}{K},\ \frac{\epsilon}{K}",
    ),
}


@solver(
    "loss.label_smoothing",
    SmoothingParams,
    example={"classes": 4, "epsilon": 0.1, "target_class": 2},
)
def label_smoothing(p: SmoothingParams) -> Solution:
    """Smoothed targets and the logits that minimise cross-entropy against them.

    CE against a target t is minimised by ``softmax(z) = t``, i.e. ``z_i = log t_i + c``
    for any constant c. With the ``others`` style the true logit exceeds every other by
    ``log((1 - eps)(K - 1) / eps)`` (finite: the logits no longer grow without bound).
    Values: ``targets``, ``true_target``, ``other_target``, ``logit_gap``, ``logits``
    (with c = 0), ``min_loss`` (the entropy of the targets).
    """
    r = smoothing_of(p)
    hi, lo = r.true_target, r.other_target
    w = Worked()
    text, latex = SMOOTHING_STEPS[p.style]
    w.step(text.format(hi=show(hi), lo=show(lo)), latex)
    numeric = all(t.is_number for t in r.targets)
    w.value("targets", vector(r.targets) if numeric else value_of(sympy.ImmutableMatrix(r.targets)))
    w.value("true_target", value_of(hi))
    w.value("other_target", value_of(lo))
    w.step(
        "CE is minimised when softmax(z) = t, so z_i = log t_i + c and the gap between the "
        f"true logit and any other is log(t_true / t_other) = {show(r.gap)}",
        rf"z_{{\text{{true}}}} - z_j = \log\frac{{{sympy.latex(hi)}}}{{{sympy.latex(lo)}}} = {tex(r.gap)}",
    )
    w.value("logit_gap", value_of(r.gap))
    if all(t.is_number for t in r.logits):
        w.value("logits", vector(r.logits))
    w.step(
        f"the minimum loss is the entropy of t: {show(r.entropy)}",
        rf"\min L = H(t) = {tex(r.entropy)}",
    )
    w.value("min_loss", value_of(r.entropy))
    return w.solution()
