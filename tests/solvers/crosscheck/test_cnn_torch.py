"""cnn.layers and cnn.conv_gradients against PyTorch modules run on a zero input.

Random layer tables (convolutions with groups and dilation, transposed convolutions, max and
average pooling in floor and ceil mode, batch norm, flatten, dense layers), every padding
form an answer key may use (one number, one per axis, MATLAB ``[top bottom left right]``,
``[[t, b], [l, r]]``, ``'valid'``, ``'same'``), both axis conventions and both ceil rules.
The test translates each padding form into PyTorch itself: a pooling layer's own ``padding=``
where PyTorch accepts it and the ceil rule is ``pool_padding``, otherwise ``ZeroPad`` before
the layer (the padded input is pooled). Shapes, weight shapes, parameter and tensor counts
and activations must be equal; where PyTorch refuses a table the solver must refuse it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from solvers.core import ParameterError
from solvers.registry import solve
from tests.solvers.crosscheck.common import (
    assert_int,
    assert_shape,
    crosscheck,
    torch,
)

nn = torch.nn
F = torch.nn.functional


@dataclass
class Built:
    """A layer as PyTorch runs it: the callable, its learnable module (if any), and how the
    solver's weight shape reads the module's weight."""

    run: Any
    module: Any = None


def _per_axis(value: Any, axes: int) -> list[int]:
    return [value] * axes if isinstance(value, int) else list(value)


def _side_pads(padding: Any, axes: int) -> list[tuple[int, int]] | None:
    """(before, after) per axis for the per-side forms; None for PyTorch's symmetric ones."""
    if isinstance(padding, list) and padding and isinstance(padding[0], list):
        return [(a, b) for a, b in padding]
    if isinstance(padding, list) and len(padding) == 2 * axes:
        return [(padding[2 * i], padding[2 * i + 1]) for i in range(axes)]
    return None


def _zero_pad(pads: list[tuple[int, int]]) -> Any:
    flat: list[int] = []
    for lo, hi in reversed(pads):  # F.pad lists the last axis first
        flat += [lo, hi]
    return lambda x: F.pad(x, flat)


def _module(kind: str, axes: int) -> Any:
    return {
        ("conv", 1): nn.Conv1d,
        ("conv", 2): nn.Conv2d,
        ("conv_transpose", 1): nn.ConvTranspose1d,
        ("conv_transpose", 2): nn.ConvTranspose2d,
        ("maxpool", 1): nn.MaxPool1d,
        ("maxpool", 2): nn.MaxPool2d,
        ("avgpool", 1): nn.AvgPool1d,
        ("avgpool", 2): nn.AvgPool2d,
        ("batchnorm", 1): nn.BatchNorm1d,
        ("batchnorm", 2): nn.BatchNorm2d,
    }[(kind, axes)]


def _conv(layer: dict, c_in: int, axes: int) -> Built:
    kind = layer["type"]
    opts = {k: layer[k] for k in ("stride", "dilation", "groups") if k in layer}
    if kind == "conv_transpose":
        opts["output_padding"] = layer.get("output_padding", 0)
    bias = layer.get("bias", True)
    sides = _side_pads(layer.get("padding", 0), axes)
    padding = 0 if sides is not None else layer.get("padding", 0)
    if isinstance(padding, list):
        padding = tuple(padding)
    module = _module(kind, axes)(
        c_in, layer["filters"], layer["kernel"], padding=padding, bias=bias, **opts
    )
    if sides is None:
        return Built(module, module)
    pad = _zero_pad(sides)
    return Built(lambda x: module(pad(x)), module)


def _ceil_rule(layer: dict, axes: int) -> str:
    """The ceil rule the key asks for; ``auto`` as docs/solvers.md states it."""
    rule = layer.get("ceil_rule", "auto")
    if rule != "auto":
        return rule
    padding = layer.get("padding", 0)
    if _side_pads(padding, axes) is not None:
        return "padded_input"
    k = _per_axis(layer["kernel"], axes)
    p = _per_axis(padding, axes)
    too_big = any(2 * pi > ki for pi, ki in zip(p, k, strict=True))
    return "padded_input" if too_big else "pool_padding"


