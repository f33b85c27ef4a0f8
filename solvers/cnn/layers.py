"""``cnn.layers``: a layer table's output shapes, weights, biases, parameter and activation
counts, receptive fields and parameter tensors.

Each layer kind has one rule (:data:`RULES`) that turns the tensor flowing in into the
tensor flowing out and what the layer learns; the worked steps are written afterwards from
those results (:func:`_write_layer`), so the arithmetic reads apart from the text.

Conventions: ``HWC`` (default; also ``LC`` in 1-D) reports shapes height x width x channels
and conv weights ``kh x kw x C_in/groups x C_out`` (TensorFlow/MATLAB); ``CHW`` reports
channels first and weights ``C_out x C_in/groups x kh x kw`` (PyTorch). Dense weights are
``in x out`` under HWC and ``out x in`` under CHW. An input of one number (``[256]``) is a
flat vector under either convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from solvers.cnn.shapes import (
    CEIL_RULE_STEPS,
    CEIL_RULES,
    FORMULAS,
    Axis,
    CeilRule,
    Mode,
    Padding,
    axis_lengths,
    axis_tex,
    axis_text,
    per_axis,
    resolve_ceil_rule,
    resolve_padding,
)
from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import param
from solvers.values import Integer, Shape
from solvers.worked import Worked

LayerType = Literal[
    "conv",
    "pool",
    "maxpool",
    "avgpool",
    "flatten",
    "fc",
    "dense",
    "linear",
    "conv_transpose",
    "activation",
    "relu",
    "dropout",
    "batchnorm",
]
Convention = Literal["HWC", "CHW", "LC", "CL"]
CONVENTIONS = {
    "HWC": "channels last (TensorFlow, MATLAB): H x W x C; conv weights kh x kw x C_in x C_out, "
    "dense weights in x out",
    "CHW": "channels first (PyTorch): C x H x W; conv weights C_out x C_in x kh x kw, "
    "dense weights out x in",
    "LC": "1-D, channels last: length x channels",
    "CL": "1-D, channels first: channels x length",
}
POOLS = ("pool", "maxpool", "avgpool")
SPATIAL = ("conv", "conv_transpose", *POOLS)


@dataclass(frozen=True)
class Layer:
    """One row of a layer table."""

    type: LayerType = param("layer kind")
    filters: int | None = param("output channels of a conv / transposed conv", None)
    units: int | None = param("output units of a dense layer", None)
    kernel: int | list[int] | None = param(
        "kernel (pool window) size, one int or one per axis", None
    )
    stride: int | list[int] | None = param(
        "stride (default 1; a pool's default is its kernel)", None
    )
    dilation: int | list[int] = param("dilation", 1)
    padding: Padding = param(
        "int, per axis, [top bottom left right], [[t, b], [l, r]], 'valid' or 'same'", 0
    )
    groups: int = param("grouped convolution (depthwise: groups = input channels)", 1)
    bias: bool = param("the layer has a bias per output channel / unit", True)
    ceil_mode: bool = param("pooling: ceil instead of floor", False)
    ceil_rule: CeilRule = param(
        "pooling in ceil mode: when the last window is dropped", "auto", choices=CEIL_RULES
    )
    output_padding: int | list[int] = param("transposed conv: extra size on one side", 0)
    name: str | None = param("name used for this layer's values (default layers[i])", None)


@dataclass(frozen=True)
class CNNParams:
    input: list[int] = param(
        "input shape in the given convention, e.g. [128, 128, 1]; one number is a flat vector"
    )
    layers: list[Layer] = param("layers in order")
    convention: Convention = param("axis order of shapes", "HWC", choices=CONVENTIONS)

    def check(self) -> None:
        if not self.layers:
            raise ParameterError("layers", "give at least one layer")
        if not 1 <= len(self.input) <= 4:
            raise ParameterError(
                "input", "expected a flat vector, or a 1-D, 2-D or 3-D input plus a channel axis"
            )
        for i, d in enumerate(self.input):
            if d <= 0:
                raise ParameterError(f"input[{i}]", "must be positive")


@dataclass(frozen=True)
class Tensor:
    """The activation flowing between layers: spatial axes and channels, or a flat vector.

    ``field`` is the receptive field per axis and ``jump`` the input pixels between
    neighbouring outputs; ``field`` is None once a transposed convolution makes "the input
    window of one output" ill-defined.
    """

    spatial: tuple[int, ...]
    channels: int
    channels_last: bool
    flat: int | None = None
    field: tuple[int, ...] | None = None
    jump: tuple[int, ...] = ()

    def dims(self) -> tuple[int, ...]:
        if self.flat is not None:
            return (self.flat,)
        if self.channels_last:
            return (*self.spatial, self.channels)
        return (self.channels, *self.spatial)

    def size(self) -> int:
        return math.prod(self.dims())


@dataclass(frozen=True)
class Spatial:
    """A convolution or pooling layer's per-axis arithmetic, for the worked steps."""

    mode: Mode
    axes: list[Axis]
    rule: CeilRule | None = None


