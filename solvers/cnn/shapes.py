"""Shape arithmetic along one spatial axis, and the padding forms an answer key may use.

Per axis: input ``n``, kernel ``k``, stride ``s``, dilation ``d``, padding ``p_lo + p_hi``
(the PyTorch documentation of ``Conv2d``/``MaxPool2d``/``ConvTranspose2d``):

* convolution and pooling: ``out = floor((n + p_lo + p_hi - d (k - 1) - 1) / s) + 1``;
* pooling with ``ceil_mode``: ``ceil`` instead of ``floor``; then the last window is dropped
  when it would start past the input, by one of two rules (:data:`CEIL_RULES`). It is only
  ever the extra window the ceiling added: ceil mode never keeps fewer windows than floor;
* transposed convolution: ``out = (n - 1) s - p_lo - p_hi + d (k - 1) + output_padding + 1``.

Padding: an integer (all sides), one integer per axis, MATLAB style ``[top bottom left
right]`` (a flat list of ``2 * axes`` numbers), ``[[top, bottom], [left, right]]``,
``"valid"`` (none) or ``"same"`` (TensorFlow rule: ``out = ceil(n / s)``, the odd pixel of
padding goes to the bottom/right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from solvers.core import ParameterError

Padding = int | str | list[int] | list[list[int]]
Mode = Literal["floor", "ceil", "transpose"]
CeilRule = Literal["auto", "pool_padding", "padded_input"]

CEIL_RULES = {
    "auto": "padded_input when the padding is given per side (MATLAB [top bottom left right], "
    "[[t, b], [l, r]], 'same') or is more than half the kernel (which PyTorch's pooling "
    "refuses); pool_padding otherwise",
    "pool_padding": "PyTorch/Caffe pooling with its own padding= argument: a last window that "
    "would start inside the right padding is dropped",
    "padded_input": "the input is padded first (MATLAB, F.pad, ZeroPad2d), then pooled without "
    "padding: a last window is dropped only when it would start past the padded input",
}


# The rule as the worked step names it.
CEIL_RULE_STEPS = {
    "pool_padding": "pool_padding rule (PyTorch's padding=): no window may start in the right "
    "padding",
    "padded_input": "padded_input rule: the input is padded, then pooled; a window must start "
    "inside the padded input",
}


def per_axis(value: int | list[int] | None, axes: int, default: int, where: str) -> list[int]:
    """One non-negative number per axis from an int, a per-axis list or ``None`` (default)."""
    if value is None:
        return [default] * axes
    if isinstance(value, int):
        out = [value] * axes
    elif len(value) == axes:
        out = list(value)
    else:
        raise ParameterError(where, f"expected one number or {axes}")
    if any(v < 0 for v in out):
        raise ParameterError(where, "must not be negative")
    return out


def resolve_padding(
    padding: Padding, n: list[int], k: list[int], s: list[int], d: list[int], where: str
) -> list[tuple[int, int]]:
    """``(before, after)`` padding per spatial axis."""
    axes = len(n)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * axes
        if padding == "same":
            out = []
            for ni, ki, si, di in zip(n, k, s, d, strict=True):
                target = math.ceil(ni / si)
                total = max((target - 1) * si + di * (ki - 1) + 1 - ni, 0)
                out.append((total // 2, total - total // 2))
            return out
        raise ParameterError(where, "padding must be a number, a list, 'valid' or 'same'")
    if isinstance(padding, int):
        pairs = [(padding, padding)] * axes
    elif all(isinstance(v, list) for v in padding):
        if len(padding) != axes or any(len(v) != 2 for v in padding):  # type: ignore[arg-type]
            raise ParameterError(where, f"expected {axes} pairs [before, after]")
        pairs = [(int(v[0]), int(v[1])) for v in padding]  # type: ignore[index]
    elif len(padding) == axes:
        pairs = [(int(v), int(v)) for v in padding]  # type: ignore[arg-type]
    elif len(padding) == 2 * axes:  # MATLAB: [top bottom left right]
        flat = [int(v) for v in padding]  # type: ignore[arg-type]
        pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(axes)]
    else:
        raise ParameterError(where, f"expected 1, {axes} or {2 * axes} numbers")
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ParameterError(where, "must not be negative")
    return pairs


def padding_per_side(padding: Padding, axes: int) -> bool:
    """True when ``padding`` is written per side (MATLAB list, pairs, ``'same'``) rather than
    as PyTorch's one number for both sides of an axis."""
    if isinstance(padding, str):
        return padding == "same"
    if isinstance(padding, int):
        return False
    return len(padding) != axes or any(isinstance(v, list) for v in padding)


