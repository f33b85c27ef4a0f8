"""cnn.layers and cnn.conv_gradients: hand tables, brute-force window counting (hypothesis),
and PyTorch modules as the reference for shapes and parameter counts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.cnn import conv_out, conv_transpose_out, pool_out_ceil
from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Integer, Shape


def _windows(n: int, k: int, s: int, d: int, lo: int, hi: int) -> int:
    """Brute force: slide a dilated window over the padded axis and count valid placements."""
    count = 0
    start = -lo
    while start + d * (k - 1) <= n - 1 + hi:
        count += 1
        start += s
    return count


def _one_layer(n: int, layer: dict) -> dict:
    """``cnn.layers`` on a 1-D, one-channel input of length ``n``."""
    return dict(
        solve("cnn.layers", {"input": [n, 1], "convention": "LC", "layers": [layer]}).values
    )


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 60),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    lo=st.integers(0, 3),
    hi=st.integers(0, 3),
)
def test_conv_length_equals_counted_window_positions(n, k, s, d, lo, hi) -> None:
    expected = _windows(n, k, s, d, lo, hi)
    layer = {
        "type": "conv",
        "filters": 1,
        "kernel": k,
        "stride": s,
        "dilation": d,
        "padding": [[lo, hi]],
    }
    if expected > 0:
        assert conv_out(n, k, s, d, (lo, hi)) == expected
        assert _one_layer(n, layer)["output"] == Shape((expected, 1), "LC")
    else:  # the dilated kernel is longer than the padded input: no window fits
        assert conv_out(n, k, s, d, (lo, hi)) <= 0
        with pytest.raises(ParameterError) as info:
            _one_layer(n, layer)
        assert info.value.field == "layers[0]"
        assert "does not fit" in info.value.message


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    d=st.integers(1, 2),
    p=st.integers(0, 4),
    extra=st.integers(0, 3),
)
def test_transposed_conv_inverts_the_conv_length(n, k, s, d, p, extra) -> None:
    # The transposed conv maps n back to a length m whose forward conv gives n again
    # (output_padding < stride picks among the lengths that conv down to n).
    extra = extra % s
    m = conv_transpose_out(n, k, s, d, (p, p), extra)
    layer = {
        "type": "conv_transpose",
        "filters": 1,
        "kernel": k,
        "stride": s,
        "dilation": d,
        "padding": p,
        "output_padding": extra,
    }
    if m > 0:
        assert conv_out(m, k, s, d, (p, p)) == n
        assert _one_layer(n, layer)["output"] == Shape((m, 1), "LC")
    else:  # the padding crops more than the transposed conv produces
        with pytest.raises(ParameterError) as info:
            _one_layer(n, layer)
        assert info.value.field == "layers[0]"


@pytest.mark.parametrize(
    ("n", "k", "s", "pad", "floor_len", "ceil_len"),
    [
        (5, 2, 2, (0, 0), 2, 3),  # windows start at 0, 2, (4: partial, kept in ceil mode)
        (6, 2, 2, (0, 0), 3, 3),
        (7, 3, 2, (1, 1), 4, 4),
        (8, 3, 3, (0, 0), 2, 3),
        (5, 3, 3, (1, 1), 2, 2),  # a third window would start in the right padding
    ],
)
def test_pooling_floor_and_ceil_by_hand(n, k, s, pad, floor_len, ceil_len) -> None:
    assert conv_out(n, k, s, 1, pad) == floor_len
    assert pool_out_ceil(n, k, s, 1, pad) == ceil_len


def test_ceil_mode_with_matlab_padding_pools_the_padded_input() -> None:
    # 141 rows, kernel 1 x 3, padding [1 1 0 1]: the input is padded to 143 x 142, then
    # pooled; every row start 0..142 begins inside the padded input (PyTorch: F.pad then
    # max_pool2d(ceil_mode=True) gives 143 x 48).
    values = solve(
        "cnn.layers",
        {
            "input": [141, 141, 1],
            "layers": [
                {"type": "maxpool", "kernel": [1, 3], "padding": [1, 1, 0, 1], "ceil_mode": True}
            ],
        },
    )
    assert values.values["output"] == Shape((143, 48, 1), "HWC")
    step = values.steps[1].text
    assert "padded_input" in step
    assert "p=1+1 -> 143" in step


def test_ceil_mode_never_keeps_fewer_windows_than_floor_mode() -> None:
    # 5 x 5, k = 1, padding 1: seven windows per axis in floor mode, so seven in ceil mode too.
    for ceil_mode in (False, True):
        values = solve(
            "cnn.layers",
            {
                "input": [5, 5, 1],
                "layers": [{"type": "maxpool", "kernel": 1, "padding": 1, "ceil_mode": ceil_mode}],
            },
        ).values
        assert values["output"] == Shape((7, 7, 1), "HWC")
    for rule in ("pool_padding", "padded_input"):
        assert pool_out_ceil(5, 1, 1, 1, (1, 1), rule) == 7


@pytest.mark.parametrize(
    ("rule", "expected", "dropped"),
    [
        # n = 5, k = 3, s = 3, padding 1: ceil gives starts 0, 3, 6 in the padded 7.
        ("pool_padding", 2, True),  # 6 >= n + p_lo = 6: PyTorch drops it
        ("padded_input", 3, False),  # 6 < 7: it starts inside the padded input
        ("auto", 2, True),  # one number within half the kernel: PyTorch's pool padding
    ],
)
def test_ceil_rule_is_explicit_and_named_in_the_step(rule, expected, dropped) -> None:
    layer = {
        "type": "maxpool",
        "kernel": 3,
        "stride": 3,
        "padding": 1,
        "ceil_mode": True,
        "ceil_rule": rule,
    }
    solution = solve("cnn.layers", {"input": [5, 1], "convention": "LC", "layers": [layer]})
    assert solution.values["output"] == Shape((expected, 1), "LC")
    step = solution.steps[1].text
    assert ("pool_padding" if rule != "padded_input" else "padded_input") in step
    assert ("dropped" in step) is dropped
    assert step.endswith(f"-> {expected}")


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 30),
    k=st.integers(1, 5),
    s=st.integers(1, 6),
    lo=st.integers(0, 4),
    hi=st.integers(0, 4),
    rule=st.sampled_from(["pool_padding", "padded_input"]),
)
def test_ceil_step_reproduces_its_own_value(n, k, s, lo, hi, rule) -> None:
    # The worked step must not contradict itself: the ceiling it writes, minus a window only
    # when it says one was dropped, is the length it reports.
    layer = {
        "type": "maxpool",
        "kernel": k,
        "stride": s,
        "padding": [[lo, hi]],
        "ceil_mode": True,
        "ceil_rule": rule,
    }
    raw = math.ceil((n + lo + hi - k) / s) + 1
    if raw <= 0:  # even a window overhanging the end cannot start inside the input
        with pytest.raises(ParameterError):
            _one_layer(n, layer)
        return
    solution = solve("cnn.layers", {"input": [n, 1], "convention": "LC", "layers": [layer]})
    out = solution.values["output"]
    assert isinstance(out, Shape)
    step = solution.steps[1].text
    assert out.dims[0] == (raw - 1 if "dropped" in step else raw)
    assert out.dims[0] >= conv_out(n, k, s, 1, (lo, hi))


def test_flat_input_feeds_dense_layers_under_either_convention() -> None:
    for convention in ("HWC", "CHW"):
        values = solve(
            "cnn.layers",
            {
                "input": [256],
                "convention": convention,
                "layers": [
                    {"type": "fc", "units": 64},
                    {"type": "relu"},
                    {"type": "fc", "units": 10},
                ],
            },
        ).values
        assert values["output"] == Shape((10,))
        assert values["params"] == Integer(256 * 64 + 64 + 64 * 10 + 10)
        weights = (256, 64) if convention == "HWC" else (64, 256)
        assert values["layers[0].weights"] == Shape(weights)


def test_flat_input_refuses_a_convolution_naming_the_layer() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "cnn.layers",
            {"input": [256], "layers": [{"type": "conv", "filters": 2, "kernel": 3}]},
        )
    assert info.value.field == "layers[0].type"
    assert "[length, channels]" in info.value.message


def test_parameter_tensors_count_weights_and_biases_per_layer() -> None:
    # conv (weight + bias), batch norm (scale + shift), conv without bias (weight), fc: 7.
    values = solve(
        "cnn.layers",
        {
            "input": [3, 16, 16],
            "convention": "CHW",
            "layers": [
                {"type": "conv", "filters": 8, "kernel": 3},
                {"type": "batchnorm"},
                {"type": "relu"},
                {"type": "conv", "filters": 8, "kernel": 3, "bias": False},
                {"type": "maxpool", "kernel": 2},
                {"type": "flatten"},
                {"type": "fc", "units": 10},
            ],
        },
    ).values
    assert values["parameter_tensors"] == Integer(7)
    assert [values[f"layers[{i}].tensors"] for i in (0, 1, 2, 3)] == [
        Integer(2),
        Integer(2),
        Integer(0),
        Integer(1),
    ]


@pytest.mark.parametrize(
    ("layer", "input_shape", "out"),
    [
        ({"type": "conv", "filters": 1, "kernel": 3}, [128, 128, 1], (126, 126, 1)),
        ({"type": "conv", "filters": 8, "kernel": 3, "padding": "same"}, [28, 28, 1], (28, 28, 8)),
        (
            {"type": "conv", "filters": 8, "kernel": 3, "stride": 2, "padding": "same"},
            [28, 27, 1],
            (14, 14, 8),
        ),
        (
            {"type": "conv", "filters": 4, "kernel": [3, 5], "padding": [[1, 1], [2, 2]]},
            [10, 10, 2],
            (10, 10, 4),
        ),
        (
            {"type": "conv", "filters": 4, "kernel": 3, "padding": [0, 1, 2, 3]},
            [10, 10, 2],
            (9, 13, 4),
        ),
        ({"type": "conv", "filters": 4, "kernel": 3, "dilation": 2}, [10, 10, 2], (6, 6, 4)),
        ({"type": "maxpool", "kernel": 2}, [7, 7, 3], (3, 3, 3)),
        ({"type": "maxpool", "kernel": 2, "ceil_mode": True}, [7, 7, 3], (4, 4, 3)),
        (
            {"type": "conv_transpose", "filters": 3, "kernel": 4, "stride": 2, "padding": 1},
            [16, 16, 8],
            (32, 32, 3),
        ),
        ({"type": "conv", "filters": 6, "kernel": 5}, [100, 2], (96, 6)),  # 1-D, LC
    ],
)
def test_layer_output_shapes_by_hand(layer, input_shape, out) -> None:
    convention = "HWC" if len(input_shape) == 3 else "LC"
    values = solve(
        "cnn.layers", {"input": input_shape, "convention": convention, "layers": [layer]}
    ).values
    assert values["output"] == Shape(out, convention)


def test_seed_conv_gradient_shapes_with_exam_names() -> None:
    values = solve(
        "cnn.conv_gradients",
        {
            "input": [128, 128, 1],
            "kernel": 3,
            "names": {
                "x": "output",
                "epsilon": "grad_output",
                "delta": "grad_input",
                "g_w": "grad_weight",
            },
        },
    ).values
    assert values["x"] == Shape((126, 126, 1), "HWC")
    assert values["epsilon"] == Shape((126, 126, 1), "HWC")
    assert values["delta"] == Shape((128, 128, 1), "HWC")
    assert values["g_w"] == Shape((3, 3, 1, 1))


def test_chw_convention_reports_pytorch_weight_order() -> None:
    values = solve(
        "cnn.conv_gradients",
        {"input": [3, 32, 32], "kernel": 5, "filters": 6, "convention": "CHW", "bias": True},
    ).values
    assert values["grad_weight"] == Shape((6, 3, 5, 5))
    assert values["grad_bias"] == Shape((6,))
    assert values["output"] == Shape((6, 28, 28), "CHW")


def test_lenet_like_table_totals() -> None:
    # By hand (CHW): conv 1->6 k5: 6*25+6 = 156; pool; conv 6->16 k5: 16*6*25+16 = 2416;
    # pool -> 16x5x5 = 400; fc 400->120: 48120; fc 120->84: 10164; fc 84->10: 850.
    values = solve(
        "cnn.layers",
        {
            "input": [1, 32, 32],
            "convention": "CHW",
            "layers": [
                {"type": "conv", "filters": 6, "kernel": 5},
                {"type": "maxpool", "kernel": 2},
                {"type": "conv", "filters": 16, "kernel": 5},
                {"type": "maxpool", "kernel": 2},
                {"type": "flatten"},
                {"type": "fc", "units": 120},
                {"type": "fc", "units": 84},
                {"type": "fc", "units": 10},
            ],
        },
    ).values
    assert values["layers[4].output"] == Shape((400,))
    assert values["params"] == Integer(156 + 2416 + 48120 + 10164 + 850)


def test_groups_must_divide_the_channels() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "cnn.layers",
            {
                "input": [8, 8, 3],
                "layers": [
                    {"type": "relu"},
                    {"type": "conv", "filters": 4, "kernel": 3, "groups": 2},
                ],
            },
        )
    assert info.value.field == "layers[1].groups"


def test_kernel_larger_than_input_is_reported_on_the_layer() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "cnn.layers",
            {"input": [2, 2, 1], "layers": [{"type": "conv", "filters": 1, "kernel": 3}]},
        )
    assert info.value.field == "layers[0]"


@pytest.mark.torch
@pytest.mark.parametrize(
    "layer",
    [
        {"type": "conv", "filters": 6, "kernel": 3, "stride": 2, "padding": 1, "dilation": 2},
        {"type": "conv", "filters": 8, "kernel": [3, 5], "groups": 4, "bias": False},
        {"type": "conv", "filters": 4, "kernel": 3, "padding": "same"},
        {
            "type": "conv_transpose",
            "filters": 6,
            "kernel": 3,
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
            "groups": 2,
        },
        {"type": "maxpool", "kernel": 3, "stride": 2, "ceil_mode": True},
        {"type": "avgpool", "kernel": 2, "padding": 1},
    ],
)
def test_shapes_and_counts_match_torch_modules(layer: dict) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    cin, h, w = 4, 13, 11
    kind = layer["type"]
    k = layer["kernel"]
    opts = {
        key: layer[key]
        for key in ("stride", "padding", "dilation", "groups", "output_padding")
        if key in layer
    }
    if kind == "conv":
        module = nn.Conv2d(cin, layer["filters"], k, bias=layer.get("bias", True), **opts)
    elif kind == "conv_transpose":
        module = nn.ConvTranspose2d(cin, layer["filters"], k, **opts)
    elif kind == "maxpool":
        module = nn.MaxPool2d(k, stride=layer["stride"], ceil_mode=True)
    else:
        module = nn.AvgPool2d(k, padding=layer["padding"])
    out = module(torch.zeros(1, cin, h, w))
    values = solve(
        "cnn.layers", {"input": [cin, h, w], "convention": "CHW", "layers": [layer]}
    ).values
    assert values["output"] == Shape(tuple(out.shape[1:]), "CHW")
    assert values["params"] == Integer(sum(p.numel() for p in module.parameters()))
    if kind.startswith("conv"):
        assert values["layers[0].weights"] == Shape(tuple(module.weight.shape))
    assert values["layers[0].activations"] == Integer(math.prod(out.shape[1:]))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 64), k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 2))
def test_same_padding_gives_ceil_of_n_over_stride(n, k, s, d) -> None:
    values = solve(
        "cnn.layers",
        {
            "input": [n, 3],
            "convention": "LC",
            "layers": [
                {
                    "type": "conv",
                    "filters": 2,
                    "kernel": k,
                    "stride": s,
                    "dilation": d,
                    "padding": "same",
                }
            ],
        },
    ).values
    assert values["output"] == Shape((math.ceil(n / s), 2), "LC")


def _brute_receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """Follow one output position back through (kernel, stride, dilation) layers, collecting
    every input index it reads; the field is the span of those indices."""
    positions = {0}
    for k, s, d in reversed(layers):
        positions = {i * s + d * t for i in positions for t in range(k)}
    return max(positions) - min(positions) + 1


@settings(max_examples=150, deadline=None)
@given(
    layers=st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 2)), min_size=1, max_size=4
    )
)
def test_receptive_field_matches_brute_force(layers: list[tuple[int, int, int]]) -> None:
    table = [
        {"type": "conv", "filters": 1, "kernel": k, "stride": s, "dilation": d, "padding": "same"}
        for k, s, d in layers
    ]
    values = solve("cnn.layers", {"input": [400, 1], "convention": "LC", "layers": table}).values
    assert values[f"layers[{len(layers) - 1}].receptive_field"] == Integer(
        _brute_receptive_field(layers)
    )


def test_receptive_field_by_hand() -> None:
    # Two 3x3 convs: 5x5; then a 2x2 pool with stride 2: 5 + 1*1 = 6; then 3x3: 6 + 2*2 = 10.
    values = solve(
        "cnn.layers",
        {
            "input": [32, 32, 1],
            "layers": [
                {"type": "conv", "filters": 4, "kernel": 3},
                {"type": "conv", "filters": 4, "kernel": 3},
                {"type": "maxpool", "kernel": 2},
                {"type": "conv", "filters": 4, "kernel": 3},
            ],
        },
    ).values
    assert [values[f"layers[{i}].receptive_field"] for i in range(4)] == [
        Integer(3),
        Integer(5),
        Integer(6),
        Integer(10),
    ]


def test_batchnorm_dropout_and_cl_convention() -> None:
    # 1-D, channels first: 3 x 50 -> conv 8 k5 -> 8 x 46; batch norm learns 2*8; dropout none.
    values = solve(
        "cnn.layers",
        {
            "input": [3, 50],
            "convention": "CL",
            "layers": [
                {"type": "conv", "filters": 8, "kernel": 5},
                {"type": "batchnorm"},
                {"type": "dropout"},
                {"type": "avgpool", "kernel": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 4, "bias": False},
            ],
        },
    ).values
    assert values["layers[0].output"] == Shape((8, 46), "CL")
    assert values["layers[0].weights"] == Shape((8, 3, 5))
    assert values["layers[1].params"] == Integer(16)
    assert values["layers[2].params"] == Integer(0)
    assert values["layers[3].output"] == Shape((8, 23), "CL")
    assert values["layers[4].output"] == Shape((184,))
    assert values["layers[5].weights"] == Shape((4, 184))
    assert values["params"] == Integer(8 * 3 * 5 + 8 + 16 + 184 * 4)