@dataclass(frozen=True)
class Row:
    """What one layer does: the tensor after it, what it learns and what to say about it."""

    label: str
    kind: str
    after: Tensor
    weights: tuple[int, ...] | None = None
    bias: tuple[int, ...] | None = None
    spatial: Spatial | None = None
    flattened_from: tuple[int, ...] | None = None  # a dense layer flattening its input
    notes: list[str] = field(default_factory=list)

    def tensors(self) -> int:
        return (self.weights is not None) + (self.bias is not None)

    def n_weights(self) -> int:
        return math.prod(self.weights) if self.weights else 0

    def n_bias(self) -> int:
        return math.prod(self.bias) if self.bias else 0


def _spatial_rule(layer: Layer, where: str, x: Tensor) -> Row:
    """Output size per axis, output channels and weight/bias shapes of a conv or pool."""
    if x.flat is not None:
        raise ParameterError(
            f"{where}.type",
            f"{layer.type} needs spatial axes but its input is a flat vector (after a flatten "
            "or dense layer, or a flat input: write a 1-D signal as [length, channels])",
        )
    axes = len(x.spatial)
    if layer.kernel is None:
        raise ParameterError(f"{where}.kernel", "required for this layer")
    k = per_axis(layer.kernel, axes, 1, f"{where}.kernel")
    if 0 in k:
        raise ParameterError(f"{where}.kernel", "must be positive")
    is_pool = layer.type in POOLS
    if is_pool and layer.stride is None:
        s = list(k)  # a pooling window moves by its own size unless told otherwise
    else:
        s = per_axis(layer.stride, axes, 1, f"{where}.stride")
    if 0 in s:
        raise ParameterError(f"{where}.stride", "must be positive")
    d = per_axis(layer.dilation, axes, 1, f"{where}.dilation")
    n = list(x.spatial)
    pads = resolve_padding(layer.padding, n, k, s, d, f"{where}.padding")
    extra = [0] * axes
    rule: CeilRule | None = None
    mode: Mode = "floor"
    if layer.type == "conv_transpose":
        extra = per_axis(layer.output_padding, axes, 0, f"{where}.output_padding")
        mode = "transpose"
    elif is_pool and layer.ceil_mode:
        mode, rule = "ceil", resolve_ceil_rule(layer.ceil_rule, layer.padding, pads, k)
    lengths = axis_lengths(mode, n, k, s, d, pads, extra, rule or "pool_padding")
    out = tuple(a.out for a in lengths)
    if any(v <= 0 for v in out):
        raise ParameterError(
            where, f"output size {list(out)} is not positive: the kernel does not fit"
        )
    fld = None
    if x.field is not None and mode != "transpose":
        fld = tuple(
            r + (kk - 1) * dd * j for r, kk, dd, j in zip(x.field, k, d, x.jump, strict=True)
        )
    jump = tuple(j * ss for j, ss in zip(x.jump, s, strict=True))
    after = replace(x, spatial=out, field=fld, jump=jump)
    spatial = Spatial(mode, lengths, rule)
    if is_pool:
        return Row("", layer.type, after, spatial=spatial)
    weights, channels = _conv_weights(layer, where, x, k)
    bias = (channels,) if layer.bias else None
    return Row("", layer.type, replace(after, channels=channels), weights, bias, spatial)


