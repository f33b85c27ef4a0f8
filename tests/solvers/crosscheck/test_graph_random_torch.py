"""graph.backprop on random graphs against PyTorch autograd.

Hypothesis draws a chain of equations: an affine start, up to four elementwise or matrix
ops (including a leaky ReLU whose slope is an input and a power whose exponent is an input),
and a loss. The same chain is written once as answer-key equations and once as PyTorch code;
every named node's value and the gradient of the loss with respect to every node and input
must agree. Inputs are multiples of 1/8, so kinks (ReLU or abs at 0, ties of max/min) do
occur: the solver is asked for PyTorch's conventions there (ReLU'(0) = 0, ties split).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, event, example, given
from hypothesis import strategies as st

from solvers.registry import solve
from solvers.values import Number, Tensor
from tests.solvers.crosscheck.common import (
    assert_close,
    crosscheck,
    dyadic,
    key,
    t64,
    torch,
)

F = torch.nn.functional
Env = dict[str, Any]


@dataclass(frozen=True)
class Op:
    """One equation template: ``text`` with ``{h}`` for the previous node, the same thing in
    PyTorch, and the inputs it uses besides ``{h}``."""

    text: str
    torch: Callable[[Any, Env], Any]
    uses: tuple[str, ...] = ()


STARTS = [
    Op("W @ x + b", lambda h, e: e["W"] @ e["x"] + e["b"], ("W", "x", "b")),
    Op("affine(W, x, b)", lambda h, e: e["W"] @ e["x"] + e["b"], ("W", "x", "b")),
    Op("W @ x", lambda h, e: e["W"] @ e["x"], ("W", "x")),
]
STEPS = [
    Op("relu({h})", lambda h, e: torch.relu(h)),
    Op("sigmoid({h})", lambda h, e: torch.sigmoid(h)),
    Op("tanh({h})", lambda h, e: torch.tanh(h)),
    Op("softplus({h})", lambda h, e: F.softplus(h)),
    Op("abs({h})", lambda h, e: torch.abs(h)),
    Op("leaky_relu({h}, 1/8)", lambda h, e: F.leaky_relu(h, 0.125)),
    Op("leaky_relu({h}, a)", lambda h, e: torch.where(h > 0, h, e["a"] * h), ("a",)),
    Op("exp(tanh({h}))", lambda h, e: torch.exp(torch.tanh(h))),
    Op("sqrt(softplus({h}))", lambda h, e: torch.sqrt(F.softplus(h))),
    Op("log(1 + sigmoid({h}))", lambda h, e: torch.log(1 + torch.sigmoid(h))),
    Op("softplus({h}) ** q", lambda h, e: F.softplus(h) ** e["q"], ("q",)),
    Op("{h} ** 2", lambda h, e: h**2),
    Op("max({h}, 0.5 * {h})", lambda h, e: torch.maximum(h, 0.5 * h)),
    Op("min({h}, y)", lambda h, e: torch.minimum(h, e["y"]), ("y",)),
    Op("{h} * y", lambda h, e: h * e["y"], ("y",)),
    Op("{h} / (1 + sigmoid({h}))", lambda h, e: h / (1 + torch.sigmoid(h))),
    Op("2 * {h} - b", lambda h, e: 2 * h - e["b"], ("b",)),
    Op("V @ {h}", lambda h, e: e["V"] @ h, ("V",)),
    Op("softmax({h})", lambda h, e: torch.softmax(h, 0)),
]
LOSSES = [
    Op("mse({h}, y)", lambda h, e: F.mse_loss(h.reshape(-1), e["y"]), ("y",)),
    Op("sse({h}, y)", lambda h, e: ((h.reshape(-1) - e["y"]) ** 2).sum(), ("y",)),
    Op("half_sse({h}, y)", lambda h, e: 0.5 * ((h.reshape(-1) - e["y"]) ** 2).sum(), ("y",)),
    Op("sum({h})", lambda h, e: h.sum()),
    Op("mean({h})", lambda h, e: h.mean()),
    Op("sqnorm({h})", lambda h, e: (h * h).sum()),
    Op("norm(sigmoid({h}))", lambda h, e: torch.linalg.vector_norm(torch.sigmoid(h))),
    Op("dot({h}, y)", lambda h, e: (h.reshape(-1) * e["y"]).sum(), ("y",)),
    Op(
        "ce_logits({h}, t)",
        lambda h, e: -(e["t"] * torch.log_softmax(h.reshape(-1), 0)).sum(),
        ("t",),
    ),
    Op(
        "bce_logits({h}, p)",
        lambda h, e: F.binary_cross_entropy_with_logits(h.reshape(-1), e["p"], reduction="sum"),
        ("p",),
    ),
    Op(
        "ce(softmax({h}), t)",
        lambda h, e: -(e["t"] * torch.log(torch.softmax(h.reshape(-1), 0))).sum(),
        ("t",),
    ),
    # Written out: F.binary_cross_entropy clamps x (1 - x) at 1e-12 in its backward, so a
    # sigmoid saturated to within 1e-12 of 1 would get a PyTorch gradient that is not BCE's.
    Op(
        "bce(sigmoid({h}), p)",
        lambda h, e: _bce(torch.sigmoid(h.reshape(-1)), e["p"]),
        ("p",),
    ),
]
LABELS = ("t", "p")


def _bce(s: Any, p: Any) -> Any:
    return -(
        p * torch.log(s) + (1 - p) * torch.log(1 - s)
    ).sum()  # loss targets: no gradient flows into them


# Exact arithmetic refuses exp of numbers above 700: no repeated squaring there.
BOUNDED = [op for op in STEPS if "** 2" not in op.text]


@st.composite
def graphs(draw: Any, steps: list[Op], max_steps: int, forced: Op | None = None) -> dict:
    """A chain start -> steps -> loss (with ``forced`` somewhere among the steps)."""
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    middle = draw(st.lists(st.sampled_from(steps), max_size=max_steps))
    if forced is not None:
        middle.insert(draw(st.integers(0, len(middle))), forced)
    ops = [draw(st.sampled_from(STARTS)), *middle, draw(st.sampled_from(LOSSES))]
    v = dyadic(-2, 2)
    hot = draw(st.integers(0, m - 1))
    inputs: dict[str, Any] = {
        "x": [draw(v) for _ in range(n)],
        "W": [[draw(v) for _ in range(n)] for _ in range(m)],
        "V": [[draw(v) for _ in range(m)] for _ in range(m)],
        "b": [draw(v) for _ in range(m)],
        "y": [draw(v) for _ in range(m)],
        "a": draw(dyadic(1 / 16, 15 / 16, 16)),
        "q": draw(dyadic(1 / 2, 3, 4)),
        "t": [Fraction(int(i == hot)) for i in range(m)],
        "p": [draw(st.integers(1, 15).map(lambda k: Fraction(k, 16))) for _ in range(m)],
    }
    used = {name for op in ops for name in op.uses}
    return {"ops": ops, "inputs": {k: v for k, v in inputs.items() if k in used}}


def _equations(ops: list[Op]) -> list[str]:
    lines = [f"h0 = {ops[0].text}"]
    for i, op in enumerate(ops[1:-1], 1):
        lines.append(f"h{i} = {op.text.format(h=f'h{i - 1}')}")
    lines.append(f"L = {ops[-1].text.format(h=f'h{len(ops) - 2}')}")
    return lines


def _as_key(value: Any, mode: str) -> Any:
    """Exact keys (``"3/8"``) for exact mode; numeric mode reads plain numbers."""
    if isinstance(value, list):
        return [_as_key(v, mode) for v in value]
    return float(value) if mode == "numeric" else key(value)


def _torch_run(ops: list[Op], inputs: dict[str, Any]) -> tuple[list[Any], Any, Env]:
    env = {k: t64(v, grad=k not in LABELS) for k, v in inputs.items()}
    nodes = []
    h = ops[0].torch(None, env)
    for op in ops[1:-1]:
        h.retain_grad()
        nodes.append(h)
        h = op.torch(h, env)
    h.retain_grad()
    nodes.append(h)
    loss = ops[-1].torch(h, env)
    loss.backward()
    return nodes, loss, env


def _check(graph: dict, mode: str) -> None:
    ops, inputs = graph["ops"], graph["inputs"]
    event(f"{len(ops) - 2} ops, {mode}")
    params = {
        "inputs": {k: _as_key(v, mode) for k, v in inputs.items()},
        "equations": _equations(ops),
        "mode": mode,
        "tie": "split",  # PyTorch's torch.maximum / torch.minimum at a tie
    }
    nodes, loss, env = _torch_run(ops, inputs)
    assume(bool(torch.isfinite(loss)))  # a saturated log: no value to compare
    values = solve("graph.backprop", params).values
    assert_close(values["L"], loss, "L")
    for i, node in enumerate(nodes):
        assert_close(values[f"h{i}"], node, f"h{i}")
        assert_close(values[f"dL/dh{i}"], node.grad, f"dL/dh{i}")
    for name, tensor in env.items():
        if name in LABELS:
            assert f"dL/d{name}" not in values, f"a gradient flowed into the label {name}"
        else:
            assert_close(values[f"dL/d{name}"], tensor.grad, f"dL/d{name}")
    for value in values.values():
        assert isinstance(value, Number | Tensor)


def _op(text: str) -> Op:
    return next(op for op in [*STARTS, *STEPS, *LOSSES] if op.text == text)


# Found by this test: sigmoid(28.3) is within 5e-13 of 1, where F.binary_cross_entropy's own
# gradient clamp (not BCE) takes over; the reference is now BCE written out.
SATURATED = {
    "ops": [
        _op("W @ x + b"),
        _op("{h} * y"),
        _op("softplus({h}) ** q"),
        _op("bce(sigmoid({h}), p)"),
    ],
    "inputs": {
        "x": [Fraction(0), Fraction(3, 2), Fraction(0)],
        "W": [[Fraction(0)] * 3, [Fraction(0), Fraction(2), Fraction(0)]],
        "b": [Fraction(0), Fraction(0)],
        "y": [Fraction(0), Fraction(1)],
        "q": Fraction(3),
        "p": [Fraction(1, 16), Fraction(1, 16)],
    },
}


@given(graphs(STEPS, max_steps=4))
@example(SATURATED)
@crosscheck("graph.backprop", examples=30)
def test_random_graphs_match_autograd_in_numeric_mode(graph: dict) -> None:
    _check(graph, "numeric")


@pytest.mark.parametrize("op", STEPS, ids=[op.text for op in STEPS])
@given(data=st.data())
@crosscheck("graph.backprop", examples=4)  # x 19 ops: every op in every run
def test_every_op_in_a_random_graph_matches_autograd(op: Op, data: st.DataObject) -> None:
    _check(data.draw(graphs(STEPS, max_steps=2, forced=op)), "numeric")


@given(graphs(BOUNDED, max_steps=2))
@crosscheck("graph.backprop", examples=20)
def test_random_graphs_match_autograd_in_exact_mode(graph: dict) -> None:
    _check(graph, "exact")
