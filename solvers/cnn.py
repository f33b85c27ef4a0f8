"""CNN layer tables: output shapes, weight and bias shapes, parameter and activation counts.

Shape arithmetic per spatial axis (input ``n``, kernel ``k``, stride ``s``, dilation ``d``,
padding ``p_lo + p_hi``), as in the PyTorch documentation of ``Conv2d``/``MaxPool2d``/
``ConvTranspose2d``:

* convolution and pooling: ``out = floor((n + p_lo + p_hi - d (k - 1) - 1) / s) + 1``;
* pooling with ``ceil_mode``: ``ceil`` instead of ``floor``, dropping a last window that would
  start inside the right padding;
* transposed convolution: ``out = (n - 1) s - p_lo - p_hi + d (k - 1) + output_padding + 1``.

Padding: an integer (all sides), one integer per axis, MATLAB style ``[top bottom left
right]`` (a flat list of ``2 * axes`` numbers), ``[[top, bottom], [left, right]]``, ``"valid"``
(none) or ``"same"`` (TensorFlow rule: ``out = ceil(n / s)``, the odd pixel of padding goes
to the bottom/right).

Conventions: ``HWC`` (default; also ``LC`` in 1-D) reports shapes height x width x channels
and conv weights ``kh x kw x C_in/groups x C_out`` (TensorFlow/MATLAB); ``CHW`` reports
channels first and weights ``C_out x C_in/groups x kh x kw`` (PyTorch). Dense weights are
``in x out`` under HWC and ``out x in`` under CHW.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import param
from solvers.values import Integer, Shape
from solvers.worked import Worked

Padding = int | str | list[int] | list[list[int]]
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
    output_padding: int | list[int] = param("transposed conv: extra size on one side", 0)
    name: str | None = param("name used for this layer's values (default layers[i])", None)


@dataclass(frozen=True)
class CNNParams:
    input: list[int] = param("input shape in the given convention, e.g. [128, 128, 1]")
    layers: list[Layer] = param("layers in order")
    convention: Literal["HWC", "CHW", "LC", "CL"] = param("axis order of shapes", "HWC")

    def check(self) -> None:
        if not self.layers:
            raise ParameterError("layers", "give at least one layer")
        if not 2 <= len(self.input) <= 4:
            raise ParameterError("input", "expected a 1-D, 2-D or 3-D input plus a channel axis")
        for i, d in enumerate(self.input):
            if d <= 0:
                raise ParameterError(f"input[{i}]", "must be positive")


def _per_axis(value: int | list[int] | None, axes: int, default: int, where: str) -> list[int]:
    if value is None:
        return [default] * axes
    if isinstance(value, int):
        out = [value] * axes
    elif len(value) == axes:
        out = list(value)
    else:
        raise ParameterError(where, f"expected one number or {axes}")
    if any(v < 0 for v in out):
        raise ParameterError(where, "must not be negative")
    return out


def resolve_padding(
    padding: Padding, n: list[int], k: list[int], s: list[int], d: list[int], where: str
) -> list[tuple[int, int]]:
    """``(before, after)`` padding per spatial axis."""
    axes = len(n)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * axes
        if padding == "same":
            out = []
            for ni, ki, si, di in zip(n, k, s, d, strict=True):
                target = math.ceil(ni / si)
                total = max((target - 1) * si + di * (ki - 1) + 1 - ni, 0)
                out.append((total // 2, total - total // 2))
            return out
        raise ParameterError(where, "padding must be a number, a list, 'valid' or 'same'")
    if isinstance(padding, int):
        pairs = [(padding, padding)] * axes
    elif all(isinstance(v, list) for v in padding):
        if len(padding) != axes or any(len(v) != 2 for v in padding):  # type: ignore[arg-type]
            raise ParameterError(where, f"expected {axes} pairs [before, after]")
        pairs = [(int(v[0]), int(v[1])) for v in padding]  # type: ignore[index]
    elif len(padding) == axes:
        pairs = [(int(v), int(v)) for v in padding]  # type: ignore[arg-type]
    elif len(padding) == 2 * axes:  # MATLAB: [top bottom left right]
        flat = [int(v) for v in padding]  # type: ignore[arg-type]
        pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(axes)]
    else:
        raise ParameterError(where, f"expected 1, {axes} or {2 * axes} numbers")
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ParameterError(where, "must not be negative")
    return pairs


def conv_out(n: int, k: int, s: int, d: int, pad: tuple[int, int]) -> int:
    """Output length of a convolution (or floor-mode pooling) along one axis."""
    return (n + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


def pool_out_ceil(n: int, k: int, s: int, d: int, pad: tuple[int, int]) -> int:
    """Ceil-mode pooling length (PyTorch rule: a window may not start in the right padding)."""
    out = -(-(n + pad[0] + pad[1] - d * (k - 1) - 1) // s) + 1
    if (out - 1) * s >= n + pad[0]:
        out -= 1
    return out


def conv_transpose_out(n: int, k: int, s: int, d: int, pad: tuple[int, int], extra: int) -> int:
    """Output length of a transposed convolution along one axis."""
    return (n - 1) * s - pad[0] - pad[1] + d * (k - 1) + extra + 1


def _axis_tex(
    mode: str, n: int, k: int, s: int, d: int, pad: tuple[int, int], extra: int, out: int
) -> str:
    """One axis of the shape formula with the numbers filled in, as LaTeX."""
    kernel = f"{d} \\cdot ({k} - 1)" if d != 1 else f"({k} - 1)"
    if mode == "transpose":
        return f"({n} - 1) \\cdot {s} - {pad[0]} - {pad[1]} + {kernel} + {extra} + 1 = {out}"
    if mode == "ceil":
        left, right = r"\left\lceil", r"\right\rceil"
    else:
        left, right = r"\left\lfloor", r"\right\rfloor"
    return rf"{left} \frac{{{n} + {pad[0]} + {pad[1]} - {kernel} - 1}}{{{s}}} {right} + 1 = {out}"


SPATIAL = ("conv", "conv_transpose", "pool", "maxpool", "avgpool")


@dataclass(frozen=True)
class _SpatialOut:
    """What a convolution or pooling layer does to the shape, and its worked line."""

    spatial: list[int]
    channels: int
    weight_shape: tuple[int, ...] | None
    bias_shape: tuple[int, ...] | None
    formula: str
    detail: str
    tex: str
    kernel: list[int]
    stride: list[int]
    dilation: list[int]


def _spatial_layer(
    layer: Layer, where: str, spatial: list[int], channels: int, channels_last: bool
) -> _SpatialOut:
    """Output size per axis, output channels and weight/bias shapes of a conv or pool."""
    kind = layer.type
    axes = len(spatial)
    if layer.kernel is None:
        raise ParameterError(f"{where}.kernel", "required for this layer")
    k = _per_axis(layer.kernel, axes, 1, f"{where}.kernel")
    if any(v == 0 for v in k):
        raise ParameterError(f"{where}.kernel", "must be positive")
    is_pool = kind in ("pool", "maxpool", "avgpool")
    if is_pool and layer.stride is None:
        s = list(k)  # a pooling window moves by its own size unless told otherwise
    else:
        s = _per_axis(layer.stride, axes, 1, f"{where}.stride")
    if any(v == 0 for v in s):
        raise ParameterError(f"{where}.stride", "must be positive")
    d = _per_axis(layer.dilation, axes, 1, f"{where}.dilation")
    pads = resolve_padding(layer.padding, spatial, k, s, d, f"{where}.padding")
    extra = [0] * axes
    if kind == "conv_transpose":
        extra = _per_axis(layer.output_padding, axes, 0, f"{where}.output_padding")
        new = [conv_transpose_out(*a) for a in zip(spatial, k, s, d, pads, extra, strict=True)]
        mode, formula = "transpose", "(n - 1) s - p + d (k - 1) + output_padding + 1"
    elif is_pool and layer.ceil_mode:
        new = [pool_out_ceil(*a) for a in zip(spatial, k, s, d, pads, strict=True)]
        mode, formula = "ceil", "ceil((n + p - d (k - 1) - 1) / s) + 1"
    else:
        new = [conv_out(*a) for a in zip(spatial, k, s, d, pads, strict=True)]
        mode, formula = "floor", "floor((n + p - d (k - 1) - 1) / s) + 1"
    if any(v <= 0 for v in new):
        raise ParameterError(where, f"output size {new} is not positive: the kernel does not fit")
    detail = ", ".join(
        f"axis {a + 1}: n={n}, k={kk}, s={ss}, d={dd}, p={pp[0]}+{pp[1]} -> {o}"
        for a, (n, kk, ss, dd, pp, o) in enumerate(zip(spatial, k, s, d, pads, new, strict=True))
    )
    tex = r",\quad ".join(
        _axis_tex(mode, *a) for a in zip(spatial, k, s, d, pads, extra, new, strict=True)
    )
    if is_pool:
        return _SpatialOut(new, channels, None, None, formula, detail, tex, k, s, d)
    if layer.filters is None:
        raise ParameterError(f"{where}.filters", "required for a convolution")
    out_channels, g = layer.filters, layer.groups
    if g <= 0 or channels % g or out_channels % g:
        raise ParameterError(
            f"{where}.groups",
            f"{g} must divide input ({channels}) and output ({out_channels}) channels",
        )
    if kind == "conv":
        per = channels // g
        weight = (*k, per, out_channels) if channels_last else (out_channels, per, *k)
    else:  # transposed: PyTorch stores C_in x C_out/groups x k, TensorFlow k x C_out x C_in
        per = out_channels // g
        weight = (*k, per, channels) if channels_last else (channels, per, *k)
    bias = (out_channels,) if layer.bias else None
    return _SpatialOut(new, out_channels, weight, bias, formula, detail, tex, k, s, d)


def _dims(spatial: list[int], channels: int, channels_last: bool) -> tuple[int, ...]:
    return (*spatial, channels) if channels_last else (channels, *spatial)


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
    ``bias`` (Shape, learnable layers), ``params``, ``activations`` (Integer), and before
    any flatten ``receptive_field`` (input pixels one output sees along an axis: an Integer,
    or a Shape when the axes differ; ``r = r_prev + (k - 1) d j_prev``, ``j = j_prev s``). Totals:
    ``output`` (final Shape), ``params``, ``weights_total``, ``biases_total``,
    ``activations_total`` (sum of layer outputs, input excluded).
    """
    w = Worked()
    channels_last = p.convention in ("HWC", "LC")
    shape = list(p.input)
    spatial = shape[:-1] if channels_last else shape[1:]
    channels = shape[-1] if channels_last else shape[0]
    flat: int | None = None  # set once the tensor is a vector
    # Receptive field and jump (input pixels between neighbouring outputs) per axis; None
    # once a transposed convolution makes "the input window of one output" ill-defined.
    field: list[int] | None = [1] * len(spatial)
    jump = [1] * len(spatial)
    w.step(f"Input: {' x '.join(map(str, p.input))} ({p.convention})", "")
    totals = {"weights": 0, "biases": 0, "activations": 0}
    for i, layer in enumerate(p.layers):
        where = f"layers[{i}]"
        label = layer.name or where
        weight_shape: tuple[int, ...] | None = None
        bias_shape: tuple[int, ...] | None = None
        kind = layer.type
        if kind in SPATIAL:
            if flat is not None:
                raise ParameterError(
                    f"{where}.type", f"{kind} after flatten: the input is a vector"
                )
            out = _spatial_layer(layer, where, spatial, channels, channels_last)
            weight_shape, bias_shape = out.weight_shape, out.bias_shape
            w.step(f"{label} ({kind}): out = {out.formula}; {out.detail}", out.tex)
            spatial, channels = out.spatial, out.channels
            out_dims = _dims(spatial, channels, channels_last)
            if kind == "conv_transpose" or field is None:
                field = None
            else:
                field = [
                    r + (k - 1) * d * j
                    for r, k, d, j in zip(field, out.kernel, out.dilation, jump, strict=True)
                ]
                jump = [j * s for j, s in zip(jump, out.stride, strict=True)]
                w.step(
                    f"{label} receptive field: r = r_prev + (k - 1) d j_prev = "
                    + " x ".join(map(str, field)),
                    r"r_\ell = r_{\ell-1} + (k - 1)\, d\, j_{\ell-1} = "
                    + r" \times ".join(map(str, field)),
                )
        elif kind == "flatten":
            flat = math.prod(_dims(spatial, channels, channels_last)) if flat is None else flat
            out_dims = (flat,)
            w.step(f"{label} (flatten): {flat} values", "")
        elif kind in ("fc", "dense", "linear"):
            if layer.units is None:
                raise ParameterError(f"{where}.units", "required for a dense layer")
            if flat is None:
                flat = math.prod(_dims(spatial, channels, channels_last))
                w.note(
                    f"{label}: the {' x '.join(map(str, _dims(spatial, channels, channels_last)))} input is flattened to {flat}."
                )
            weight_shape = (flat, layer.units) if channels_last else (layer.units, flat)
            bias_shape = (layer.units,) if layer.bias else None
            flat = layer.units
            out_dims = (flat,)
        elif kind == "batchnorm":
            c = flat if flat is not None else channels
            weight_shape, bias_shape = (c,), (c,)
            out_dims = (flat,) if flat is not None else _dims(spatial, channels, channels_last)
            w.note(
                f"{label}: batch norm learns a scale and a shift per channel; its running mean and variance are not learned."
            )
        else:  # activation, relu, dropout: shape unchanged, nothing learned
            out_dims = (flat,) if flat is not None else _dims(spatial, channels, channels_last)
        n_weights = math.prod(weight_shape) if weight_shape else 0
        n_bias = math.prod(bias_shape) if bias_shape else 0
        size = math.prod(out_dims)
        totals["weights"] += n_weights
        totals["biases"] += n_bias
        totals["activations"] += size
        w.value(f"{label}.output", Shape(tuple(out_dims), p.convention if flat is None else ""))
        w.value(f"{label}.activations", Integer(size))
        w.value(f"{label}.params", Integer(n_weights + n_bias))
        if flat is None and field is not None:
            w.value(
                f"{label}.receptive_field",
                Integer(field[0]) if len(set(field)) == 1 else Shape(tuple(field)),
            )
        if weight_shape:
            w.value(f"{label}.weights", Shape(tuple(weight_shape)))
        if bias_shape:
            w.value(f"{label}.bias", Shape(tuple(bias_shape)))
        learn = ""
        if weight_shape:
            learn = f"; weights {' x '.join(map(str, weight_shape))} = {n_weights}"
            learn += f", bias {n_bias}" if bias_shape else ", no bias"
        w.step(
            f"{label} output: {' x '.join(map(str, out_dims))} ({size} activations){learn}; params {n_weights + n_bias}",
            r" \times ".join(map(str, out_dims)),
        )
    total = totals["weights"] + totals["biases"]
    w.step(
        f"Total: {totals['weights']} weights + {totals['biases']} biases = {total} parameters", ""
    )
    final = (
        w.values[f"{p.layers[-1].name or f'layers[{len(p.layers) - 1}]'}.output"]
        if p.layers
        else Shape(tuple(p.input), p.convention)
    )
    w.value("output", final)
    w.value("params", Integer(total))
    w.value("weights_total", Integer(totals["weights"]))
    w.value("biases_total", Integer(totals["biases"]))
    w.value("activations_total", Integer(totals["activations"]))
    return w.solution()


