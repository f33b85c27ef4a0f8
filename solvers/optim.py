"""Optimizer steps by hand: SGD, momentum (three conventions), Nesterov, AdaGrad, RMSprop,
Adam (with or without bias correction), weight decay coupled (L2 in the gradient) or
decoupled (AdamW), numerically or with symbols (``w`` after pure weight decay is ``0.98 w``).

Update rules (``g`` the gradient at step t, counting from 1):

* sgd: ``w <- w - lr g``;
* momentum, ``momentum_style``:
  ``heavy_ball`` (PyTorch): ``v <- mu v + g``, ``w <- w - lr v``;
  ``lr_inside`` (CS231n, Sutskever): ``v <- mu v - lr g``, ``w <- w + v``;
  ``ema``: ``v <- mu v + (1 - mu) g``, ``w <- w - lr v``;
* nesterov: with ``heavy_ball`` (PyTorch) ``v <- mu v + g``, ``w <- w - lr (g + mu v)``;
  with ``lr_inside`` the look-ahead form ``v <- mu v - lr grad(w + mu v)``, ``w <- w + v``
  (the look-ahead gradient needs ``loss``; with explicit ``grads`` they are taken as given at
  the look-ahead point);
* adagrad: ``s <- s + g^2``, ``w <- w - lr g / (sqrt(s) + eps)``;
* rmsprop: ``s <- rho s + (1 - rho) g^2``, ``w <- w - lr g / (sqrt(s) + eps)``;
* adam: ``m <- b1 m + (1 - b1) g``, ``s <- b2 s + (1 - b2) g^2``, with bias correction
  ``m_hat = m / (1 - b1^t)``, ``s_hat = s / (1 - b2^t)``, ``w <- w - lr m_hat / (sqrt(s_hat) + eps)``;
* weight decay ``lambda``: ``coupled`` adds ``lambda w`` to g (L2 regularisation);
  ``decoupled`` subtracts ``lr lambda w`` from w separately (AdamW). ``adamw`` = adam + decoupled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.expr import ExpressionError, to_sympy
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Value
from solvers.worked import Worked, bounded, show, value_of, vec_tex, vector

MAX_SYMBOLIC_OPS = 400
MOMENTUM_STYLES = {
    "heavy_ball": "v <- mu v + g, w <- w - lr v (PyTorch SGD momentum, dampening 0)",
    "lr_inside": "v <- mu v - lr g, w <- w + v (CS231n, Sutskever et al.)",
    "ema": "v <- mu v + (1 - mu) g, w <- w - lr v (an exponential moving average)",
}


@dataclass(frozen=True)
class OptimParams:
    optimizer: Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"] = (
        param("update rule")
    )
    lr: Scalar = param("learning rate")
    w: Scalar | list[Scalar] = param("initial parameter value(s): numbers or symbols")
    grads: list[Scalar | list[Scalar]] | None = param(
        "gradient at each step (one entry per step)", None
    )
    loss: str | None = param("loss as an expression of the parameter names, instead of grads", None)
    names: list[str] | None = param(
        "parameter names used in loss (default w, or w1, w2, ...)", None
    )
    steps: int | None = param("number of steps (default: the number of grads, else 1)", None)
    momentum: Scalar = param("momentum coefficient mu", sympy.Rational(9, 10))
    momentum_style: Literal["heavy_ball", "lr_inside", "ema"] = param(
        "momentum convention", "heavy_ball", choices=MOMENTUM_STYLES
    )
    beta1: Scalar = param("Adam first-moment decay", sympy.Rational(9, 10))
    beta2: Scalar = param("Adam second-moment decay", sympy.Rational(999, 1000))
    rho: Scalar = param("RMSprop decay", sympy.Rational(9, 10))
    eps: Scalar = param("epsilon in the denominator", sympy.Rational(1, 10**8))
    bias_correction: bool = param(
        "Adam bias correction",
        True,
        choices={
            True: "m_hat = m / (1 - b1^t), s_hat = s / (1 - b2^t) (Kingma & Ba; PyTorch)",
            False: "m and s used as they are (biased towards 0 in the first steps)",
        },
    )
    weight_decay: Scalar = param("weight decay lambda", 0)
    decay_style: Literal["coupled", "decoupled"] | None = param(
        "how weight decay enters (default: decoupled for adamw, else coupled)",
        None,
        choices={
            "coupled": "L2 regularisation: lambda w is added to the gradient (torch.optim "
            "SGD/Adam weight_decay)",
            "decoupled": "w <- w - lr lambda w_old beside the update (AdamW, Loshchilov & Hutter)",
        },
    )

    def check(self) -> None:
        if (self.grads is None) == (self.loss is None):
            raise ParameterError("grads", "give exactly one of grads or loss")
        if self.steps is not None and self.steps <= 0:
            raise ParameterError("steps", "must be positive")
        if self.grads is not None and self.steps is not None and self.steps > len(self.grads):
            raise ParameterError("steps", f"only {len(self.grads)} gradients given")
        if self.steps is not None and self.steps > 50:
            raise ParameterError("steps", "at most 50 steps are worked by hand")


Vec = list[sympy.Expr]


@dataclass(frozen=True)
class Update:
    """The maths of one step: the new parameters and the optimizer state to report."""

    w: Vec
    state: dict[str, Vec]


def _ew(f: Callable[..., sympy.Expr], *vecs: Vec) -> Vec:
    """``f`` applied entry by entry."""
    return [f(*xs) for xs in zip(*vecs, strict=True)]


# Momentum: the velocity by convention, then the position by (optimizer, convention).
VELOCITY: dict[str, Callable[..., sympy.Expr]] = {
    "heavy_ball": lambda p, v, g: p.momentum * v + g,
    "lr_inside": lambda p, v, g: p.momentum * v - p.lr * g,
    "ema": lambda p, v, g: p.momentum * v + (1 - p.momentum) * g,
}
POSITION: dict[tuple[str, str], Callable[..., sympy.Expr]] = {
    ("momentum", "heavy_ball"): lambda p, w, g, v: w - p.lr * v,
    ("nesterov", "heavy_ball"): lambda p, w, g, v: w - p.lr * (g + p.momentum * v),
    ("momentum", "lr_inside"): lambda p, w, g, v: w + v,
    ("nesterov", "lr_inside"): lambda p, w, g, v: w + v,
    ("momentum", "ema"): lambda p, w, g, v: w - p.lr * v,
    ("nesterov", "ema"): lambda p, w, g, v: w - p.lr * (g * (1 - p.momentum) + p.momentum * v),
}
MOMENTUM_RULES = {
    ("momentum", "heavy_ball"): "v <- mu v + g; w <- w - lr v",
    ("nesterov", "heavy_ball"): "v <- mu v + g; w <- w - lr (g + mu v)",
    ("momentum", "lr_inside"): "v <- mu v - lr g; w <- w + v",
    ("nesterov", "lr_inside"): "v <- mu v - lr g (g at w + mu v); w <- w + v",
    ("momentum", "ema"): "v <- mu v + (1 - mu) g; w <- w - lr v",
    ("nesterov", "ema"): "v <- mu v + (1 - mu) g; w <- w - lr ((1 - mu) g + mu v)",
}
# Adaptive methods: the squared-gradient accumulator.
ACCUMULATOR: dict[str, Callable[..., sympy.Expr]] = {
    "adagrad": lambda p, s, g: s + g**2,
    "rmsprop": lambda p, s, g: p.rho * s + (1 - p.rho) * g**2,
}
ACCUMULATOR_RULES = {"adagrad": "s <- s + g^2", "rmsprop": "s <- rho s + (1 - rho) g^2"}


def _sgd(p: OptimParams, t: int, w: Vec, g: Vec, st: dict[str, Vec]) -> Update:
    return Update(_ew(lambda wi, gi: wi - p.lr * gi, w, g), {})


def _momentum(p: OptimParams, t: int, w: Vec, g: Vec, st: dict[str, Vec]) -> Update:
    v = _ew(lambda vi, gi: VELOCITY[p.momentum_style](p, vi, gi), st["v"], g)
    move = POSITION[(p.optimizer, p.momentum_style)]
    return Update(_ew(lambda wi, gi, vi: move(p, wi, gi, vi), w, g, v), {"v": _tidy(v)})


def _adaptive(p: OptimParams, t: int, w: Vec, g: Vec, st: dict[str, Vec]) -> Update:
    s = _tidy(_ew(lambda si, gi: ACCUMULATOR[p.optimizer](p, si, gi), st["s"], g))
    new = _ew(lambda wi, gi, si: wi - p.lr * gi / (sympy.sqrt(si) + p.eps), w, g, s)
    return Update(new, {"s": s})


def _adam(p: OptimParams, t: int, w: Vec, g: Vec, st: dict[str, Vec]) -> Update:
    m = _tidy(_ew(lambda mi, gi: p.beta1 * mi + (1 - p.beta1) * gi, st["m"], g))
    s = _tidy(_ew(lambda si, gi: p.beta2 * si + (1 - p.beta2) * gi**2, st["s"], g))
    state: dict[str, Vec] = {}
    m_hat, s_hat = m, s
    if p.bias_correction:
        m_hat = _tidy([mi / (1 - p.beta1**t) for mi in m])
        s_hat = _tidy([si / (1 - p.beta2**t) for si in s])
        state = {"m_hat": m_hat, "s_hat": s_hat}
    new = _ew(lambda wi, mh, sh: wi - p.lr * mh / (sympy.sqrt(sh) + p.eps), w, m_hat, s_hat)
    return Update(new, state | {"m": m, "s": s})


Lines = list[tuple[str, str]]


def _sgd_text(p: OptimParams, t: int, old: Vec, g: Vec, u: Update) -> Lines:
    return [
        (
            f"step {t}: w <- w - lr g = {_txt(old)} - {p.lr} * {_txt(g)} = {_txt(u.w)}",
            r"w \leftarrow w - \eta g",
        )
    ]


def _momentum_text(p: OptimParams, t: int, old: Vec, g: Vec, u: Update) -> Lines:
    v, w = u.state["v"], _tidy(u.w)
    rule = MOMENTUM_RULES[(p.optimizer, p.momentum_style)]
    return [
        (
            f"step {t}: {rule}: v = {_txt(v)}, w = {_txt(w)}",
            rf"v_{{{t}}} = {vec_tex(v)},\ w_{{{t}}} = {vec_tex(w)}",
        )
    ]


def _adaptive_text(p: OptimParams, t: int, old: Vec, g: Vec, u: Update) -> Lines:
    s, w = u.state["s"], _tidy(u.w)
    return [
        (
            f"step {t}: {ACCUMULATOR_RULES[p.optimizer]} = {_txt(s)}; "
            f"w <- w - lr g / (sqrt(s) + eps) = {_txt(w)}",
            rf"s_{{{t}}} = {vec_tex(s)},\ w_{{{t}}} = w_{{{t - 1}}} - \eta "
            rf"\frac{{g}}{{\sqrt{{s_{{{t}}}}} + \epsilon}} = {vec_tex(w)}",
        )
    ]


def _adam_text(p: OptimParams, t: int, old: Vec, g: Vec, u: Update) -> Lines:
    m, s = u.state["m"], u.state["s"]
    lines = [
        (
            f"step {t}: m <- b1 m + (1 - b1) g = {_txt(m)}; s <- b2 s + (1 - b2) g^2 = {_txt(s)}",
            rf"m_{{{t}}} = \beta_1 m_{{{t - 1}}} + (1 - \beta_1) g = {vec_tex(m)},\ "
            rf"s_{{{t}}} = \beta_2 s_{{{t - 1}}} + (1 - \beta_2) g^2 = {vec_tex(s)}",
        )
    ]
    if p.bias_correction:
        lines.append(
            (
                f"step {t}: bias correction m_hat = m / (1 - b1^{t}) = {_txt(u.state['m_hat'])}, "
                f"s_hat = s / (1 - b2^{t}) = {_txt(u.state['s_hat'])}",
                r"\hat m = \frac{m}{1 - \beta_1^t},\ \hat s = \frac{s}{1 - \beta_2^t}",
            )
        )
    w = _tidy(u.w)
    lines.append(
        (
            f"step {t}: w <- w - lr m_hat / (sqrt(s_hat) + eps) = {_txt(w)}",
            rf"w_{{{t}}} = w_{{{t - 1}}} - \eta \frac{{\hat m}}{{\sqrt{{\hat s}} + \epsilon}}"
            rf" = {vec_tex(w)}",
        )
    )
    return lines


@dataclass(frozen=True)
class Rule:
    """An optimizer: its update (maths) and the worked lines it writes (text)."""

    update: Callable[[OptimParams, int, Vec, Vec, dict[str, Vec]], Update]
    text: Callable[[OptimParams, int, Vec, Vec, Update], Lines]
    adaptive: bool = False  # eps sits in a denominator


RULES = {
    "sgd": Rule(_sgd, _sgd_text),
    "momentum": Rule(_momentum, _momentum_text),
    "nesterov": Rule(_momentum, _momentum_text),
    "adagrad": Rule(_adaptive, _adaptive_text, adaptive=True),
    "rmsprop": Rule(_adaptive, _adaptive_text, adaptive=True),
    "adam": Rule(_adam, _adam_text, adaptive=True),
    "adamw": Rule(_adam, _adam_text, adaptive=True),
}


@dataclass(frozen=True)
class Problem:
    """The parameters as vectors, their names and where each step's gradient comes from."""

    w: Vec
    names: list[str]
    scalar: bool
    steps: int
    decay: str
    gradient: Callable[[int, Vec], Vec]
    loss: sympy.Expr | None
    symbols: dict[str, sympy.Symbol]


