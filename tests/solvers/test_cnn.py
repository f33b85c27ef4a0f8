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
    if expected > 0:
        assert conv_out(n, k, s, d, (lo, hi)) == expected


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    d=st.integers(1, 2),
    p=st.integers(0, 2),
    extra=st.integers(0, 3),
)
def test_transposed_conv_inverts_the_conv_length(n, k, s, d, p, extra) -> None:
    # The transposed conv maps n back to a length m whose forward conv gives n again
    # (output_padding < stride picks among the lengths that conv down to n).
    extra = extra % s
    m = conv_transpose_out(n, k, s, d, (p, p), extra)
    if m > 0 and 2 * p <= d * (k - 1):
        assert conv_out(m, k, s, d, (p, p)) == n


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
