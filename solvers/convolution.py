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
        "what slides over the input",
        "correlate",
        choices={
            "correlate": "cross-correlation, what deep-learning libraries call convolution "
            "(PyTorch conv2d)",
            "convolve": "true convolution: the kernel is flipped first",
        },
    )
    mode: Literal["valid", "same", "full"] = param(
        "output size",
        "valid",
        choices={
            "valid": "no padding",
            "same": "k - 1 zeros in total, the odd one after (PyTorch padding='same')",
            "full": "k - 1 zeros on each side",
        },
    )
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


@dataclass(frozen=True)
class Padded:
    """The input as the kernel slides over it: zero-padded, with the padding per side."""

    grid: Grid
    top: int
    left: int


@dataclass(frozen=True)
class Conv:
    """The maths of ``conv.arrays``: the kernel as slid, the padded input, the output and
    its backward pass for the upstream gradient ``g``."""

    kernel: Grid
    padded: Padded
    y: Grid
    g: Grid
    grad_x: Grid
    grad_k: Grid


def _grids(p: ConvArrayParams) -> tuple[Grid, Grid, bool]:
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
    return x, k, two_d


def _pad(x: Grid, kh: int, kw: int, mode: str) -> Padded:
    """Zero padding for ``valid``, ``same`` (odd pixel after) or ``full``."""
    pads = []
    for n, kk in ((len(x), kh), (len(x[0]), kw)):
        total = {"valid": 0, "full": 2 * (kk - 1), "same": kk - 1}[mode]
        before = {"valid": 0, "full": kk - 1, "same": (kk - 1) // 2}[mode]
        pads.append((before, total - before))
        if mode == "valid" and kk > n:
            raise ParameterError("k", "kernel larger than the input in valid mode")
    (top, bottom), (left, right) = pads
    ph, pw = len(x) + top + bottom, len(x[0]) + left + right
    xp = [[sympy.Integer(0)] * pw for _ in range(ph)]
    for i, row in enumerate(x):
        for j, v in enumerate(row):
            xp[i + top][j + left] = v
    return Padded(xp, top, left)


def _window(xp: Grid, k: Grid, i: int, j: int, s: int) -> list[tuple[sympy.Expr, sympy.Expr]]:
    """The (input, kernel) pairs output ``(i, j)`` multiplies."""
    return [(xp[i * s + a][j * s + b], k[a][b]) for a in range(len(k)) for b in range(len(k[0]))]


def _upstream(p: ConvArrayParams, two_d: bool, oh: int, ow: int) -> Grid:
    if p.upstream is None:
        return [[sympy.Integer(1)] * ow for _ in range(oh)]
    try:
        g, g2 = _grid(p.upstream)
    except ValueError as exc:
        raise ParameterError("upstream", str(exc)) from None
    if g2 != two_d or len(g) != oh or len(g[0]) != ow:
        raise ParameterError("upstream", f"expected the output's shape {oh} x {ow}")
    return g


def convolve(p: ConvArrayParams) -> tuple[Conv, bool]:
    """Forward and backward pass of ``conv.arrays`` (and whether the arrays are 2-D)."""
    x, k, two_d = _grids(p)
    kc = [row[::-1] for row in k[::-1]] if p.op == "convolve" else k
    kh, kw, s = len(k), len(k[0]), p.stride
    padded = _pad(x, kh, kw, p.mode)
    xp = padded.grid
    oh, ow = (len(xp) - kh) // s + 1, (len(xp[0]) - kw) // s + 1
    y = [
        [
            sympy.expand(sum((u * v for u, v in _window(xp, kc, i, j, s)), sympy.Integer(0)))
            for j in range(ow)
        ]
        for i in range(oh)
    ]
    g = _upstream(p, two_d, oh, ow)
    gxp = [[sympy.Integer(0)] * len(xp[0]) for _ in xp]
    gkc = [[sympy.Integer(0)] * kw for _ in range(kh)]
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r, c = i * s + a, j * s + b
                    gxp[r][c] += g[i][j] * kc[a][b]
                    gkc[a][b] += g[i][j] * xp[r][c]
    gx = [[gxp[i + padded.top][j + padded.left] for j in range(len(x[0]))] for i in range(len(x))]
    gk = [row[::-1] for row in gkc[::-1]] if p.op == "convolve" else gkc
    return Conv(kc, padded, y, g, gx, gk), two_d


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
    c, two_d = convolve(p)
    w = Worked()
    if p.op == "convolve":
        w.step(
            f"True convolution: flip the kernel (rows and columns): {_text(c.kernel, two_d)}", ""
        )
    if p.mode != "valid":
        w.step(f"Pad with zeros ({p.mode}): {_text(c.padded.grid, two_d)}", "")
    oh, ow = len(c.y), len(c.y[0])
    if oh * ow <= MAX_LISTED:
        for i in range(oh):
            for j in range(ow):
                w.step(*_entry_step(c, i, j, p.stride, two_d))
    w.step(
        f"y = {_text(c.y, two_d)} ({oh} x {ow})" if two_d else f"y = {_text(c.y, two_d)}",
        f"y = {_tensor(c.y, two_d).latex()}",
    )
    w.value("y", _tensor(c.y, two_d))
    w.value("kernel_used", _tensor(c.kernel, two_d))
    if p.upstream is None:
        w.note("No upstream gradient given: dL/dy = 1 everywhere (L = sum of y).")
    other = "correlation" if p.op == "convolve" else "convolution"
    classic = p.stride == 1 and p.mode == "valid"
    w.step(
        "dL/dx[m] = sum over outputs i that read x[m] of g[i] * (kernel entry used): "
        + _text(c.grad_x, two_d)
        + (f" (valid, stride 1: the full {other} of g with k)" if classic else ""),
        "",
    )
    w.step(
        "dL/dk[a] = sum over outputs i of g[i] * x_pad[i s + a]: "
        + _text(c.grad_k, two_d)
        + (" (flipped back because the kernel was flipped)" if p.op == "convolve" else ""),
        "",
    )
    w.value("dL/dx", _tensor(c.grad_x, two_d))
    w.value("dL/dk", _tensor(c.grad_k, two_d))
    return w.solution()


def _entry_step(c: Conv, i: int, j: int, s: int, two_d: bool) -> tuple[str, str]:
    """``y[i,j] = x*k + ... = value``, as text and LaTeX."""
    terms = _window(c.padded.grid, c.kernel, i, j, s)
    where = f"y[{j}]" if not two_d else f"y[{i},{j}]"
    index = f"{j}" if not two_d else f"{i},{j}"
    products = " + ".join(f"{_factor(u)}*{_factor(v)}" for u, v in terms)
    products_tex = " + ".join(rf"{_factor_tex(u)} \cdot {_factor_tex(v)}" for u, v in terms)
    return (
        f"{where} = {products} = {show(c.y[i][j])}",
        rf"y_{{{index}}} = {products_tex} = {sympy.latex(c.y[i][j])}",
    )


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