def _problem(p: OptimParams) -> Problem:
    scalar = not isinstance(p.w, list)
    w: Vec = [p.w] if not isinstance(p.w, list) else list(p.w)
    n = len(w)
    names = p.names or (["w"] if n == 1 else [f"w{i + 1}" for i in range(n)])
    if len(names) != n:
        raise ParameterError("names", f"expected {n} names")
    symbols = {name: sympy.Symbol(name, real=True) for name in names}
    loss = None
    if p.loss is not None:
        try:
            loss = to_sympy(p.loss, symbols)
        except ExpressionError as exc:
            raise ParameterError("loss", str(exc)) from None

    def gradient(t: int, at: Vec) -> Vec:
        if p.grads is not None:
            g = p.grads[t - 1]
            g = [g] if not isinstance(g, list) else list(g)
            if len(g) != n:
                raise ParameterError(f"grads[{t - 1}]", f"expected {n} components")
            return g
        assert loss is not None
        subs = dict(zip(symbols.values(), at, strict=True))
        return [sympy.diff(loss, symbols[name]).subs(subs) for name in names]

    steps = p.steps or (len(p.grads) if p.grads is not None else 1)
    decay = p.decay_style or ("decoupled" if p.optimizer == "adamw" else "coupled")
    return Problem(w, names, scalar, steps, decay, gradient, loss, symbols)