def _pool(layer: dict, axes: int) -> Built:
    kind, k = layer["type"], layer["kernel"]
    opts: dict[str, Any] = {
        "stride": layer.get("stride", k),
        "ceil_mode": layer.get("ceil_mode", False),
    }
    if kind == "maxpool":
        opts["dilation"] = layer.get("dilation", 1)
    padding = layer.get("padding", 0)
    sides = _side_pads(padding, axes)
    if sides is None:
        sides = [(p, p) for p in _per_axis(padding, axes)]
        if _ceil_rule(layer, axes) == "pool_padding" or not opts["ceil_mode"]:
            k_ = _per_axis(k, axes)
            fits = all(2 * p <= kk for (p, _), kk in zip(sides, k_, strict=True))
            if fits:  # PyTorch's own pool padding
                pool = _module(kind, axes)(k, padding=tuple(p for p, _ in sides), **opts)
                return Built(pool)
    pool = _module(kind, axes)(k, padding=0, **opts)
    pad = _zero_pad(sides)
    return Built(lambda x: pool(pad(x)))


def build(layer: dict, shape: tuple[int, ...], axes: int) -> Built:
    """The PyTorch version of one layer acting on a tensor of ``shape`` (batch excluded)."""
    kind = layer["type"]
    if kind in ("conv", "conv_transpose"):
        return _conv(layer, shape[0], axes)
    if kind in ("maxpool", "avgpool"):
        return _pool(layer, axes)
    if kind == "batchnorm":
        module = _module("batchnorm", 1 if len(shape) == 1 else axes)(shape[0]).eval()
        return Built(module, module)
    if kind == "flatten":
        return Built(nn.Flatten())
    if kind == "fc":
        module = nn.Linear(math.prod(shape), layer["units"], bias=layer.get("bias", True))
        return Built(lambda x: module(x.flatten(1)), module)
    return Built(nn.ReLU() if kind == "relu" else nn.Dropout().eval())


def _hwc(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (*shape[1:], shape[0])


def _weight_in_convention(kind: str, weight: Any, channels_last: bool) -> tuple[int, ...]:
    """PyTorch stores conv weights C_out x C_in/g x k (transposed: C_in x C_out/g x k) and
    dense weights out x in; channels-last keys read k x C_in/g x C_out and in x out."""
    dims = tuple(weight.shape)
    if not channels_last or kind == "batchnorm":
        return dims
    if kind == "fc":
        return dims[::-1]
    return (*dims[2:], dims[1], dims[0])


# --- strategies -----------------------------------------------------------------------


@st.composite
def paddings(draw: Any, axes: int, kind: str, stride: list[int]) -> Any:
    forms = ["int", "per_axis"]
    if kind != "conv_transpose":
        forms += ["matlab", "pairs"]
    if kind == "conv":
        forms += ["valid"] + (["same"] if set(stride) == {1} else [])
    form = draw(st.sampled_from(forms))
    top = 4 if kind in ("maxpool", "avgpool") else 3
    side = st.integers(0, top)
    if form == "int":
        return draw(side)
    if form == "per_axis":
        return [draw(side) for _ in range(axes)]
    if form == "matlab":
        return [draw(side) for _ in range(2 * axes)]
    if form == "pairs":
        return [[draw(side), draw(side)] for _ in range(axes)]
    return form


def _ints(draw: Any, axes: int, low: int, high: int) -> Any:
    """One int or one per axis."""
    if axes > 1 and draw(st.booleans()):
        return [draw(st.integers(low, high)) for _ in range(axes)]
    return draw(st.integers(low, high))


SPATIAL = ("conv", "conv", "conv_transpose", "maxpool", "avgpool")


@st.composite
def spatial_layer(draw: Any, axes: int, channels: int, kinds: tuple[str, ...] = SPATIAL) -> dict:
    kind = draw(st.sampled_from(kinds))
    layer: dict[str, Any] = {"type": kind, "kernel": _ints(draw, axes, 1, 5)}
    stride = _ints(draw, axes, 1, 4)  # larger than the kernel too
    if kind != "maxpool" or draw(st.booleans()):
        layer["stride"] = stride
    dilated = kind in ("conv", "conv_transpose", "maxpool") and draw(st.booleans())
    if dilated:
        layer["dilation"] = _ints(draw, axes, 1, 3)
    strides = _per_axis(layer.get("stride", layer["kernel"]), axes)
    layer["padding"] = draw(paddings(axes, kind, strides))
    if kind in ("conv", "conv_transpose"):
        groups = draw(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))
        layer["groups"] = groups
        layer["filters"] = groups * draw(st.integers(1, 3))
        layer["bias"] = draw(st.booleans())
    if kind == "conv_transpose":
        # PyTorch: output_padding below the stride or the dilation, on every axis.
        dilations = _per_axis(layer.get("dilation", 1), axes)
        limit = min(max(s, d) for s, d in zip(strides, dilations, strict=True))
        layer["output_padding"] = draw(st.integers(0, limit - 1))
    if kind in ("maxpool", "avgpool"):
        layer["ceil_mode"] = draw(st.booleans())
        rule = draw(st.sampled_from(["auto", "pool_padding", "pool_padding", "padded_input"]))
        if rule == "pool_padding" and _side_pads(layer["padding"], axes) is None:
            # PyTorch's pool padding exists only up to half the kernel (dilation aside).
            half = min(_per_axis(layer["kernel"], axes)) // 2
            layer["padding"] = min(_per_axis(layer["padding"], axes)[0], half)
            layer["ceil_rule"] = rule
        elif rule == "padded_input":
            layer["ceil_rule"] = rule
    return layer


