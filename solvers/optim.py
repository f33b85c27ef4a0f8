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
        "momentum convention", "heavy_ball"
    )
    beta1: Scalar = param("Adam first-moment decay", sympy.Rational(9, 10))
    beta2: Scalar = param("Adam second-moment decay", sympy.Rational(999, 1000))
    rho: Scalar = param("RMSprop decay", sympy.Rational(9, 10))
    eps: Scalar = param("epsilon in the denominator", sympy.Rational(1, 10**8))
    bias_correction: bool = param("Adam bias correction", True)
    weight_decay: Scalar = param("weight decay lambda", 0)
    decay_style: Literal["coupled", "decoupled"] | None = param(
        "default: decoupled for adamw, else coupled", None
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
    w_ = Worked()
    scalar_param = not isinstance(p.w, list)
    w: list[sympy.Expr] = [p.w] if scalar_param else list(p.w)
    n = len(w)
    names = p.names or (["w"] if n == 1 else [f"w{i + 1}" for i in range(n)])
    if len(names) != n:
        raise ParameterError("names", f"expected {n} names")
    steps = p.steps or (len(p.grads) if p.grads is not None else 1)
    decay = p.decay_style or ("decoupled" if p.optimizer == "adamw" else "coupled")
    lam = p.weight_decay
    mu = p.momentum
    loss_expr = None
    symbols = {name: sympy.Symbol(name, real=True) for name in names}
    if p.loss is not None:
        try:
            loss_expr = to_sympy(p.loss, symbols)
        except ExpressionError as exc:
            raise ParameterError("loss", str(exc)) from None

    def gradient(t: int, at: list[sympy.Expr]) -> list[sympy.Expr]:
        if p.grads is not None:
            g = p.grads[t - 1]
            g = [g] if not isinstance(g, list) else list(g)
            if len(g) != n:
                raise ParameterError(f"grads[{t - 1}]", f"expected {n} components")
            return g
        assert loss_expr is not None
        subs = dict(zip(symbols.values(), at, strict=True))
        return [sympy.diff(loss_expr, symbols[name]).subs(subs) for name in names]

    if loss_expr is not None:
        grad_text = ", ".join(
            f"d/d{name} = {sympy.sstr(sympy.diff(loss_expr, symbols[name]))}" for name in names
        )
        w_.step(
            f"Gradient of the loss: {grad_text}",
            r",\ ".join(
                rf"\frac{{\partial L}}{{\partial {sympy.latex(symbols[n])}}} = "
                + sympy.latex(sympy.diff(loss_expr, symbols[n]))
                for n in names
            ),
        )
    v = [sympy.Integer(0)] * n
    m = [sympy.Integer(0)] * n
    s = [sympy.Integer(0)] * n
    state: dict[str, list[sympy.Expr]] = {}
    for t in range(1, steps + 1):
        lookahead = p.optimizer == "nesterov" and p.momentum_style == "lr_inside"
        point = [wi + mu * vi for wi, vi in zip(w, v, strict=True)] if lookahead else w
        g = gradient(t, point)
        w_.value(f"g{t}", _val(g, scalar_param))
        if lam != 0 and decay == "coupled":
            g = [gi + lam * wi for gi, wi in zip(g, w, strict=True)]
            w_.step(
                f"step {t}: add weight decay to the gradient: g + lambda w = {_txt(g)}",
                rf"g + \lambda w = {vec_tex(g)}",
            )
        old = list(w)
        if p.optimizer == "sgd":
            w = [wi - p.lr * gi for wi, gi in zip(w, g, strict=True)]
            w_.step(
                f"step {t}: w <- w - lr g = {_txt(old)} - {p.lr} * {_txt(g)} = {_txt(w)}",
                r"w \leftarrow w - \eta g",
            )
        elif p.optimizer in ("momentum", "nesterov"):
            if p.momentum_style == "heavy_ball":
                v = [mu * vi + gi for vi, gi in zip(v, g, strict=True)]
                if p.optimizer == "momentum":
                    w = [wi - p.lr * vi for wi, vi in zip(w, v, strict=True)]
                    rule = "v <- mu v + g; w <- w - lr v"
                else:
                    w = [wi - p.lr * (gi + mu * vi) for wi, gi, vi in zip(w, g, v, strict=True)]
                    rule = "v <- mu v + g; w <- w - lr (g + mu v)"
            elif p.momentum_style == "lr_inside":
                v = [mu * vi - p.lr * gi for vi, gi in zip(v, g, strict=True)]
                w = [wi + vi for wi, vi in zip(w, v, strict=True)]
                rule = (
                    "v <- mu v - lr g" + (" (g at w + mu v)" if lookahead else "") + "; w <- w + v"
                )
            else:
                v = [mu * vi + (1 - mu) * gi for vi, gi in zip(v, g, strict=True)]
                if p.optimizer == "momentum":
                    w = [wi - p.lr * vi for wi, vi in zip(w, v, strict=True)]
                    rule = "v <- mu v + (1 - mu) g; w <- w - lr v"
                else:
                    w = [
                        wi - p.lr * (gi * (1 - mu) + mu * vi)
                        for wi, gi, vi in zip(w, g, v, strict=True)
                    ]
                    rule = "v <- mu v + (1 - mu) g; w <- w - lr ((1 - mu) g + mu v)"
            v = _tidy(v)
            w_.step(
                f"step {t}: {rule}: v = {_txt(v)}, w = {_txt(_tidy(w))}",
                rf"v_{{{t}}} = {vec_tex(v)},\ w_{{{t}}} = {vec_tex(_tidy(w))}",
            )
            state["v"] = v
        elif p.optimizer in ("adagrad", "rmsprop"):
            if p.optimizer == "adagrad":
                s = [si + gi**2 for si, gi in zip(s, g, strict=True)]
                rule = "s <- s + g^2"
            else:
                s = [p.rho * si + (1 - p.rho) * gi**2 for si, gi in zip(s, g, strict=True)]
                rule = "s <- rho s + (1 - rho) g^2"
            s = _tidy(s)
            w = [
                wi - p.lr * gi / (sympy.sqrt(si) + p.eps)
                for wi, gi, si in zip(w, g, s, strict=True)
            ]
            w_.step(
                f"step {t}: {rule} = {_txt(s)}; w <- w - lr g / (sqrt(s) + eps) = {_txt(_tidy(w))}",
                rf"s_{{{t}}} = {vec_tex(s)},\ w_{{{t}}} = w_{{{t - 1}}} - \eta \frac{{g}}{{\sqrt{{s_{{{t}}}}} + \epsilon}}"
                rf" = {vec_tex(_tidy(w))}",
            )
            state["s"] = s
        else:  # adam, adamw
            m = _tidy([p.beta1 * mi + (1 - p.beta1) * gi for mi, gi in zip(m, g, strict=True)])
            s = _tidy([p.beta2 * si + (1 - p.beta2) * gi**2 for si, gi in zip(s, g, strict=True)])
            w_.step(
                f"step {t}: m <- b1 m + (1 - b1) g = {_txt(m)}; s <- b2 s + (1 - b2) g^2 = {_txt(s)}",
                rf"m_{{{t}}} = \beta_1 m_{{{t - 1}}} + (1 - \beta_1) g = {vec_tex(m)},\ "
                rf"s_{{{t}}} = \beta_2 s_{{{t - 1}}} + (1 - \beta_2) g^2 = {vec_tex(s)}",
            )
            if p.bias_correction:
                m_hat = _tidy([mi / (1 - p.beta1**t) for mi in m])
                s_hat = _tidy([si / (1 - p.beta2**t) for si in s])
                w_.step(
                    f"step {t}: bias correction m_hat = m / (1 - b1^{t}) = {_txt(m_hat)}, "
                    f"s_hat = s / (1 - b2^{t}) = {_txt(s_hat)}",
                    r"\hat m = \frac{m}{1 - \beta_1^t},\ \hat s = \frac{s}{1 - \beta_2^t}",
                )
                state["m_hat"], state["s_hat"] = m_hat, s_hat
            else:
                m_hat, s_hat = m, s
            w = [
                wi - p.lr * mh / (sympy.sqrt(sh) + p.eps)
                for wi, mh, sh in zip(w, m_hat, s_hat, strict=True)
            ]
            w_.step(
                f"step {t}: w <- w - lr m_hat / (sqrt(s_hat) + eps) = {_txt(_tidy(w))}",
                rf"w_{{{t}}} = w_{{{t - 1}}} - \eta \frac{{\hat m}}{{\sqrt{{\hat s}} + \epsilon}} = {vec_tex(_tidy(w))}",
            )
            state["m"], state["s"] = m, s
        if lam != 0 and decay == "decoupled":
            w = [wi - p.lr * lam * wo for wi, wo in zip(w, old, strict=True)]
            w_.step(
                f"step {t}: decoupled weight decay w <- w - lr lambda w_old = {_txt(_tidy(w))}", ""
            )
        w = _tidy(w)
        if any(sympy.sympify(x).has(sympy.nan, sympy.zoo, sympy.oo) for x in w):
            raise ParameterError(
                "eps" if p.optimizer not in ("sgd", "momentum", "nesterov") else "lr",
                f"step {t} divides by zero (0/0 with a zero gradient): give eps > 0",
            )
        w_.value(f"w{t}", _val(w, scalar_param))
    w_.value("w", _val(w, scalar_param))
    for name, vec in state.items():
        w_.value(name, _val(vec, scalar_param))
    if p.optimizer in ("adam", "adamw", "rmsprop", "adagrad"):
        w_.note(f"eps = {p.eps} is inside the denominator, added to the square root.")
    return w_.solution()


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