def _conv_weights(layer: Layer, where: str, x: Tensor, k: list[int]) -> tuple[tuple[int, ...], int]:
    """The weight shape of a (transposed) convolution, and its output channels."""
    if layer.filters is None:
        raise ParameterError(f"{where}.filters", "required for a convolution")
    c_in, c_out, g = x.channels, layer.filters, layer.groups
    if g <= 0 or c_in % g or c_out % g:
        raise ParameterError(
            f"{where}.groups", f"{g} must divide input ({c_in}) and output ({c_out}) channels"
        )
    if layer.type == "conv":
        per = c_in // g
        return ((*k, per, c_out) if x.channels_last else (c_out, per, *k)), c_out
    # transposed: PyTorch stores C_in x C_out/groups x k, TensorFlow k x C_out x C_in
    per = c_out // g
    return ((*k, per, c_in) if x.channels_last else (c_in, per, *k)), c_out


def _flatten_rule(layer: Layer, where: str, x: Tensor) -> Row:
    return Row("", "flatten", replace(x, flat=x.size()))


def _dense_rule(layer: Layer, where: str, x: Tensor) -> Row:
    if layer.units is None:
        raise ParameterError(f"{where}.units", "required for a dense layer")
    flattened = x.dims() if x.flat is None else None
    n_in = x.size()
    weights = (n_in, layer.units) if x.channels_last else (layer.units, n_in)
    bias = (layer.units,) if layer.bias else None
    after = replace(x, flat=layer.units)
    return Row("", layer.type, after, weights, bias, flattened_from=flattened)


def _batchnorm_rule(layer: Layer, where: str, x: Tensor) -> Row:
    c = x.flat if x.flat is not None else x.channels
    note = "batch norm learns a scale and a shift per channel; its running mean and variance are not learned."
    return Row("", "batchnorm", x, (c,), (c,), notes=[note])


def _same_rule(layer: Layer, where: str, x: Tensor) -> Row:
    return Row("", layer.type, x)


Rule = Callable[[Layer, str, Tensor], Row]
RULES: dict[str, Rule] = {
    **dict.fromkeys(SPATIAL, _spatial_rule),
    "flatten": _flatten_rule,
    **dict.fromkeys(("fc", "dense", "linear"), _dense_rule),
    "batchnorm": _batchnorm_rule,
    **dict.fromkeys(("activation", "relu", "dropout"), _same_rule),
}


def _input_tensor(p: CNNParams) -> Tensor:
    channels_last = p.convention in ("HWC", "LC")
    shape = list(p.input)
    if len(shape) == 1:
        return Tensor((), shape[0], channels_last, flat=shape[0])
    spatial = tuple(shape[:-1] if channels_last else shape[1:])
    channels = shape[-1] if channels_last else shape[0]
    ones = (1,) * len(spatial)
    return Tensor(spatial, channels, channels_last, field=ones, jump=ones)


def layer_rows(p: CNNParams) -> list[Row]:
    """Every layer's :class:`Row`, in order (the arithmetic of ``cnn.layers``)."""
    x = _input_tensor(p)
    rows = []
    for i, layer in enumerate(p.layers):
        where = f"layers[{i}]"
        row = replace(RULES[layer.type](layer, where, x), label=layer.name or where)
        rows.append(row)
        x = row.after
    return rows


