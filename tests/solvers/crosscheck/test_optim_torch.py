"""optim.step against torch.optim, step by step, with the optimizer state.

Gradients are either given per step (set as ``p.grad``) or come from a polynomial loss that
both sides differentiate (SymPy in the solver, autograd here). Conventions PyTorch has:
heavy-ball momentum and Nesterov (SGD), ``lr_inside`` momentum (the same path as heavy ball
for a constant learning rate, with ``v = -lr * momentum_buffer``), coupled weight decay
(``weight_decay=`` of SGD, Adagrad, RMSprop, Adam) and decoupled decay (AdamW). Those it does
not have are listed in docs/solvers.md.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from solvers.registry import solve
from tests.solvers.crosscheck.common import (
    assert_close,
    crosscheck,
    dyadic,
    key,
    keys,
    t64,
    torch,
)

OPTIMIZERS = [
    ("sgd", "heavy_ball"),
    ("momentum", "heavy_ball"),
    ("momentum", "lr_inside"),
    ("nesterov", "heavy_ball"),
    ("adagrad", "heavy_ball"),
    ("rmsprop", "heavy_ball"),
    ("adam", "heavy_ball"),
    ("adamw", "heavy_ball"),
]


@st.composite
def problems(draw: Any, optimizer: str, style: str) -> dict:
    n = draw(st.integers(1, 3))
    steps = draw(st.integers(1, 4))
    case: dict[str, Any] = {
        "optimizer": optimizer,
        "momentum_style": style,
        "lr": draw(dyadic(1 / 16, 1, 16)),
        "w0": [draw(dyadic(-2, 2)) for _ in range(n)],
        "scalar": n == 1 and draw(st.booleans()),
        "steps": steps,
        "momentum": draw(st.sampled_from([Fraction(1, 2), Fraction(3, 4), Fraction(9, 10)])),
        "beta1": draw(st.sampled_from([Fraction(9, 10), Fraction(3, 4)])),
        "beta2": draw(st.sampled_from([Fraction(999, 1000), Fraction(7, 8)])),
        "rho": draw(st.sampled_from([Fraction(9, 10), Fraction(1, 2)])),
        "eps": draw(st.sampled_from([Fraction(1, 10**8), Fraction(1, 16)])),
        "weight_decay": draw(
            st.sampled_from([Fraction(0), Fraction(0), Fraction(1, 8), Fraction(1, 100)])
        ),
    }
    if draw(st.booleans()):
        case["grads"] = [[draw(dyadic(-2, 2)) for _ in range(n)] for _ in range(steps)]
    else:  # L = sum a_i w_i^2 + b_i w_i (+ c w_1 w_2)
        case["loss"] = {
            "a": [draw(dyadic(1 / 8, 2)) for _ in range(n)],
            "b": [draw(dyadic(-2, 2)) for _ in range(n)],
            "c": draw(dyadic(-1, 1)) if n > 1 else Fraction(0),
        }
    return case


def _names(case: dict) -> list[str]:
    n = len(case["w0"])
    return ["w"] if n == 1 else [f"w{i + 1}" for i in range(n)]


def _loss_text(case: dict) -> str:
    loss, names = case["loss"], _names(case)
    terms = [
        f"({key(a)})*{w}**2 + ({key(b)})*{w}"
        for a, b, w in zip(loss["a"], loss["b"], names, strict=True)
    ]
    if len(names) > 1:
        terms.append(f"({key(loss['c'])})*{names[0]}*{names[1]}")
    return " + ".join(str(t) for t in terms)


def _loss_torch(case: dict, w: Any) -> Any:
    loss = case["loss"]
    total = (t64(loss["a"]) * w * w + t64(loss["b"]) * w).sum()
    if w.shape[0] > 1:
        total = total + float(loss["c"]) * w[0] * w[1]
    return total


def _solver_params(case: dict) -> dict:
    w0 = keys(case["w0"])
    params: dict[str, Any] = {
        "optimizer": case["optimizer"],
        "momentum_style": case["momentum_style"],
        "w": w0[0] if case["scalar"] else w0,
        "steps": case["steps"],
        **{
            k: key(case[k])
            for k in ("lr", "momentum", "beta1", "beta2", "rho", "eps", "weight_decay")
        },
    }
    if "grads" in case:
        params["grads"] = [keys(g)[0] if case["scalar"] else keys(g) for g in case["grads"]]
    else:
        params["loss"] = _loss_text(case)
    return params


def _torch_optimizer(case: dict, w: Any) -> Any:
    f = {
        k: float(case[k])
        for k in ("lr", "momentum", "beta1", "beta2", "rho", "eps", "weight_decay")
    }
    optim, kind = torch.optim, case["optimizer"]
    common = {"lr": f["lr"], "weight_decay": f["weight_decay"], "foreach": False}
    if kind == "sgd":
        return optim.SGD([w], **common)
    if kind in ("momentum", "nesterov"):
        return optim.SGD([w], momentum=f["momentum"], nesterov=kind == "nesterov", **common)
    if kind == "adagrad":
        return optim.Adagrad([w], eps=f["eps"], **common)
    if kind == "rmsprop":
        return optim.RMSprop([w], alpha=f["rho"], eps=f["eps"], **common)
    adam = optim.AdamW if kind == "adamw" else optim.Adam
    return adam([w], betas=(f["beta1"], f["beta2"]), eps=f["eps"], **common)


def _state(case: dict, state: dict, t: int) -> dict[str, Any]:
    """The solver's state names, read from PyTorch's optimizer state."""
    kind = case["optimizer"]
    if kind in ("momentum", "nesterov"):
        buf = state["momentum_buffer"]
        return {"v": -float(case["lr"]) * buf if case["momentum_style"] == "lr_inside" else buf}
    if kind == "adagrad":
        return {"s": state["sum"]}
    if kind == "rmsprop":
        return {"s": state["square_avg"]}
    if kind in ("adam", "adamw"):
        m, s = state["exp_avg"], state["exp_avg_sq"]
        b1, b2 = float(case["beta1"]), float(case["beta2"])
        return {"m": m, "s": s, "m_hat": m / (1 - b1**t), "s_hat": s / (1 - b2**t)}
    return {}


@pytest.mark.parametrize(("optimizer", "style"), OPTIMIZERS)
@given(data=st.data())
@crosscheck("optim.step", examples=12)  # x 8 update rules: 96 cases
def test_steps_and_state_match_torch_optim(optimizer: str, style: str, data: st.DataObject) -> None:
    case = data.draw(problems(optimizer, style))
    event(
        f"{case['optimizer']} ({case['momentum_style']}), {'grads' if 'grads' in case else 'loss'}"
    )
    values = solve("optim.step", _solver_params(case)).values
    w = t64(case["w0"], grad=True)
    opt = _torch_optimizer(case, w)
    for t in range(1, case["steps"] + 1):
        opt.zero_grad()
        if "grads" in case:
            w.grad = t64(case["grads"][t - 1])
        else:
            _loss_torch(case, w).backward()
        assert_close(values[f"g{t}"], w.grad, f"g{t}")
        opt.step()
        assert_close(values[f"w{t}"], w.detach(), f"w{t}")
    assert_close(values["w"], w.detach(), "w")
    for name, ref in _state(case, opt.state[w], case["steps"]).items():
        assert_close(values[name], ref, name)
