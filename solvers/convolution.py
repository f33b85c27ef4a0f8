"""Convolution arithmetic on small arrays, forward and backward, in exact arithmetic.

Cross-correlation (what deep-learning libraries call convolution) slides the kernel as is:
``y[i, j] = sum_{a, b} x_pad[i s + a, j s + b] k[a, b]``. True convolution flips the kernel
first (``k[kh - 1 - a, kw - 1 - b]``). Output sizes: ``valid`` (no padding), ``full``
(``k - 1`` zeros on each side) and ``same`` (``k - 1`` zeros in total, the odd one after:
the PyTorch ``padding='same'`` rule; the output has the input's size when the stride is 1).

Backward, for an upstream gradient ``g = dL/dy``: each output entry distributes
``g[i, j] k[a, b]`` back to the input entry it read, and ``g[i, j] x[...]`` to the kernel entry
it used. For stride 1 that is the classic pair: ``dL/dx`` is the full correlation of ``g``
with the flipped kernel (i.e. a full convolution), and ``dL/dk`` is the valid correlation of
the padded input with ``g`` (flipped again for a true convolution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy

from solvers.core import ParameterError, Solution
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Tensor
from solvers.worked import Worked, show

Grid = list[list[sympy.Expr]]
MAX_LISTED = 16


@dataclass(frozen=True)
class ConvArrayParams:
    x: list[Scalar] | list[list[Scalar]] = param("input: a list (1-D) or a list of rows (2-D)")
    k: list[Scalar] | list[list[Scalar]] = param("kernel, same dimensionality as x")
    op: Literal["correlate", "convolve"] = param(
        "cross-correlation (DL libraries) or true convolution", "correlate"
    )
    mode: Literal["valid", "same", "full"] = param("output size", "valid")
    stride: int = param("stride", 1)
    upstream: list[Scalar] | list[list[Scalar]] | None = param(
        "dL/dy for the backward pass (default: all ones, i.e. L = sum of y)", None
    )


def _grid(a: list[sympy.Expr] | list[list[sympy.Expr]]) -> tuple[Grid, bool]:
    if a and isinstance(a[0], list):
        rows = [list(r) for r in a]
        if any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
            raise ValueError("rows of different lengths")
        return rows, True
    return [list(a)], False


@solver(
    "conv.arrays",
    ConvArrayParams,
    example={"x": [[1, 2, 0], [0, 1, 3], [2, 1, 1]], "k": [[1, 0], [-1, 2]], "op": "correlate"},
)
def conv_arrays(p: ConvArrayParams) -> Solution:
    """Output of a 1-D/2-D correlation or convolution and its backward pass.

    Values: ``y``, ``dL/dx``, ``dL/dk`` (Tensors with exact entries) and ``kernel_used``
    (the kernel as slid over the input: flipped for a true convolution).
    """
    w = Worked()
    try:
        x, two_d = _grid(p.x)
    except ValueError as exc:
        raise ParameterError("x", str(exc)) from None
    try:
        k, k2 = _grid(p.k)
    except ValueError as exc:
        raise ParameterError("k", str(exc)) from None
    if k2 != two_d:
        raise ParameterError("k", "x and k must both be 1-D or both 2-D")
    if p.stride <= 0:
        raise ParameterError("stride", "must be positive")
    xh, xw, kh, kw = len(x), len(x[0]), len(k), len(k[0])
    if p.op == "convolve":
        kc = [row[::-1] for row in k[::-1]]
        w.step(f"True convolution: flip the kernel (rows and columns): {_text(kc, two_d)}", "")
    else:
        kc = k
    pads = []
    for n, kk in ((xh, kh), (xw, kw)):
        total = {"valid": 0, "full": 2 * (kk - 1), "same": kk - 1}[p.mode]
        before = {"valid": 0, "full": kk - 1, "same": (kk - 1) // 2}[p.mode]
        pads.append((before, total - before))
        if p.mode == "valid" and kk > n:
            raise ParameterError("k", "kernel larger than the input in valid mode")
    (top, bottom), (left, right) = pads
    ph, pw = xh + top + bottom, xw + left + right
    xp = [[sympy.Integer(0)] * pw for _ in range(ph)]
    for i in range(xh):
        for j in range(xw):
            xp[i + top][j + left] = x[i][j]
    if p.mode != "valid":
        w.step(f"Pad with zeros ({p.mode}): {_text(xp, two_d)}", "")
    oh, ow = (ph - kh) // p.stride + 1, (pw - kw) // p.stride + 1
    y = [[sympy.Integer(0)] * ow for _ in range(oh)]
    for i in range(oh):
        for j in range(ow):
            terms = [
                (xp[i * p.stride + a][j * p.stride + b], kc[a][b])
                for a in range(kh)
                for b in range(kw)
            ]
            y[i][j] = sympy.expand(sum((u * v for u, v in terms), sympy.Integer(0)))
            if oh * ow <= MAX_LISTED:
                where = f"y[{j}]" if not two_d else f"y[{i},{j}]"
                products = " + ".join(f"{_factor(u)}*{_factor(v)}" for u, v in terms)
                index = f"{j}" if not two_d else f"{i},{j}"
                products_tex = " + ".join(
                    rf"{_factor_tex(u)} \cdot {_factor_tex(v)}" for u, v in terms
                )
                w.step(
                    f"{where} = {products} = {show(y[i][j])}",
                    rf"y_{{{index}}} = {products_tex} = {sympy.latex(y[i][j])}",
                )
    w.step(
        f"y = {_text(y, two_d)} ({oh} x {ow})" if two_d else f"y = {_text(y, two_d)}",
        f"y = {_tensor(y, two_d).latex()}",
    )
    w.value("y", _tensor(y, two_d))
    w.value("kernel_used", _tensor(kc, two_d))
    if p.upstream is not None:
        try:
            g, g2 = _grid(p.upstream)
        except ValueError as exc:
            raise ParameterError("upstream", str(exc)) from None
        if g2 != two_d or len(g) != oh or len(g[0]) != ow:
            raise ParameterError("upstream", f"expected the output's shape {oh} x {ow}")
    else:
        g = [[sympy.Integer(1)] * ow for _ in range(oh)]
        w.note("No upstream gradient given: dL/dy = 1 everywhere (L = sum of y).")
    gxp = [[sympy.Integer(0)] * pw for _ in range(ph)]
    gkc = [[sympy.Integer(0)] * kw for _ in range(kh)]
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r, c = i * p.stride + a, j * p.stride + b
                    gxp[r][c] += g[i][j] * kc[a][b]
                    gkc[a][b] += g[i][j] * xp[r][c]
    gx = [[gxp[i + top][j + left] for j in range(xw)] for i in range(xh)]
    gk = [row[::-1] for row in gkc[::-1]] if p.op == "convolve" else gkc
    other = "correlation" if p.op == "convolve" else "convolution"
    _classic = f" (valid, stride 1: the full {other} of g with k)"
    w.step(
        "dL/dx[m] = sum over outputs i that read x[m] of g[i] * (kernel entry used): "
        + _text(gx, two_d)
        + (_classic if p.stride == 1 and p.mode == "valid" else ""),
        "",
    )
    w.step(
        "dL/dk[a] = sum over outputs i of g[i] * x_pad[i s + a]: "
        + _text(gk, two_d)
        + (" (flipped back because the kernel was flipped)" if p.op == "convolve" else ""),
        "",
    )
    w.value("dL/dx", _tensor(gx, two_d))
    w.value("dL/dk", _tensor(gk, two_d))
    return w.solution()


def _tensor(a: Grid, two_d: bool) -> Tensor:
    flat = [sympy.sympify(v) for row in a for v in row]
    shape = (len(a), len(a[0])) if two_d else (len(a[0]),)
    exact = tuple(flat)
    return Tensor(tuple(float(v) for v in flat), shape, exact)


def _factor(v: sympy.Expr) -> str:
    text = show(v)
    return f"({text})" if text.startswith("-") or " " in text else text


def _factor_tex(v: sympy.Expr) -> str:
    text = sympy.latex(v)
    return f"({text})" if text.startswith("-") else text


def _text(a: Grid, two_d: bool) -> str:
    if not two_d:
        return "(" + ", ".join(sympy.sstr(v) for v in a[0]) + ")"
    return "[" + "; ".join(", ".join(sympy.sstr(v) for v in row) for row in a) + "]"
