"""Optimizer steps against hand-computed updates and torch.optim where installed."""

from __future__ import annotations

import pytest
import sympy

from solvers.registry import solve
from solvers.values import Expression, Number, Tensor

R = sympy.Rational


def _w(values, name: str = "w") -> float:
    v = values[name]
    assert isinstance(v, Number)
    return v.value


def test_pure_weight_decay_step_is_0_98_w() -> None:
    values = solve(
        "optim.step", {"optimizer": "sgd", "lr": 0.1, "w": "w", "grads": [0], "weight_decay": 0.2}
    ).values
    w = values["w"]
    assert isinstance(w, Expression)
    assert sympy.simplify(w.expr - R(98, 100) * sympy.Symbol("w", real=True)) == 0


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        # heavy ball: v1 = 2, w1 = 1 - 0.2 = 0.8; g2 = 1.6, v2 = 0.9*2 + 1.6 = 3.4, w2 = 0.8 - 0.34 = 0.46
        ("heavy_ball", 0.46),
        # lr inside: v1 = -0.2, w1 = 0.8; v2 = -0.18 - 0.16 = -0.34, w2 = 0.46 (same path for constant lr)
        ("lr_inside", 0.46),
        # ema: v1 = 0.1*2 = 0.2, w1 = 0.98; g2 = 1.96, v2 = 0.18 + 0.196 = 0.376, w2 = 0.98 - 0.0376
        ("ema", 0.9424),
    ],
)
def test_momentum_conventions_on_a_quadratic(style: str, expected: float) -> None:
    values = solve(
        "optim.step",
        {
            "optimizer": "momentum",
            "lr": 0.1,
            "w": 1,
            "loss": "w**2",
            "steps": 2,
            "momentum_style": style,
        },
    ).values
    assert _w(values) == pytest.approx(expected)


def test_adam_first_step_moves_by_lr_times_sign() -> None:
    # With bias correction, m_hat = g and s_hat = g^2 at t = 1, so the step is lr * g/(|g| + eps).
    values = solve(
        "optim.step", {"optimizer": "adam", "lr": 0.1, "w": [1, -2], "grads": [[0.5, -1]]}
    ).values
    w = values["w"]
    assert isinstance(w, Tensor)
    assert w.values == pytest.approx((0.9, -1.9), rel=1e-7)


def test_adam_without_bias_correction_by_hand() -> None:
    # m = 0.1 g = 0.05, s = 0.001 g^2 = 0.00025, step = lr * 0.05 / (sqrt(0.00025) + 0)
    values = solve(
        "optim.step",
        {
            "optimizer": "adam",
            "lr": 0.1,
            "w": 1,
            "grads": [0.5],
            "bias_correction": False,
            "eps": 0,
        },
    ).values
    w = values["w"]
    assert isinstance(w, Number)
    assert w.exact is not None
    assert sympy.simplify(w.exact - (1 - R(1, 10) * R(1, 20) / sympy.sqrt(R(1, 4000)))) == 0


def test_rmsprop_and_adagrad_by_hand() -> None:
    rms = solve(
        "optim.step", {"optimizer": "rmsprop", "lr": 0.01, "w": 1, "grads": [2], "eps": 0}
    ).values
    # s = 0.1 * 4 = 0.4; w = 1 - 0.01 * 2 / sqrt(0.4)
    assert _w(rms) == pytest.approx(1 - 0.02 / 0.4**0.5)
    ada = solve(
        "optim.step", {"optimizer": "adagrad", "lr": 0.5, "w": 1, "grads": [2, 2], "eps": 0}
    ).values
    # s1 = 4, w1 = 1 - 0.5; s2 = 8, w2 = 0.5 - 0.5 * 2 / sqrt(8)
    assert _w(ada) == pytest.approx(0.5 - 1 / 8**0.5)