@solver(
    "cnn.layers",
    CNNParams,
    example={
        "input": [32, 32, 3],
        "convention": "HWC",
        "layers": [
            {"type": "conv", "filters": 16, "kernel": 3, "padding": "same"},
            {"type": "relu"},
            {"type": "maxpool", "kernel": 2},
            {"type": "conv", "filters": 32, "kernel": 5, "stride": 2, "padding": [1, 2, 1, 2]},
            {"type": "flatten"},
            {"type": "fc", "units": 10},
        ],
    },
)
def cnn_layers(p: CNNParams) -> Solution:
    """Per layer: output shape, weight and bias shapes and counts, activation size; totals.

    Values per layer (``layers[i].`` or ``<name>.``): ``output`` (Shape), ``weights`` and
    ``bias`` (Shape, learnable layers), ``params``, ``tensors`` (parameter tensors: a weight
    and a bias), ``activations`` (Integer), and before any flatten ``receptive_field``
    (input pixels one output sees along an axis: an Integer, or a Shape when the axes differ;
    ``r = r_prev + (k - 1) d j_prev``, ``j = j_prev s``). Totals: ``output`` (final Shape),
    ``params``, ``weights_total``, ``biases_total``, ``parameter_tensors`` (what
    ``len(list(model.parameters()))`` counts), ``activations_total`` (sum of layer outputs,
    input excluded).
    """
    w = Worked()
    rows = layer_rows(p)
    w.step(f"Input: {' x '.join(map(str, p.input))} ({p.convention})", "")
    for row in rows:
        _write_layer(w, row, p.convention)
    weights = sum(r.n_weights() for r in rows)
    biases = sum(r.n_bias() for r in rows)
    tensors = sum(r.tensors() for r in rows)
    w.step(
        f"Total: {weights} weights + {biases} biases = {weights + biases} parameters, "
        f"in {tensors} parameter tensors (one weight and one bias tensor per layer that has them)",
        rf"{weights} + {biases} = {weights + biases}",
    )
    w.value("output", w.values[f"{rows[-1].label}.output"])
    w.value("params", Integer(weights + biases))
    w.value("weights_total", Integer(weights))
    w.value("biases_total", Integer(biases))
    w.value("parameter_tensors", Integer(tensors))
    w.value("activations_total", Integer(sum(r.after.size() for r in rows)))
    return w.solution()


def _write_layer(w: Worked, row: Row, convention: str) -> None:
    """The worked steps and values of one layer."""
    label, after = row.label, row.after
    if row.spatial is not None:
        _write_spatial(w, row)
    elif row.kind == "flatten":
        w.step(f"{label} (flatten): {after.flat} values", "")
    if row.flattened_from is not None:
        w.note(
            f"{label}: the {_x(row.flattened_from)} input is flattened to {math.prod(row.flattened_from)}."
        )
    for note in row.notes:
        w.note(f"{label}: {note}")
    w.value(f"{label}.output", Shape(after.dims(), convention if after.flat is None else ""))
    w.value(f"{label}.activations", Integer(after.size()))
    w.value(f"{label}.params", Integer(row.n_weights() + row.n_bias()))
    w.value(f"{label}.tensors", Integer(row.tensors()))
    if after.flat is None and after.field is not None:
        fld = after.field
        w.value(f"{label}.receptive_field", Integer(fld[0]) if len(set(fld)) == 1 else Shape(fld))
    if row.weights:
        w.value(f"{label}.weights", Shape(row.weights))
    if row.bias:
        w.value(f"{label}.bias", Shape(row.bias))
    learn = ""
    if row.weights:
        learn = f"; weights {_x(row.weights)} = {row.n_weights()}"
        learn += f", bias {row.n_bias()}" if row.bias else ", no bias"
    w.step(
        f"{label} output: {_x(after.dims())} ({after.size()} activations){learn}; "
        f"params {row.n_weights() + row.n_bias()}",
        r" \times ".join(map(str, after.dims())),
    )


def _write_spatial(w: Worked, row: Row) -> None:
    assert row.spatial is not None
    sp, label = row.spatial, row.label
    how = f"ceil mode, {CEIL_RULE_STEPS[sp.rule]}; " if sp.rule else ""
    detail = ", ".join(axis_text(i, a) for i, a in enumerate(sp.axes))
    w.step(
        f"{label} ({row.kind}): {how}out = {FORMULAS[sp.mode]}; {detail}",
        r",\quad ".join(axis_tex(sp.mode, a) for a in sp.axes),
    )
    if row.after.field is not None:
        w.step(
            f"{label} receptive field: r = r_prev + (k - 1) d j_prev = {_x(row.after.field)}",
            r"r_\ell = r_{\ell-1} + (k - 1)\, d\, j_{\ell-1} = "
            + r" \times ".join(map(str, row.after.field)),
        )


def _x(dims: tuple[int, ...]) -> str:
    return " x ".join(map(str, dims))
