"""conv.arrays against F.conv1d/F.conv2d with autograd, and fc.params against nn.Linear stacks.

conv.arrays: random small arrays, kernels, strides (larger than the kernel too), padding
modes and an upstream gradient; the kernel is flipped with torch.flip for a true convolution
and autograd differentiates through the flip, so dL/dk comes back in the kernel's own
orientation. fc.params: the widths written in the key built as nn.Linear layers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from solvers.registry import solve
from solvers.values import Tensor
from tests.solvers.crosscheck.common import (
    assert_close,
    assert_int,
    crosscheck,
    dyadic,
    keys,
    t64,
    torch,
)

F = torch.nn.functional


def _grid(draw: Any, rows: int, cols: int) -> list[list[Fraction]]:
    return [[draw(dyadic(-4, 4, 4)) for _ in range(cols)] for _ in range(rows)]


@st.composite
def conv_cases(draw: Any) -> dict:
    two_d = draw(st.booleans())
    rows = draw(st.integers(2, 6)) if two_d else 1
    cols = draw(st.integers(2, 7))
    mode = draw(st.sampled_from(["valid", "same", "full"]))
    k_rows = draw(st.integers(1, rows if mode == "valid" else 4)) if two_d else 1
    k_cols = draw(st.integers(1, cols if mode == "valid" else 4))
    x, k = _grid(draw, rows, cols), _grid(draw, k_rows, k_cols)
    params = {
        "x": [keys(r) for r in x] if two_d else keys(x[0]),
        "k": [keys(r) for r in k] if two_d else keys(k[0]),
        "op": draw(st.sampled_from(["correlate", "convolve"])),
        "mode": mode,
        "stride": draw(st.integers(1, 4)),
    }
    return {"params": params, "x": x, "k": k, "two_d": two_d, "upstream": draw(st.booleans())}


def _pads(mode: str, k: int) -> tuple[int, int]:
    """PyTorch's rules: 'same' puts (k - 1) // 2 before and the rest after; 'full' k - 1 each."""
    if mode == "valid":
        return 0, 0
    if mode == "full":
        return k - 1, k - 1
    return (k - 1) // 2, k - 1 - (k - 1) // 2


@given(conv_cases(), st.data())
@crosscheck("conv.arrays")
def test_correlation_and_its_gradients_match_autograd(case: dict, data: st.DataObject) -> None:
    p = case["params"]
    x = t64(case["x"], grad=True)
    k = t64(case["k"], grad=True)
    used = torch.flip(k, dims=(0, 1)) if p["op"] == "convolve" else k
    top, bottom = _pads(p["mode"], k.shape[0])
    left, right = _pads(p["mode"], k.shape[1])
    xp = F.pad(x[None, None], (left, right, top, bottom))
    y = F.conv2d(xp, used[None, None], stride=p["stride"])[0, 0]
    if case["upstream"]:
        g = [[data.draw(dyadic(-3, 3, 4)) for _ in range(y.shape[1])] for _ in range(y.shape[0])]
        p = {**p, "upstream": [keys(r) for r in g] if case["two_d"] else keys(g[0])}
        y.backward(t64(g))
    else:
        y.sum().backward()
    values = solve("conv.arrays", p).values
    shape = tuple(y.shape) if case["two_d"] else (y.shape[1],)
    for name, ref in (("y", y), ("dL/dx", x.grad), ("dL/dk", k.grad), ("kernel_used", used)):
        value = values[name]
        assert isinstance(value, Tensor)
        expected = (
            shape if name == "y" else (tuple(ref.shape) if case["two_d"] else (ref.shape[1],))
        )
        assert value.shape == expected, f"{name}: {value.shape} vs torch {expected}"
        assert_close(value, ref, name)


@st.composite
def networks(draw: Any) -> tuple[dict, list[int]]:
    """An fc.params key and the layer widths it describes (input, hidden..., output)."""
    n_in = draw(st.integers(1, 60))
    params: dict[str, Any] = {"input": n_in}
    if draw(st.booleans()):
        hidden = draw(st.lists(st.integers(1, 80), min_size=1, max_size=5))
        params["hidden"] = hidden
    else:  # a rule with exact widths: first = f1 * input, each next = f * previous
        first = draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2)]))
        factor = draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2)]))
        layers = draw(st.integers(1, 4))
        hidden, width = [], first * n_in
        for i in range(layers):
            width = width if i == 0 else width * factor
            hidden.append(width)
        if any(w.denominator != 1 or w < 1 for w in hidden):  # the rule would be refused
            hidden = [max(1, int(w)) for w in hidden]
            params["hidden"] = hidden
        else:
            hidden = [int(w) for w in hidden]
            params["hidden_rule"] = {
                "layers": layers,
                "first_factor": f"{first.numerator}/{first.denominator}",
                "factor": f"{factor.numerator}/{factor.denominator}",
            }
    activation = draw(st.sampled_from(["softmax", "sigmoid", "linear", "none"]))
    params["output_activation"] = activation
    if draw(st.booleans()):
        out = draw(st.integers(1, 12))
        params["output"] = out
    else:
        classes = draw(st.integers(1, 12))
        none_class = draw(st.booleans())
        params |= {"classes": classes, "none_class": none_class}
        out = classes + (1 if none_class and activation == "softmax" else 0)
    params["bias"] = draw(st.booleans())
    if draw(st.booleans()):
        params["output_bias"] = draw(st.booleans())
    return params, [n_in, *hidden, out]


@given(networks())
@crosscheck("fc.params")
def test_parameter_counts_match_linear_layers(case: tuple[dict, list[int]]) -> None:
    params, widths = case
    layers = []
    for i in range(1, len(widths)):
        last = i == len(widths) - 1
        bias = params.get("output_bias", params["bias"]) if last else params["bias"]
        layers.append(torch.nn.Linear(widths[i - 1], widths[i], bias=bias))
    model = torch.nn.Sequential(*layers)
    values = solve("fc.params", params).values
    tensors = list(model.parameters())
    assert_int(values["params"], sum(t.numel() for t in tensors), "params")
    assert_int(values["parameter_tensors"], len(tensors), "parameter_tensors")
    assert_int(values["weights"], sum(m.weight.numel() for m in layers), "weights")
    assert_int(
        values["biases"], sum(m.bias.numel() for m in layers if m.bias is not None), "biases"
    )
    assert_int(values["output_units"], widths[-1], "output_units")
    assert_int(values["hidden_units"], sum(widths[1:-1]), "hidden_units")
    for k, layer in enumerate(layers, 1):
        own = list(layer.parameters())
        assert_int(values[f"layer{k}.params"], sum(t.numel() for t in own), f"layer{k}.params")
        assert_int(values[f"layer{k}.tensors"], len(own), f"layer{k}.tensors")