@st.composite
def tables(draw: Any) -> tuple[list[int], str, list[dict]]:
    """An input shape, a convention and a layer table."""
    if draw(st.integers(0, 9)) == 0:  # a flat input: dense layers only
        width = draw(st.integers(1, 300))
        layers = [{"type": "fc", "units": draw(st.integers(1, 20)), "bias": draw(st.booleans())}]
        if draw(st.booleans()):
            layers += [{"type": draw(st.sampled_from(["relu", "batchnorm", "dropout"]))}]
            layers += [{"type": "fc", "units": draw(st.integers(1, 9))}]
        return [width], draw(st.sampled_from(["HWC", "CHW"])), layers
    axes = draw(st.sampled_from([1, 2, 2]))
    channels = draw(st.integers(1, 4))
    spatial = [draw(st.integers(4, 20)) for _ in range(axes)]
    channels_last = draw(st.booleans())
    convention = {(1, True): "LC", (1, False): "CL", (2, True): "HWC", (2, False): "CHW"}[
        (axes, channels_last)
    ]
    layers: list[dict] = []
    c = channels
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 4)) == 0:
            layers.append({"type": draw(st.sampled_from(["relu", "batchnorm", "dropout"]))})
            continue
        layer = draw(spatial_layer(axes, c))
        layers.append(layer)
        c = layer.get("filters", c)
    if draw(st.booleans()):
        if draw(st.booleans()):
            layers.append({"type": "flatten"})
        layers.append(
            {"type": "fc", "units": draw(st.integers(1, 12)), "bias": draw(st.booleans())}
        )
    shape = [*spatial, channels] if channels_last else [channels, *spatial]
    return shape, convention, layers


