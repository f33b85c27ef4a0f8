"""Cross-check graph.backprop against PyTorch autograd on graphs covering every op.

Each case states the same computation twice: as answer-key equations for the solver and as
a hand-written PyTorch function (the independent reference). Inputs are random but seeded and
kept away from kinks (ReLU at 0, ties of max) where conventions differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from solvers.registry import solve
from solvers.values import Number, Tensor

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")

pytestmark = pytest.mark.torch

RNG_SEED = 1508
Shapes = dict[str, tuple[int, ...]]


def _positive(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.2, 2.0, size=shape)


def _prob(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.05, 0.95, size=shape)


def _signed(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    # Magnitudes >= 0.1 so no entry sits on a kink.
    return rng.uniform(0.1, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


CASES: list[
    tuple[
        str,
        list[str],
        dict[str, tuple[tuple[int, ...], Callable[..., Any]]],
        Callable[[dict], Any],
        tuple[str, ...],
    ]
] = [
    (
        "mlp_relu_mse",
        ["h = relu(W1 @ x + b1)", "f = W2 @ h + b2", "L = mse(f, y)"],
        {
            "W1": ((4, 3), _signed),
            "x": ((3,), _signed),
            "b1": ((4,), _signed),
            "W2": ((2, 4), _signed),
            "b2": ((2,), _signed),
            "y": ((2,), _signed),
        },
        lambda t: F.mse_loss(t["W2"] @ torch.relu(t["W1"] @ t["x"] + t["b1"]) + t["b2"], t["y"]),
        (),
    ),
    (
        "leaky_half_sse",
        ["g = W @ x + b", "f = leaky_relu(g, 0.1)", "L = half_sse(f, y)"],
        {"W": ((3, 2), _signed), "x": ((2,), _signed), "b": ((3,), _signed), "y": ((3,), _signed)},
        lambda t: 0.5 * ((F.leaky_relu(t["W"] @ t["x"] + t["b"], 0.1) - t["y"]) ** 2).sum(),
        (),
    ),
    (
        "max_alpha_g",
        ["g = W @ x + b", "f = max(0.2 * g, g)", "L = 0.5 * sqnorm(f - y)"],
        {"W": ((3, 3), _signed), "x": ((3,), _signed), "b": ((3,), _signed), "y": ((3,), _signed)},
        lambda t: (
            0.5
            * (
                (torch.maximum(0.2 * (t["W"] @ t["x"] + t["b"]), t["W"] @ t["x"] + t["b"]) - t["y"])
                ** 2
            ).sum()
        ),
        (),
    ),
    (
        "softmax_ce",
        ["z = W @ x", "p = softmax(z)", "L = ce(p, y)"],
        {"W": ((4, 3), _signed), "x": ((3,), _signed), "y": ((4,), lambda s, r: np.eye(4)[2])},
        lambda t: -(t["y"] * torch.log(torch.softmax(t["W"] @ t["x"], dim=0))).sum(),
        ("y",),
    ),
    (
        "ce_logits",
        ["L = ce_logits(W @ x + b, y)"],
        {
            "W": ((3, 2), _signed),
            "x": ((2,), _signed),
            "b": ((3,), _signed),
            "y": ((3,), lambda s, r: np.array([0.1, 0.7, 0.2])),
        },
        lambda t: -(t["y"] * torch.log_softmax(t["W"] @ t["x"] + t["b"], dim=0)).sum(),
        ("y",),
    ),
    (
        "sigmoid_bce",
        ["p = sigmoid(W @ x + b)", "L = bce(p, y)"],
        {
            "W": ((3, 2), _signed),
            "x": ((2,), _signed),
            "b": ((3,), _signed),
            "y": ((3,), lambda s, r: np.array([1.0, 0.0, 1.0])),
        },
        lambda t: F.binary_cross_entropy(
            torch.sigmoid(t["W"] @ t["x"] + t["b"]), t["y"], reduction="sum"
        ),
        ("y",),
    ),
    (
        "bce_logits",
        ["L = bce_logits(w.T @ x, y)"],
        {"w": ((3,), _signed), "x": ((3,), _signed), "y": ((), lambda s, r: np.array(1.0))},
        lambda t: F.binary_cross_entropy_with_logits(t["w"] @ t["x"], t["y"], reduction="sum"),
        ("y",),
    ),
    (
        "tanh_exp_log",
        ["a = tanh(W @ x)", "b = exp(a) / (1 + exp(-a))", "L = sum(log(b + c))"],
        {"W": ((2, 2), _signed), "x": ((2,), _signed), "c": ((2,), _positive)},
        lambda t: torch.log(
            torch.exp(torch.tanh(t["W"] @ t["x"])) / (1 + torch.exp(-torch.tanh(t["W"] @ t["x"])))
            + t["c"]
        ).sum(),
        (),
    ),
    (
        "softplus_abs_sqrt_norm",
        ["u = softplus(A @ x) - abs(x)", "L = norm(u) + sqrt(dot(x, x)) + mean(u ** 3)"],
        {"A": ((2, 2), _signed), "x": ((2,), _signed)},
        lambda t: (
            torch.linalg.norm(F.softplus(t["A"] @ t["x"]) - torch.abs(t["x"]))
            + torch.sqrt(t["x"] @ t["x"])
            + ((F.softplus(t["A"] @ t["x"]) - torch.abs(t["x"])) ** 3).mean()
        ),
        (),
    ),
    (
        "min_with_constant_and_transpose",
        ["h = min(W.T @ x, 0.3)", "L = sse(h, y) - 2 * sum(h)"],
        {"W": ((3, 2), _signed), "x": ((3,), _signed), "y": ((2,), _signed)},
        lambda t: (
            (
                (torch.minimum(t["W"].T @ t["x"], torch.tensor(0.3, dtype=torch.float64)) - t["y"])
                ** 2
            ).sum()
            - 2 * torch.minimum(t["W"].T @ t["x"], torch.tensor(0.3, dtype=torch.float64)).sum()
        ),
        (),
    ),
    (
        "matrix_batch_relu",
        ["H = relu(W @ X)", "L = sum(H * H) / 2"],
        {"W": ((2, 3), _signed), "X": ((3, 4), _signed)},
        lambda t: (torch.relu(t["W"] @ t["X"]) ** 2).sum() / 2,
        (),
    ),
]


def _inputs(spec: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {name: np.asarray(make(shape, rng), dtype=float) for name, (shape, make) in spec.items()}


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, Number):
        return np.array(value.value)
    assert isinstance(value, Tensor)
    return value.to_numpy()


@pytest.mark.parametrize(
    ("name", "equations", "spec", "reference", "labels"), CASES, ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("mode", ["numeric", "exact"])
def test_gradients_match_torch_autograd(name, equations, spec, reference, labels, mode) -> None:
    rng = np.random.default_rng(RNG_SEED)
    data = _inputs(spec, rng)
    solution = solve(
        "graph.backprop",
        {"inputs": {k: v.tolist() for k, v in data.items()}, "equations": equations, "mode": mode},
    )
    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=k not in labels)
        for k, v in data.items()
    }
    loss = reference(tensors)
    loss.backward()
    output = equations[-1].split("=")[0].strip()
    assert _as_array(solution.values[output]) == pytest.approx(loss.item(), rel=1e-9)
    for key, t in tensors.items():
        if key in labels:
            assert f"d{output}/d{key}" not in solution.values
            continue
        got = _as_array(solution.values[f"d{output}/d{key}"])
        want = t.grad.numpy()
        assert got.reshape(want.shape) == pytest.approx(want, rel=1e-7, abs=1e-12), key
