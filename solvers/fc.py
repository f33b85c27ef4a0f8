"""Fully connected (feed-forward) networks: widths, weights, biases and parameter counts.

A dense layer from ``n_in`` to ``n_out`` units has ``n_in * n_out`` weights and ``n_out``
biases. Hidden widths are given as a list or by a rule ("the first hidden layer is twice the
input, each next one half the previous"). The output layer is sized from the task:

* ``softmax`` over K classes: K units (a "none of the above" outcome is one more class);
* ``sigmoid``: one unit per independent yes/no label (K sigmoids; multi-label);
* ``linear``/``none``: ``output`` units as given (regression).

Worked example (seed exam): input 20, four hidden layers 40-20-10-5, softmax over 4 outcomes
(3 diagnoses + "no diagnosis") gives 840 + 820 + 210 + 55 + 24 = 1949 parameters; 3 sigmoid
outputs instead give 1949 - 24 + 18 = 1943.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Integer
from solvers.worked import Worked


@dataclass(frozen=True)
class HiddenRule:
    """Hidden widths by rule: ``first = first_factor * input``, then ``next = factor * previous``."""

    layers: int = param("number of hidden layers")
    first_factor: Scalar = param("first hidden width / input width", 2)
    factor: Scalar = param("each next hidden width / the previous one", sympy.Rational(1, 2))
    rounding: Literal["exact", "floor", "ceil", "round"] = param(
        "what to do with a non-integer width (exact: refuse)", "exact"
    )


@dataclass(frozen=True)
class FCParams:
    input: int = param("input width (features)")
    hidden: list[int] | None = param("hidden widths, in order", None)
    hidden_rule: HiddenRule | None = param("hidden widths by rule (instead of hidden)", None)
    output: int | None = param("output units (overrides classes)", None)
    classes: int | None = param("number of classes / labels the output layer encodes", None)
    none_class: bool = param("add a 'none of them' class to a softmax output", False)
    output_activation: Literal["softmax", "sigmoid", "linear", "none"] = param(
        "output activation (documents the design; decides units from classes)", "softmax"
    )
    bias: bool = param("hidden layers have biases", True)
    output_bias: bool | None = param("output layer has biases (default: same as bias)", None)

    def check(self) -> None:
        if self.input <= 0:
            raise ParameterError("input", "must be positive")
        if (self.hidden is None) == (self.hidden_rule is None):
            raise ParameterError("hidden", "give exactly one of hidden or hidden_rule")
        if self.output is None and self.classes is None:
            raise ParameterError("output", "give output (units) or classes")
        for i, width in enumerate(self.hidden or []):
            if width <= 0:
                raise ParameterError(f"hidden[{i}]", "must be positive")


def hidden_widths(p: FCParams) -> list[int]:
    """The hidden widths, from the list or by applying the rule."""
    if p.hidden is not None:
        return list(p.hidden)
    rule = p.hidden_rule
    assert rule is not None
    widths: list[int] = []
    current: sympy.Expr = rule.first_factor * p.input
    for i in range(rule.layers):
        if i > 0:
            current = current * rule.factor
        if not current.is_Integer:
            if rule.rounding == "exact":
                raise ParameterError(
                    "hidden_rule.rounding", f"hidden layer {i + 1} would have {current} units"
                )
            current = {
                "floor": sympy.floor,
                "ceil": sympy.ceiling,
                "round": lambda v: sympy.Integer(round(float(v))),
            }[rule.rounding](current)
        if current <= 0:
            raise ParameterError("hidden_rule", f"hidden layer {i + 1} would have no units")
        widths.append(int(current))
    return widths


@dataclass(frozen=True)
class Dense:
    """One dense layer: ``n_in * n_out`` weights and ``n_out`` biases (when it has them)."""

    n_in: int
    n_out: int
    bias: bool
    output: bool

    @property
    def weights(self) -> int:
        return self.n_in * self.n_out

    @property
    def biases(self) -> int:
        return self.n_out if self.bias else 0

    @property
    def tensors(self) -> int:
        return 1 + self.bias


def output_units(p: FCParams) -> int:
    """Output units: ``output`` as given, else one per class (plus a 'none' class)."""
    if p.output is not None:
        return p.output
    assert p.classes is not None
    return p.classes + (1 if p.none_class and p.output_activation == "softmax" else 0)


def network(p: FCParams) -> list[Dense]:
    """The dense layers, input to output (the arithmetic of ``fc.params``)."""
    widths = [p.input, *hidden_widths(p), output_units(p)]
    last = len(widths) - 1
    out_bias = p.output_bias if p.output_bias is not None else p.bias
    return [
        Dense(widths[k - 1], widths[k], out_bias if k == last else p.bias, k == last)
        for k in range(1, len(widths))
    ]


@solver(
    "fc.params",
    FCParams,
    example={
        "input": 20,
        "hidden_rule": {"layers": 4, "first_factor": 2, "factor": 0.5},
        "classes": 4,
        "output_activation": "softmax",
    },
)
def fc_params(p: FCParams) -> Solution:
    """Parameter count of a fully connected network, layer by layer.

    Values: ``params`` (total learnable), ``weights``, ``biases``, ``output_units``,
    ``hidden_units``, ``parameter_tensors`` (a weight matrix per layer plus a bias vector per
    layer that has one: what ``len(list(model.parameters()))`` counts) and, per layer
    k = 1..L, ``layer{k}.params`` and ``layer{k}.tensors``.
    """
    layers = network(p)
    hidden = [d.n_out for d in layers[:-1]]
    total_w = sum(d.weights for d in layers)
    total_b = sum(d.biases for d in layers)
    tensors = sum(d.tensors for d in layers)
    w = Worked()
    _write_widths(w, p, [layers[0].n_in, *hidden, layers[-1].n_out])
    for k, d in enumerate(layers, 1):
        label = "output" if d.output else f"hidden {k}"
        w.step(
            f"Layer {k} ({label}, {d.n_in} -> {d.n_out}): {d.n_in}*{d.n_out} weights"
            + (f" + {d.n_out} biases" if d.bias else ", no biases")
            + f" = {d.weights + d.biases}",
            rf"{d.n_in} \cdot {d.n_out}"
            + (f" + {d.n_out}" if d.bias else "")
            + f" = {d.weights + d.biases}",
        )
        w.value(f"layer{k}.params", Integer(d.weights + d.biases))
        w.value(f"layer{k}.tensors", Integer(d.tensors))
    w.step(
        f"Total: {total_w} weights + {total_b} biases = {total_w + total_b} learnable parameters, "
        f"in {tensors} parameter tensors (a weight matrix per layer, a bias vector per layer "
        "that has biases)",
        rf"{total_w} + {total_b} = {total_w + total_b}",
    )
    w.value("params", Integer(total_w + total_b))
    w.value("weights", Integer(total_w))
    w.value("biases", Integer(total_b))
    w.value("output_units", Integer(layers[-1].n_out))
    w.value("hidden_units", Integer(sum(hidden)))
    w.value("parameter_tensors", Integer(tensors))
    return w.solution()


def _write_widths(w: Worked, p: FCParams, widths: list[int]) -> None:
    """The steps that size the layers: the hidden rule, the output layer, the widths."""
    out = widths[-1]
    if p.hidden_rule is not None:
        w.step(
            f"Hidden widths by rule: {p.hidden_rule.first_factor} * {p.input} = {widths[1]}, "
            f"then x{p.hidden_rule.factor} each: " + "-".join(map(str, widths[1:-1])),
            r"n_1 = "
            + sympy.latex(p.hidden_rule.first_factor)
            + rf" \cdot {p.input} = {widths[1]}",
        )
    how = {
        "softmax": f"softmax over {out} classes: {out} units",
        "sigmoid": f"{out} sigmoid units, one per yes/no label",
        "linear": f"{out} linear units",
        "none": f"{out} units",
    }[p.output_activation]
    w.step(f"Output layer: {how}.", "")
    w.step("Widths: " + "-".join(map(str, widths)), " - ".join(map(str, widths)))