def conv_out(n: int, k: int, s: int, d: int, pad: tuple[int, int]) -> int:
    """Output length of a convolution (or floor-mode pooling) along one axis."""
    return (n + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


@dataclass(frozen=True)
class CeilWindows:
    """Ceil-mode pooling along one axis: ``raw`` windows after the ceiling, ``out`` kept.

    ``limit`` is where the last window may not start (``n + p_lo`` for ``pool_padding``,
    ``n + p_lo + p_hi`` for ``padded_input``); ``dropped`` says whether it did.
    """

    out: int
    raw: int
    last_start: int
    limit: int
    dropped: bool
    rule: CeilRule = "pool_padding"


def ceil_windows(
    n: int, k: int, s: int, d: int, pad: tuple[int, int], rule: CeilRule = "pool_padding"
) -> CeilWindows:
    """Ceil-mode pooling length along one axis under ``rule`` (resolved, not ``auto``)."""
    span = n + pad[0] + pad[1] - d * (k - 1) - 1
    floor_out = span // s + 1
    raw = -(-span // s) + 1
    limit = n + pad[0] + (pad[1] if rule == "padded_input" else 0)
    last_start = (raw - 1) * s
    # Only the window the ceiling added may go: never fewer windows than floor mode keeps.
    dropped = last_start >= limit and raw - 1 >= floor_out
    return CeilWindows(raw - 1 if dropped else raw, raw, last_start, limit, dropped, rule)


def pool_out_ceil(
    n: int, k: int, s: int, d: int, pad: tuple[int, int], rule: CeilRule = "pool_padding"
) -> int:
    """Output length of ceil-mode pooling along one axis (see :func:`ceil_windows`)."""
    return ceil_windows(n, k, s, d, pad, rule).out


def resolve_ceil_rule(
    rule: CeilRule, padding: Padding, pads: list[tuple[int, int]], k: list[int]
) -> CeilRule:
    """The rule ``auto`` stands for, given how the padding was written and its size (PyTorch's
    pooling takes at most half the kernel, dilation aside)."""
    if rule != "auto":
        return rule
    too_big = any(2 * max(p) > ki for p, ki in zip(pads, k, strict=True))
    if too_big or padding_per_side(padding, len(pads)):
        return "padded_input"
    return "pool_padding"


def conv_transpose_out(n: int, k: int, s: int, d: int, pad: tuple[int, int], extra: int) -> int:
    """Output length of a transposed convolution along one axis."""
    return (n - 1) * s - pad[0] - pad[1] + d * (k - 1) + extra + 1


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a convolution or pooling layer and its output length."""

    n: int
    k: int
    s: int
    d: int
    pad: tuple[int, int]
    extra: int
    out: int
    ceil: CeilWindows | None = None


def axis_lengths(
    mode: Mode,
    n: list[int],
    k: list[int],
    s: list[int],
    d: list[int],
    pads: list[tuple[int, int]],
    extra: list[int],
    rule: CeilRule = "pool_padding",
) -> list[Axis]:
    """Every axis of a layer, computed by ``mode``."""
    axes = []
    for ni, ki, si, di, pi, ei in zip(n, k, s, d, pads, extra, strict=True):
        if mode == "transpose":
            axes.append(Axis(ni, ki, si, di, pi, ei, conv_transpose_out(ni, ki, si, di, pi, ei)))
        elif mode == "ceil":
            windows = ceil_windows(ni, ki, si, di, pi, rule)
            axes.append(Axis(ni, ki, si, di, pi, ei, windows.out, windows))
        else:
            axes.append(Axis(ni, ki, si, di, pi, ei, conv_out(ni, ki, si, di, pi)))
    return axes


FORMULAS: dict[Mode, str] = {
    "transpose": "(n - 1) s - p + d (k - 1) + output_padding + 1",
    "ceil": "ceil((n + p - d (k - 1) - 1) / s) + 1",
    "floor": "floor((n + p - d (k - 1) - 1) / s) + 1",
}


def axis_text(i: int, a: Axis) -> str:
    """``axis 1: n=141, k=1, ... -> 143`` with a dropped ceil window spelled out."""
    text = f"axis {i + 1}: n={a.n}, k={a.k}, s={a.s}, d={a.d}, p={a.pad[0]}+{a.pad[1]}"
    if a.ceil is not None and a.ceil.dropped:
        bound = "n + p_lo" if a.ceil.rule == "pool_padding" else "n + p_lo + p_hi"
        return (
            f"{text}: ceil gives {a.ceil.raw} windows, but the last would start at "
            f"{a.ceil.last_start} >= {bound} = {a.ceil.limit}, so it is dropped -> {a.out}"
        )
    return f"{text} -> {a.out}"


def axis_tex(mode: Mode, a: Axis) -> str:
    """One axis of the shape formula with the numbers filled in, as LaTeX."""
    kernel = f"{a.d} \\cdot ({a.k} - 1)" if a.d != 1 else f"({a.k} - 1)"
    if mode == "transpose":
        return (
            f"({a.n} - 1) \\cdot {a.s} - {a.pad[0]} - {a.pad[1]} + {kernel} + {a.extra} + 1"
            f" = {a.out}"
        )
    if mode == "ceil":
        left, right = r"\left\lceil", r"\right\rceil"
    else:
        left, right = r"\left\lfloor", r"\right\rfloor"
    body = rf"{left} \frac{{{a.n} + {a.pad[0]} + {a.pad[1]} - {kernel} - 1}}{{{a.s}}} {right} + 1"
    if a.ceil is not None and a.ceil.dropped:
        return rf"{body} - 1 = {a.out}"
    return f"{body} = {a.out}"