@solver(
    "optim.step",
    OptimParams,
    example={"optimizer": "adam", "lr": 0.1, "w": [1, -2], "grads": [[0.5, -1]]},
)
def optim_step(p: OptimParams) -> Solution:
    """One or more optimizer steps with every intermediate state.

    Values: ``w`` (after the last step), ``w1``, ``w2``... after each step, the optimizer
    state after the last step (``v``, ``m``, ``s``, ``m_hat``, ``s_hat`` as applicable)
    and ``g1``, ``g2``... the gradients used. Scalars are Numbers, vectors Tensors, and
    anything with symbols an Expression.
    """
    out = Worked()
    pb = _problem(p)
    if pb.loss is not None:
        _write_loss_gradient(out, pb)
    rule = RULES[p.optimizer]
    zeros = [sympy.Integer(0)] * len(pb.w)
    state: dict[str, Vec] = {"v": zeros, "m": zeros, "s": zeros}
    reported: dict[str, Vec] = {}
    w, lam = pb.w, p.weight_decay
    for t in range(1, pb.steps + 1):
        lookahead = p.optimizer == "nesterov" and p.momentum_style == "lr_inside"
        g = pb.gradient(
            t, _ew(lambda wi, vi: wi + p.momentum * vi, w, state["v"]) if lookahead else w
        )
        out.value(f"g{t}", _val(g, pb.scalar))
        if lam != 0 and pb.decay == "coupled":
            g = _ew(lambda gi, wi: gi + lam * wi, g, w)
            out.step(
                f"step {t}: add weight decay to the gradient: g + lambda w = {_txt(g)}",
                rf"g + \lambda w = {vec_tex(g)}",
            )
        update = rule.update(p, t, w, g, state)
        for text, latex in rule.text(p, t, w, g, update):
            out.step(text, latex)
        new = update.w
        if lam != 0 and pb.decay == "decoupled":
            new = _ew(lambda wi, wo: wi - p.lr * lam * wo, new, w)
            out.step(
                f"step {t}: decoupled weight decay w <- w - lr lambda w_old = {_txt(_tidy(new))}",
                "",
            )
        w = _finite(_tidy(new), t, rule)
        state |= update.state
        reported |= update.state
        out.value(f"w{t}", _val(w, pb.scalar))
    out.value("w", _val(w, pb.scalar))
    for name, vec in reported.items():
        out.value(name, _val(vec, pb.scalar))
    if rule.adaptive:
        out.note(f"eps = {p.eps} is inside the denominator, added to the square root.")
    return out.solution()