# --- the cross-checks -----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's perf note
@given(tables())
@crosscheck("cnn.layers")
def test_layer_tables_match_pytorch_modules(table: tuple[list[int], str, list[dict]]) -> None:
    shape, convention, layers = table
    channels_last = convention in ("HWC", "LC")
    flat = len(shape) == 1
    axes = len(shape) - 1
    dims = tuple(shape) if flat or not channels_last else (shape[-1], *shape[:-1])
    x = torch.zeros(1, *dims)
    expected: list[tuple[tuple[int, ...], Built]] = []
    refused_at = None
    with torch.no_grad():
        for i, layer in enumerate(layers):
            built = build(layer, tuple(x.shape[1:]), axes)
            try:
                x = built.run(x)
            except RuntimeError:
                refused_at = i
                break
            if x.numel() == 0:
                refused_at = i
                break
            expected.append((tuple(x.shape[1:]), built))
    params = {"input": shape, "convention": convention, "layers": layers}
    for layer in layers:
        if layer.get("ceil_mode"):
            event(f"ceil mode, {_ceil_rule(layer, axes)}")
        if _side_pads(layer.get("padding", 0), max(axes, 1)) is not None:
            event("per-side padding")
    event("refused by PyTorch" if refused_at is not None else "accepted")
    if refused_at is not None:
        with pytest.raises(ParameterError) as info:
            solve("cnn.layers", params)
        assert info.value.field.startswith(f"layers[{refused_at}]")
        return
    values = solve("cnn.layers", params).values
    total_tensors = 0
    for i, (out, built) in enumerate(expected):
        kind = layers[i]["type"]
        want = out if not channels_last else _hwc(out)
        assert_shape(values[f"layers[{i}].output"], want, f"layers[{i}].output")
        assert_int(values[f"layers[{i}].activations"], math.prod(out), f"layers[{i}].activations")
        tensors = list(built.module.parameters()) if built.module is not None else []
        total_tensors += len(tensors)
        assert_int(
            values[f"layers[{i}].params"], sum(t.numel() for t in tensors), f"layers[{i}].params"
        )
        assert_int(values[f"layers[{i}].tensors"], len(tensors), f"layers[{i}].tensors")
        if built.module is not None:
            weight = _weight_in_convention(kind, built.module.weight, channels_last)
            assert_shape(values[f"layers[{i}].weights"], weight, f"layers[{i}].weights")
            if built.module.bias is not None:
                assert_shape(
                    values[f"layers[{i}].bias"], built.module.bias.shape, f"layers[{i}].bias"
                )
            else:
                assert f"layers[{i}].bias" not in values
    modules = [b.module for _, b in expected if b.module is not None]
    weights = sum(m.weight.numel() for m in modules)
    biases = sum(m.bias.numel() for m in modules if m.bias is not None)
    assert_int(values["params"], weights + biases, "params")
    assert_int(values["weights_total"], weights, "weights_total")
    assert_int(values["biases_total"], biases, "biases_total")
    assert_int(values["parameter_tensors"], total_tensors, "parameter_tensors")
    assert_int(
        values["activations_total"], sum(math.prod(o) for o, _ in expected), "activations_total"
    )


@st.composite
def receptive_stacks(draw: Any) -> list[dict]:
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "conv", "avgpool", "maxpool"]))
        layer: dict[str, Any] = {
            "type": kind,
            "kernel": draw(st.integers(1, 5)),
            "stride": draw(st.integers(1, 3)),
        }
        if kind == "conv":
            layer |= {"filters": 1, "dilation": draw(st.integers(1, 3))}
        layers.append(layer)
    return layers


@given(receptive_stacks())
@crosscheck("cnn.layers")
def test_receptive_field_is_what_autograd_sees(layers: list[dict]) -> None:
    # Positive weights and average pooling (max pooling replaced, same window), no padding:
    # the gradient of the first output with respect to the input is non-zero exactly on that
    # output's receptive field, which starts at input index 0.
    n = 4000  # long enough for four layers of stride 3 and a dilated kernel
    values = solve("cnn.layers", {"input": [1, n], "convention": "CL", "layers": layers}).values
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        k, s = layer["kernel"], layer["stride"]
        if layer["type"] == "conv":
            w = torch.ones(1, 1, k, dtype=torch.float64)
            y = F.conv1d(y, w, stride=s, dilation=layer["dilation"])
        else:
            y = F.avg_pool1d(y, k, stride=s)
    y[0, 0, 0].backward()
    reached = torch.nonzero(x.grad[0, 0]).flatten()
    field = int(reached.max() - reached.min() + 1)
    assert_int(values[f"layers[{len(layers) - 1}].receptive_field"], field, "receptive_field")