def test_adamw_decouples_weight_decay_from_the_adaptive_step() -> None:
    coupled = solve(
        "optim.step",
        {"optimizer": "adam", "lr": 0.1, "w": 1, "grads": [0.5], "weight_decay": 0.1, "eps": 0},
    ).values
    decoupled = solve(
        "optim.step",
        {"optimizer": "adamw", "lr": 0.1, "w": 1, "grads": [0.5], "weight_decay": 0.1, "eps": 0},
    ).values
    # coupled: g = 0.6, first Adam step is still lr * sign = 0.1 -> 0.9
    assert _w(coupled) == pytest.approx(0.9)
    # decoupled: 1 - 0.1 - 0.1 * 0.1 * 1 = 0.89
    assert _w(decoupled) == pytest.approx(0.89)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ({"optimizer": "sgd", "weight_decay": 0.1}, ("SGD", {"weight_decay": 0.1})),
        ({"optimizer": "momentum", "momentum": 0.8}, ("SGD", {"momentum": 0.8})),
        ({"optimizer": "nesterov", "momentum": 0.8}, ("SGD", {"momentum": 0.8, "nesterov": True})),
        (
            {"optimizer": "rmsprop", "rho": 0.99, "eps": 1e-8},
            ("RMSprop", {"alpha": 0.99, "eps": 1e-8}),
        ),
        ({"optimizer": "adagrad", "eps": 1e-10}, ("Adagrad", {"eps": 1e-10})),
        ({"optimizer": "adam", "weight_decay": 0.05}, ("Adam", {"weight_decay": 0.05})),
        ({"optimizer": "adamw", "weight_decay": 0.05}, ("AdamW", {"weight_decay": 0.05})),
    ],
)
def test_three_steps_match_torch_optim(ours: dict, theirs: tuple[str, dict]) -> None:
    torch = pytest.importorskip("torch")
    start = [1.5, -0.5]
    lr = 0.1

    def loss_fn(w):  # L = (w1 - 1)^2 + 3 w2^2 + w1 w2
        return (w[0] - 1) ** 2 + 3 * w[1] ** 2 + w[0] * w[1]

    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, theirs[0])([w], lr=lr, **theirs[1])
    for _ in range(3):
        opt.zero_grad()
        loss_fn(w).backward()
        opt.step()
    values = solve(
        "optim.step",
        {"lr": lr, "w": start, "loss": "(w1 - 1)**2 + 3*w2**2 + w1*w2", "steps": 3, **ours},
    ).values
    got = values["w"]
    assert isinstance(got, Tensor)
    assert got.values == pytest.approx(w.detach().numpy().tolist(), rel=1e-9)


def test_zero_over_zero_is_reported_on_eps() -> None:
    from solvers.core import ParameterError

    with pytest.raises(ParameterError) as info:
        solve("optim.step", {"optimizer": "rmsprop", "lr": 0.1, "w": 1, "grads": [0], "eps": 0})
    assert info.value.field == "eps"


def test_exact_form_is_never_rounded_to_a_nicer_fraction() -> None:
    # 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 45000001/50000001, which is not 9/10.
    values = solve("optim.step", {"optimizer": "adam", "lr": 0.1, "w": 1, "grads": [0.5]}).values
    w = values["w"]
    assert isinstance(w, Number)
    assert w.exact == R(45000001, 50000001)
    assert w.value == pytest.approx(float(R(45000001, 50000001)), rel=1e-15)


def test_twenty_adam_steps_stay_fast_and_match_floats() -> None:
    import time

    start = time.perf_counter()
    values = solve(
        "optim.step",
        {
            "optimizer": "adam",
            "lr": 0.1,
            "w": [1.5, -0.5],
            "loss": "(w1 - 1)**2 + 3*w2**2 + w1*w2",
            "steps": 20,
        },
    ).values
    assert time.perf_counter() - start < 20
    # Reference: the same recursion in plain floats.
    w, m, s = [1.5, -0.5], [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 21):
        g = [2 * (w[0] - 1) + w[1], 6 * w[1] + w[0]]
        m = [0.9 * mi + 0.1 * gi for mi, gi in zip(m, g, strict=True)]
        s = [0.999 * si + 0.001 * gi * gi for si, gi in zip(s, g, strict=True)]
        w = [
            wi - 0.1 * (mi / (1 - 0.9**t)) / ((si / (1 - 0.999**t)) ** 0.5 + 1e-8)
            for wi, mi, si in zip(w, m, s, strict=True)
        ]
    got = values["w"]
    assert isinstance(got, Tensor)
    assert got.values == pytest.approx(w, rel=1e-10)


def test_named_parameters_and_ema_nesterov() -> None:
    # L = a^2 + b; ema-style Nesterov with mu = 0.5, lr = 0.1, one step from (1, 1):
    # g = (2, 1), v = 0.5 g = (1, 0.5), step = lr ((1 - mu) g + mu v) = 0.1 * (1.5, 0.75).
    values = solve(
        "optim.step",
        {
            "optimizer": "nesterov",
            "momentum_style": "ema",
            "momentum": 0.5,
            "lr": 0.1,
            "w": [1, 1],
            "names": ["a", "b"],
            "loss": "a**2 + b",
        },
    ).values
    w = values["w"]
    assert isinstance(w, Tensor)
    assert w.values == pytest.approx((0.85, 0.925))