def _write_loss_gradient(out: Worked, pb: Problem) -> None:
    assert pb.loss is not None
    diffs = {name: sympy.diff(pb.loss, pb.symbols[name]) for name in pb.names}
    out.step(
        "Gradient of the loss: "
        + ", ".join(f"d/d{name} = {sympy.sstr(d)}" for name, d in diffs.items()),
        r",\ ".join(
            rf"\frac{{\partial L}}{{\partial {sympy.latex(pb.symbols[name])}}} = {sympy.latex(d)}"
            for name, d in diffs.items()
        ),
    )


def _finite(w: Vec, t: int, rule: Rule) -> Vec:
    if any(sympy.sympify(x).has(sympy.nan, sympy.zoo, sympy.oo) for x in w):
        raise ParameterError(
            "eps" if rule.adaptive else "lr",
            f"step {t} divides by zero (0/0 with a zero gradient): give eps > 0",
        )
    return w


def _tidy(xs: list[sympy.Expr]) -> list[sympy.Expr]:
    """Keep exact forms while they stay small (see :func:`solvers.worked.bounded`); expand
    symbolic ones so ``0.98 w`` reads as such."""
    out = []
    for x in xs:
        x = sympy.sympify(x)
        if x.free_symbols:
            x = sympy.expand(x) if sympy.count_ops(x) < MAX_SYMBOLIC_OPS else x
        else:
            x = bounded(x)
        out.append(x)
    return out


def _val(xs: list[sympy.Expr], scalar: bool) -> Value:
    if scalar:
        return value_of(xs[0])
    if all(sympy.sympify(x).is_number for x in xs):
        return vector(xs)
    return value_of(sympy.ImmutableMatrix(xs))


def _txt(xs: list[sympy.Expr]) -> str:
    if len(xs) == 1:
        return show(xs[0])
    return "(" + ", ".join(show(x) for x in xs) + ")"