@st.composite
def single_convs(draw: Any) -> dict:
    axes = draw(st.sampled_from([1, 2]))
    channels = draw(st.integers(1, 4))
    layer = draw(spatial_layer(axes, channels, ("conv",)))
    channels_last = draw(st.booleans())
    spatial = [draw(st.integers(6, 16)) for _ in range(axes)]
    convention = {(1, True): "LC", (1, False): "CL", (2, True): "HWC", (2, False): "CHW"}[
        (axes, channels_last)
    ]
    params = {
        "input": [*spatial, channels] if channels_last else [channels, *spatial],
        "convention": convention,
        "kernel": layer["kernel"],
        "filters": layer["filters"],
        "padding": layer["padding"],
        "groups": layer["groups"],
        "bias": layer["bias"],
    }
    for name in ("stride", "dilation"):
        if name in layer:
            params[name] = layer[name]
    return params


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@given(single_convs())
@crosscheck("cnn.conv_gradients")
def test_gradient_shapes_are_what_autograd_returns(params: dict) -> None:
    channels_last = params["convention"] in ("HWC", "LC")
    shape = params["input"]
    axes = len(shape) - 1
    dims = (shape[-1], *shape[:-1]) if channels_last else tuple(shape)
    layer = {
        "type": "conv",
        **{k: v for k, v in params.items() if k not in ("input", "convention")},
    }
    built = build(layer, dims, axes)
    x = torch.randn(1, *dims, dtype=torch.float64, requires_grad=True)
    built.module.double()
    try:
        y = built.run(x)
    except RuntimeError:
        with pytest.raises(ParameterError):
            solve("cnn.conv_gradients", params)
        return
    y.sum().backward()
    values = solve("cnn.conv_gradients", params).values
    out = tuple(y.shape[1:])
    for name, ref in (
        ("output", out),
        ("grad_output", out),
        ("grad_input", tuple(x.grad.shape[1:])),
    ):
        assert_shape(values[name], _hwc(ref) if channels_last else ref, name)
    weight = _weight_in_convention("conv", built.module.weight.grad, channels_last)
    assert_shape(values["grad_weight"], weight, "grad_weight")
    assert_shape(values["weight"], weight, "weight")
    if params["bias"]:
        assert_shape(values["grad_bias"], built.module.bias.grad.shape, "grad_bias")
    else:
        assert "grad_bias" not in values


@st.composite
def ceil_pools(draw: Any) -> tuple[int, dict]:
    """One ceil-mode pooling layer on a 1-D input, where the two ceil rules can differ."""
    kind = draw(st.sampled_from(["maxpool", "avgpool"]))
    k = draw(st.integers(1, 6))
    d = draw(st.integers(1, 3)) if kind == "maxpool" else 1
    layer: dict[str, Any] = {"type": kind, "kernel": k, "stride": draw(st.integers(1, 7))}
    if d > 1:
        layer["dilation"] = d
    rule = draw(st.sampled_from(["auto", "pool_padding", "padded_input"]))
    if rule == "padded_input" or draw(st.booleans()):
        layer["padding"] = [draw(st.integers(0, 4)), draw(st.integers(0, 4))]
    else:  # PyTorch's own pool padding: up to half the kernel
        layer["padding"] = draw(st.integers(0, k // 2))
    if rule != "auto":
        layer["ceil_rule"] = rule
    return draw(st.integers(1, 30)), {**layer, "ceil_mode": True}


@given(ceil_pools())
@crosscheck("cnn.layers", examples=200)
def test_ceil_mode_pooling_matches_pytorch(case: tuple[int, dict]) -> None:
    n, layer = case
    if isinstance(layer["padding"], list) and layer.get("ceil_rule") == "pool_padding":
        layer = {**layer, "ceil_rule": "padded_input"}  # per-side padding: PyTorch pads first
    event(_ceil_rule(layer, 1))
    with torch.no_grad():
        try:
            out = build(layer, (1, n), 1).run(torch.zeros(1, 1, n))
        except RuntimeError:
            out = None
    params = {"input": [n, 1], "convention": "LC", "layers": [layer]}
    if out is None or out.numel() == 0:
        with pytest.raises(ParameterError):
            solve("cnn.layers", params)
        return
    assert_shape(solve("cnn.layers", params).values["output"], (out.shape[-1], 1), "output")