@dataclass(frozen=True)
class ConvGradParams:
    input: list[int] = param("input shape, e.g. [128, 128, 1] (HWC) or [1, 128, 128] (CHW)")
    kernel: int | list[int] = param("kernel size")
    filters: int = param("output channels", 1)
    stride: int | list[int] = param("stride", 1)
    dilation: int | list[int] = param("dilation", 1)
    padding: Padding = param("padding (see cnn.layers)", "valid")
    groups: int = param("groups", 1)
    bias: bool = param("the convolution has a bias", False)
    convention: Literal["HWC", "CHW", "LC", "CL"] = param("axis order", "HWC")
    names: dict[str, str] = param(
        "extra names for the values, e.g. {x: output, epsilon: grad_output, delta: grad_input, g_w: grad_weight}",
        factory=dict,
    )


@solver(
    "cnn.conv_gradients",
    ConvGradParams,
    example={"input": [128, 128, 1], "kernel": 3, "padding": "valid"},
)
def conv_gradients(p: ConvGradParams) -> Solution:
    """Shapes around one convolution ``y = conv(x, w)``: forward output and the gradients.

    The gradient of a loss with respect to any tensor has that tensor's shape, so
    ``dL/dy`` is shaped like ``y``, ``dL/dx`` like ``x`` and ``dL/dw`` like ``w``.
    Values: ``input``, ``output``, ``weight``, ``grad_output``, ``grad_input``,
    ``grad_weight`` (and ``bias``/``grad_bias`` with a bias), plus any ``names`` aliases.
    """
    layer = {
        "type": "conv",
        "filters": p.filters,
        "kernel": p.kernel,
        "stride": p.stride,
        "dilation": p.dilation,
        "padding": p.padding,
        "groups": p.groups,
        "bias": p.bias,
        "name": "y",
    }
    from solvers.registry import solve

    inner = solve("cnn.layers", {"input": p.input, "convention": p.convention, "layers": [layer]})
    w = Worked()
    for step in inner.steps[1:-1]:
        w.step(step.text, step.latex)
    x = Shape(tuple(p.input), p.convention)
    y = inner.values["y.output"]
    weight = inner.values["y.weights"]
    assert isinstance(y, Shape)
    assert isinstance(weight, Shape)
    w.value("input", x)
    w.value("output", y)
    w.value("weight", weight)
    w.value("grad_output", y)
    w.value("grad_input", x)
    w.value("grad_weight", weight)
    order = "kh x kw x C_in x C_out" if p.convention in ("HWC", "LC") else "C_out x C_in x kh x kw"
    w.step(
        "A gradient has the shape of the tensor it differentiates with respect to: "
        f"dL/dy {_txt(y)}, dL/dx {_txt(x)}, dL/dw {_txt(weight)} ({order}).",
        rf"\frac{{\partial L}}{{\partial y}} \in \mathbb{{R}}^{{{y.latex()}}},\ "
        rf"\frac{{\partial L}}{{\partial x}} \in \mathbb{{R}}^{{{x.latex()}}},\ "
        rf"\frac{{\partial L}}{{\partial w}} \in \mathbb{{R}}^{{{weight.latex()}}}",
    )
    if p.bias:
        bias = inner.values["y.bias"]
        w.value("bias", bias)
        w.value("grad_bias", bias)
    for alias, target in p.names.items():
        if target not in w.values:
            raise ParameterError(
                f"names.{alias}", f"unknown value {target!r}; known: {', '.join(w.values)}"
            )
        w.value(alias, w.values[target])
    for note in inner.notes:
        w.note(note)
    return w.solution()


def _txt(shape: Shape) -> str:
    return " x ".join(map(str, shape.dims))
