"""The operations a computation graph may use, each with its forward map and its small
local backward rule (micrograd style: an op knows only its inputs, its output and the
upstream gradient ``g``).

Conventions (stated once here, repeated in the worked steps when they matter):

* ``relu'(0) = c`` with ``c = relu_grad_at_zero`` (default 0);
  ``leaky_relu(x, a)`` is ``a x + (1 - a) relu(x)``, so its slope at 0 is ``a + (1 - a) c``;
* ``step(x) = 1`` for ``x > 0``, ``0`` for ``x < 0`` and ``step_at_zero`` (default 1) at 0;
  its derivative is taken as 0 everywhere;
* ``max(u, v)`` / ``min(u, v)`` send the gradient to the selected argument; at a tie to
  the argument written first (``tie="first"``), the second, or half to each (``"split"``);
  so ``max(a*g, g)`` at ``g = 0`` has slope ``a``, the same as ``leaky_relu(g, a)``;
* in ``ce``/``ce_logits``/``bce``/``bce_logits`` the second argument is a label: no
  gradient flows into it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from solvers.graph.backend import Backend

Attrs = Mapping[str, Any]
Forward = Callable[[Backend, list[Any], Attrs], Any]
Backward = Callable[[Backend, list[Any], Any, Any, Attrs], list[Any]]


@dataclass(frozen=True)
class Op:
    """One operation: ``forward(B, xs, attrs)`` and ``backward(B, xs, out, g, attrs)``
    returning one gradient per argument (``None`` where no gradient flows).

    ``rules[i]`` is the chain-rule formula for argument ``i`` in plain text, with ``{g}`` the
    upstream gradient, ``{0}``, ``{1}`` the arguments and ``{out}`` the output; ``tex`` is the
    forward expression as LaTeX with ``{0}``, ``{1}`` placeholders.
    """

    name: str
    arity: int
    forward: Forward
    backward: Backward
    rules: tuple[str, ...]
    tex: str
    attrs: tuple[str, ...] = ()
    doc: str = ""
    # Arguments that are labels (no gradient): their rule is never shown.
    labels: tuple[int, ...] = field(default=())


OPS: dict[str, Op] = {}


def _register(op: Op) -> None:
    OPS[op.name] = op


def _unary(
    name: str,
    f: Callable[..., Any],
    df: Callable[..., Any],
    rule: str,
    tex: str,
    doc: str,
    attrs: tuple[str, ...] = (),
) -> None:
    """An elementwise op: ``f(M, x, out, attrs)`` and its derivative ``df(M, x, out, attrs)``."""

    def forward(B: Backend, xs: list[Any], at: Attrs) -> Any:
        return B.ew(lambda x: f(B.M, x, None, at), xs[0])

    def backward(B: Backend, xs: list[Any], out: Any, g: Any, at: Attrs) -> list[Any]:
        return [B.ew(lambda x, o, gg: gg * df(B.M, x, o, at), xs[0], out, g)]

    _register(Op(name, 1, forward, backward, (rule,), tex, attrs, doc))


_unary(
    "relu",
    lambda M, x, o, at: M.select(x, x, 0 * x, 0 * x),
    lambda M, x, o, at: M.select(x, 1, at["relu_grad_at_zero"], 0),
    "{g} ⊙ 1[{0} > 0]",
    r"\operatorname{{ReLU}}({0})",
    "max(x, 0) elementwise",
)
_unary(
    "leaky_relu",
    lambda M, x, o, at: M.select(x, x, 0 * x, at["alpha"] * x),
    lambda M, x, o, at: M.select(
        x, 1, at["alpha"] + (1 - at["alpha"]) * at["relu_grad_at_zero"], at["alpha"]
    ),
    "{g} ⊙ (1 if {0} > 0 else alpha)",
    r"\operatorname{{LeakyReLU}}_{{\alpha}}({0})",
    "x for x > 0, alpha * x otherwise; call as leaky_relu(x, alpha); an alpha naming an "
    "input or node is a tensor argument: see leaky_relu (tensor slope)",
    ("alpha",),
)
_unary(
    "sigmoid",
    lambda M, x, o, at: M.sigmoid(x),
    lambda M, x, o, at: o * (1 - o),
    "{g} ⊙ σ({0}) ⊙ (1 - σ({0}))",
    r"\sigma({0})",
    "1 / (1 + exp(-x))",
)
_unary(
    "tanh",
    lambda M, x, o, at: M.tanh(x),
    lambda M, x, o, at: 1 - o * o,
    "{g} ⊙ (1 - tanh^2({0}))",
    r"\tanh({0})",
    "hyperbolic tangent",
)
_unary(
    "exp",
    lambda M, x, o, at: M.exp(x),
    lambda M, x, o, at: o,
    "{g} ⊙ exp({0})",
    r"e^{{{0}}}",
    "natural exponential",
)
_unary(
    "log",
    lambda M, x, o, at: M.log(x),
    lambda M, x, o, at: 1 / x,
    "{g} / {0}",
    r"\ln({0})",
    "natural logarithm (log and ln are the same here)",
)
OPS["ln"] = OPS["log"]
_unary(
    "softplus",
    lambda M, x, o, at: M.softplus(x),
    lambda M, x, o, at: M.sigmoid(x),
    "{g} ⊙ σ({0})",
    r"\ln(1 + e^{{{0}}})",
    "log(1 + exp(x)), the 'soft ReLU'",
)
_unary(
    "step",
    lambda M, x, o, at: M.select(x, 1, at["step_at_zero"], 0),
    lambda M, x, o, at: 0,
    "0 (the step function is flat almost everywhere)",
    r"s({0})",
    "1 for x > 0, 0 for x < 0, step_at_zero at 0",
)
_unary(
    "abs",
    lambda M, x, o, at: M.select(x, x, 0 * x, -x),
    lambda M, x, o, at: M.select(x, 1, 0, -1),
    "{g} ⊙ sign({0})",
    r"\left|{0}\right|",
    "absolute value (slope 0 taken at 0)",
)
_unary(
    "sqrt",
    lambda M, x, o, at: M.sqrt(x),
    lambda M, x, o, at: 1 / (2 * o),
    "{g} / (2 sqrt({0}))",
    r"\sqrt{{{0}}}",
    "square root",
)
_unary(
    "neg",
    lambda M, x, o, at: -x,
    lambda M, x, o, at: -1,
    "-{g}",
    r"-{0}",
    "negation",
)
_unary(
    "pow",
    lambda M, x, o, at: x ** at["exponent"],
    lambda M, x, o, at: at["exponent"] * x ** (at["exponent"] - 1),
    "{g} ⊙ p {0}^(p-1)",
    r"{0}^{{p}}",
    "elementwise power x ** p (or x ^ p); an exponent naming an input or node is a tensor "
    "argument: see pow (tensor exponent)",
    ("exponent",),
)


def _binary(
    name: str,
    f: Callable[..., Any],
    da: Callable[..., Any],
    db: Callable[..., Any],
    rules: tuple[str, str],
    tex: str,
    doc: str,
    register: bool = True,
) -> Op:
    """Elementwise binary op with broadcasting of a ``1 x 1`` (or ``n x 1``) operand.

    ``da``/``db`` get ``(M, a, b, out, attrs)``."""

    def forward(B: Backend, xs: list[Any], at: Attrs) -> Any:
        return B.ew(lambda a, b: f(B.M, a, b, at), xs[0], xs[1])

    def backward(B: Backend, xs: list[Any], out: Any, g: Any, at: Attrs) -> list[Any]:
        a, b = xs
        ga = B.ew(lambda x, y, o, gg: gg * da(B.M, x, y, o, at), a, b, out, g)
        gb = B.ew(lambda x, y, o, gg: gg * db(B.M, x, y, o, at), a, b, out, g)
        return [B.unbroadcast(ga, B.shape(a)), B.unbroadcast(gb, B.shape(b))]

    op = Op(name, 2, forward, backward, rules, tex, (), doc)
    if register:
        _register(op)
    return op


_binary(
    "add",
    lambda M, a, b, at: a + b,
    lambda M, a, b, o, at: 1,
    lambda M, a, b, o, at: 1,
    ("{g}", "{g}"),
    "{0} + {1}",
    "a + b",
)
_binary(
    "sub",
    lambda M, a, b, at: a - b,
    lambda M, a, b, o, at: 1,
    lambda M, a, b, o, at: -1,
    ("{g}", "-{g}"),
    "{0} - {1}",
    "a - b",
)
_binary(
    "mul",
    lambda M, a, b, at: a * b,
    lambda M, a, b, o, at: b,
    lambda M, a, b, o, at: a,
    ("{g} ⊙ {1}", "{g} ⊙ {0}"),
    r"{0} \odot {1}",
    "elementwise (Hadamard) or scalar product a * b",
)
_binary(
    "div",
    lambda M, a, b, at: a / b,
    lambda M, a, b, o, at: 1 / b,
    lambda M, a, b, o, at: -a / (b * b),
    ("{g} / {1}", "-{g} ⊙ {0} / {1}^2"),
    r"\frac{{{0}}}{{{1}}}",
    "elementwise a / b",
)


def _tie(at: Attrs) -> Any:
    return {"first": 1, "second": 0}.get(at["tie"], at["half"])


_binary(
    "max",
    lambda M, a, b, at: M.select(a - b, a, a, b),
    lambda M, a, b, o, at: M.select(a - b, 1, _tie(at), 0),
    lambda M, a, b, o, at: M.select(a - b, 0, 1 - _tie(at), 1),
    ("{g} ⊙ 1[{0} >= {1}]", "{g} ⊙ 1[{1} > {0}]"),
    r"\max({0}, {1})",
    "elementwise maximum (a constant or a vector of constants is fine as either argument)",
)
OPS["maximum"] = OPS["max"]
_binary(
    "min",
    lambda M, a, b, at: M.select(a - b, b, a, a),
    lambda M, a, b, o, at: M.select(a - b, 0, _tie(at), 1),
    lambda M, a, b, o, at: M.select(a - b, 1, 1 - _tie(at), 0),
    ("{g} ⊙ 1[{0} <= {1}]", "{g} ⊙ 1[{1} < {0}]"),
    r"\min({0}, {1})",
    "elementwise minimum",
)
OPS["minimum"] = OPS["min"]


def _log_or_zero(M: Any, x: Any, o: Any) -> Any:
    # d(x^y)/dy = x^y ln x; at x = 0 (y >= 0) the power is flat in y: 0, as in PyTorch.
    return M.select(x, o * M.log(x), 0 * x, o * M.log(x))


# Ops whose constant attribute may instead be a tensor (an input or another node): the same
# function with the attribute as a second argument, and a gradient flowing into it.
TENSOR_ATTR_OPS: dict[str, Op] = {
    "pow": _binary(
        "pow",
        lambda M, a, b, at: a**b,
        lambda M, a, b, o, at: b * a ** (b - 1),
        lambda M, a, b, o, at: _log_or_zero(M, a, o),
        ("{g} ⊙ {1} {0}^({1}-1)", "{g} ⊙ {0}^{1} ln {0}"),
        r"{0}^{{{1}}}",
        "elementwise power x ** y with a tensor exponent y (an input or node): dL/dy = g x^y ln x",
        register=False,
    ),
    "leaky_relu": _binary(
        "leaky_relu",
        lambda M, a, b, at: M.select(a, a, 0 * a, b * a),
        lambda M, a, b, o, at: M.select(a, 1, b + (1 - b) * at["relu_grad_at_zero"], b),
        lambda M, a, b, o, at: M.select(a, 0 * a, 0 * a, a),
        ("{g} ⊙ (1 if {0} > 0 else {1})", "{g} ⊙ min({0}, 0)"),
        r"\operatorname{{LeakyReLU}}_{{{1}}}({0})",
        "leaky_relu(x, a) with a tensor slope a (an input or node): dL/da = g min(x, 0)",
        register=False,
    ),
}


def _op(
    name: str,
    arity: int,
    forward: Forward,
    backward: Backward,
    rules: tuple[str, ...],
    tex: str,
    doc: str,
    labels: tuple[int, ...] = (),
) -> None:
    _register(Op(name, arity, forward, backward, rules, tex, (), doc, labels))


_op(
    "matmul",
    2,
    lambda B, xs, at: B.matmul(xs[0], xs[1]),
    lambda B, xs, out, g, at: [B.matmul(g, B.T(xs[1])), B.matmul(B.T(xs[0]), g)],
    ("{g} {1}^T", "{0}^T {g}"),
    "{0} {1}",
    "matrix product A @ B (a vector is a column)",
)
_op(
    "affine",
    3,
    lambda B, xs, at: B.ew(lambda u, b: u + b, B.matmul(xs[0], xs[1]), xs[2]),
    lambda B, xs, out, g, at: [
        B.matmul(g, B.T(xs[1])),
        B.matmul(B.T(xs[0]), g),
        B.unbroadcast(g, B.shape(xs[2])),
    ],
    ("{g} {1}^T", "{0}^T {g}", "{g}"),
    "{0} {1} + {2}",
    "affine map W @ x + b in one node: affine(W, x, b)",
)
_op(
    "transpose",
    1,
    lambda B, xs, at: B.T(xs[0]),
    lambda B, xs, out, g, at: [B.T(g)],
    ("{g}^T",),
    "{0}^T",
    "transpose; also written x.T or T(x)",
)
OPS["T"] = OPS["transpose"]


def _softmax_backward(B: Backend, xs: list[Any], out: Any, g: Any, at: Attrs) -> list[Any]:
    inner = B.total(B.ew(lambda s, gg: s * gg, out, g))
    return [B.ew(lambda s, gg, c: s * (gg - c), out, g, inner)]


_op(
    "softmax",
    1,
    lambda B, xs, at: B.softmax(xs[0]),
    _softmax_backward,
    ("{out} ⊙ ({g} - sum({out} ⊙ {g}))",),
    r"\operatorname{{softmax}}({0})",
    "softmax over all entries: exp(z_i) / sum_j exp(z_j)",
)
_op(
    "sum",
    1,
    lambda B, xs, at: B.total(xs[0]),
    lambda B, xs, out, g, at: [B.full(B.shape(xs[0]), B.scalar(g))],
    ("{g} 1 (every entry)",),
    r"\textstyle\sum {0}",
    "sum of all entries",
)


def _size(B: Backend, a: Any) -> int:
    r, c = B.shape(a)
    return r * c


_op(
    "mean",
    1,
    lambda B, xs, at: B.ew(lambda s: s / _size(B, xs[0]), B.total(xs[0])),
    lambda B, xs, out, g, at: [B.full(B.shape(xs[0]), B.scalar(g) / _size(B, xs[0]))],
    ("{g} / n (every entry)",),
    r"\operatorname{{mean}}({0})",
    "mean of all entries",
)
_op(
    "norm",
    1,
    lambda B, xs, at: B.ew(B.M.sqrt, B.total(B.ew(lambda a: a * a, xs[0]))),
    lambda B, xs, out, g, at: [B.ew(lambda a, o, gg: gg * a / o, xs[0], out, g)],
    ("{g} {0} / ||{0}||",),
    r"\left\|{0}\right\|",
    "Euclidean (l2 / Frobenius) norm",
)
_op(
    "sqnorm",
    1,
    lambda B, xs, at: B.total(B.ew(lambda a: a * a, xs[0])),
    lambda B, xs, out, g, at: [B.ew(lambda a, gg: 2 * a * gg, xs[0], g)],
    ("2 {g} {0}",),
    r"\left\|{0}\right\|^2",
    "squared Euclidean norm ||a||^2",
)
_op(
    "dot",
    2,
    lambda B, xs, at: B.total(B.ew(lambda a, b: a * b, xs[0], xs[1])),
    lambda B, xs, out, g, at: [
        B.ew(lambda b, gg: gg * b, xs[1], g),
        B.ew(lambda a, gg: gg * a, xs[0], g),
    ],
    ("{g} {1}", "{g} {0}"),
    r"{0} \cdot {1}",
    "inner product sum(a * b)",
)


def _diff_loss(name: str, scale: Callable[[int], Any], tex: str, doc: str) -> None:
    """``scale(n) * sum((a - y)^2)`` with gradient ``2 scale(n) (a - y)``."""

    def factor(B: Backend, a: Any) -> Any:
        k = scale(_size(B, a))
        return k if B.exact else float(k)

    def forward(B: Backend, xs: list[Any], at: Attrs) -> Any:
        k = factor(B, xs[0])
        return B.ew(lambda s: k * s, B.total(B.ew(lambda a, y: (a - y) * (a - y), xs[0], xs[1])))

    def backward(B: Backend, xs: list[Any], out: Any, g: Any, at: Attrs) -> list[Any]:
        k = factor(B, xs[0])
        ga = B.ew(lambda a, y, gg: 2 * k * (a - y) * gg, xs[0], xs[1], g)
        return [ga, B.ew(lambda v: -v, ga)]

    shown = {"mse": "2/n ", "sse": "2 ", "half_sse": ""}[name]
    rule = f"{shown}({{0}} - {{1}}) {{g}}"
    _register(Op(name, 2, forward, backward, (rule, "-" + rule), tex, (), doc))


_diff_loss(
    "mse",
    lambda n: sympy.Rational(1, n),
    r"\frac{{1}}{{n}}\left\|{0} - {1}\right\|^2",
    "mean squared error mean((a - y)^2)",
)
_diff_loss(
    "sse", lambda n: sympy.Integer(1), r"\left\|{0} - {1}\right\|^2", "squared error sum((a - y)^2)"
)
_diff_loss(
    "half_sse",
    lambda n: sympy.Rational(1, 2),
    r"\frac{{1}}{{2}}\left\|{0} - {1}\right\|^2",
    "0.5 * sum((a - y)^2)",
)


_op(
    "ce",
    2,
    lambda B, xs, at: B.ew(lambda s: -s, B.total(B.ew(lambda p, y: B.M.xlogy(y, p), xs[0], xs[1]))),
    lambda B, xs, out, g, at: [B.ew(lambda p, y, gg: -gg * y / p, xs[0], xs[1], g), None],
    ("-{g} {1} / {0}", ""),
    r"-\textstyle\sum {1} \odot \ln {0}",
    "cross-entropy -sum(y * log p) of probabilities p against a target distribution y",
    labels=(1,),
)


def _log_softmax(B: Backend, z: Any) -> Any:
    return B.ew(B.M.log, B.softmax(z))


_op(
    "ce_logits",
    2,
    lambda B, xs, at: B.ew(
        lambda s: -s, B.total(B.ew(lambda ls, y: y * ls, _log_softmax(B, xs[0]), xs[1]))
    ),
    lambda B, xs, out, g, at: [
        B.ew(
            lambda s, y, ty, gg: gg * (s * ty - y),
            B.softmax(xs[0]),
            xs[1],
            B.total(xs[1]),
            g,
        ),
        None,
    ],
    ("{g} (softmax({0}) - {1})", ""),
    r"-\textstyle\sum {1} \odot \ln \operatorname{{softmax}}({0})",
    "cross-entropy of softmax(z) against y, from logits z",
    labels=(1,),
)
_op(
    "bce",
    2,
    lambda B, xs, at: B.ew(
        lambda s: -s,
        B.total(B.ew(lambda p, y: B.M.xlogy(y, p) + B.M.xlogy(1 - y, 1 - p), xs[0], xs[1])),
    ),
    lambda B, xs, out, g, at: [
        B.ew(lambda p, y, gg: gg * (p - y) / (p * (1 - p)), xs[0], xs[1], g),
        None,
    ],
    ("{g} ({0} - {1}) / ({0} (1 - {0}))", ""),
    r"-\textstyle\sum \left[{1} \ln {0} + (1 - {1}) \ln(1 - {0})\right]",
    "binary cross-entropy, summed over entries (multi-label BCE for a vector)",
    labels=(1,),
)
_op(
    "bce_logits",
    2,
    lambda B, xs, at: B.total(B.ew(lambda z, y: B.M.softplus(z) - y * z, xs[0], xs[1])),
    lambda B, xs, out, g, at: [
        B.ew(lambda z, y, gg: gg * (B.M.sigmoid(z) - y), xs[0], xs[1], g),
        None,
    ],
    ("{g} (σ({0}) - {1})", ""),
    r"\textstyle\sum \left[\ln(1 + e^{{{0}}}) - {1} {0}\right]",
    "binary cross-entropy of sigmoid(z) against y, from logits z",
    labels=(1,),
)

# Functions a parsed equation may call, beyond the binary operators + - * / @ **.
CALLABLE = sorted(k for k in OPS if k not in ("add", "sub", "mul", "div", "neg", "matmul"))
