"""Two array backends for the graph engine: NumPy floats and exact/symbolic SymPy.

Every value is a 2-D array: a scalar is ``1 x 1``, a vector is a column ``n x 1``, a matrix
is ``m x n``. Elementwise functions are written once against a tiny math namespace (``M.exp``,
``M.select``...) and run either on whole NumPy arrays or entry by entry on SymPy scalars.
``M.select(x, pos, zero, neg)`` picks by the sign of ``x``; it is how kinks (ReLU at 0, ties
of ``max``) get an explicit, stated convention in both backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from solvers.expr import safe_exp
from solvers.worked import bounded as _bounded


class NumpyMath:
    """Elementwise maths on float arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)
    sqrt = staticmethod(np.sqrt)

    @staticmethod
    def select(x: Any, pos: Any, zero: Any, neg: Any) -> Any:
        return np.where(x > 0, pos, np.where(x < 0, neg, zero))

    @staticmethod
    def sigmoid(x: Any) -> Any:
        # Split by sign so exp never overflows.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def softplus(x: Any) -> Any:
        return np.logaddexp(0.0, x)

    @staticmethod
    def xlogy(y: Any, p: Any) -> Any:
        """y * log(p), 0 where y == 0 (a zero probability of a wrong class is fine)."""
        return np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, p)))


class SympyMath:
    """Elementwise maths on SymPy scalars (exact numbers or expressions with symbols)."""

    exp = staticmethod(safe_exp)
    log = staticmethod(sympy.log)
    tanh = staticmethod(sympy.tanh)
    sqrt = staticmethod(sympy.sqrt)

    @staticmethod
    def select(x: Any, pos: Any, zero: Any, neg: Any) -> Any:
        x = sympy.sympify(x)
        if not x.free_symbols:
            # A number: decide by its value (SymPy's assumption system is slow on big
            # closed forms); exact zero only when it is exactly zero.
            if x.is_Rational or x.is_Float:
                sign = int(bool(x > 0)) - int(bool(x < 0))
            else:
                value = sympy.N(x, 40)
                sign = 0 if value == 0 else (1 if value > 0 else -1)
            return pos if sign > 0 else (neg if sign < 0 else zero)
        if x.is_positive:
            return pos
        if x.is_negative:
            return neg
        if x.is_zero:
            return zero
        return sympy.Piecewise((pos, x > 0), (neg, x < 0), (zero, True))

    @staticmethod
    def sigmoid(x: Any) -> Any:
        return 1 / (1 + safe_exp(-x))

    @staticmethod
    def softplus(x: Any) -> Any:
        return sympy.log(1 + safe_exp(x))

    @staticmethod
    def xlogy(y: Any, p: Any) -> Any:
        """y * log(p), 0 where y == 0."""
        return 0 if y == 0 else y * sympy.log(p)


class Backend:
    """Common interface; see :class:`NumericBackend` and :class:`ExactBackend`."""

    M: Any
    exact: bool

    def array(self, value: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def shape(self, a: Any) -> tuple[int, int]:
        return (int(a.shape[0]), int(a.shape[1]))

    def ew(self, fn: Callable[..., Any], *arrays: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def matmul(self, a: Any, b: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def T(self, a: Any) -> Any:
        return a.T

    def total(self, a: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def full(self, shape: tuple[int, int], value: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def softmax(self, z: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def scalar(self, a: Any) -> Any:
        """The single entry of a 1 x 1 array."""
        return a[0, 0]

    def unbroadcast(self, g: Any, shape: tuple[int, int]) -> Any:
        """Sum ``g`` over the axes along which an operand of ``shape`` was broadcast."""
        gs = self.shape(g)
        if gs == shape:
            return g
        if shape[0] == 1 and gs[0] != 1:
            g = self.matmul(self.full((1, gs[0]), 1), g)
        if shape[1] == 1 and gs[1] != 1:
            g = self.matmul(g, self.full((gs[1], 1), 1))
        return g


class NumericBackend(Backend):
    """IEEE floats with NumPy (fast, approximate)."""

    M = NumpyMath
    exact = False

    def array(self, value: Any) -> Any:
        if isinstance(value, sympy.MatrixBase):
            arr = np.array(value.tolist(), dtype=float)
        else:
            arr = np.asarray(value, dtype=float)
        if arr.ndim == 0:
            return arr.reshape(1, 1)
        if arr.ndim == 1:
            return arr.reshape(-1, 1)
        if arr.ndim == 2:
            return arr
        raise ValueError("only scalars, vectors and matrices are supported")

    def ew(self, fn: Callable[..., Any], *arrays: Any) -> Any:
        np.broadcast_shapes(*(a.shape for a in arrays))  # raises on incompatible shapes
        out = fn(*arrays)
        return np.broadcast_to(
            np.asarray(out, dtype=float), np.broadcast_shapes(*(a.shape for a in arrays))
        ).copy()

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        return np.sum(a).reshape(1, 1)

    def full(self, shape: tuple[int, int], value: Any) -> Any:
        return np.full(shape, float(value))

    def softmax(self, z: Any) -> Any:
        e = np.exp(z - z.max())
        return e / e.sum()


class ExactBackend(Backend):
    """SymPy matrices: exact rationals, closed forms (``ln 9``) and free symbols."""

    M = SympyMath
    exact = True

    def array(self, value: Any) -> Any:
        if isinstance(value, sympy.MatrixBase):
            m = sympy.ImmutableMatrix(value)
        elif isinstance(value, list | tuple):
            if value and isinstance(value[0], list | tuple):
                m = sympy.ImmutableMatrix([[sympy.sympify(v) for v in row] for row in value])
            else:
                m = sympy.ImmutableMatrix([[sympy.sympify(v)] for v in value])
        else:
            m = sympy.ImmutableMatrix([[sympy.sympify(value)]])
        return m

    def ew(self, fn: Callable[..., Any], *arrays: Any) -> Any:
        shapes = [self.shape(a) for a in arrays]
        rows = max(s[0] for s in shapes)
        cols = max(s[1] for s in shapes)
        for s in shapes:
            if s[0] not in (1, rows) or s[1] not in (1, cols):
                raise ValueError(f"shapes {shapes} cannot be broadcast together")

        def entry(i: int, j: int) -> Any:
            args = [a[i if a.shape[0] > 1 else 0, j if a.shape[1] > 1 else 0] for a in arrays]
            return _bounded(sympy.sympify(fn(*args)))

        return sympy.ImmutableMatrix(rows, cols, lambda i, j: entry(i, j))

    def matmul(self, a: Any, b: Any) -> Any:
        return sympy.ImmutableMatrix(a * b).applyfunc(_bounded)

    def T(self, a: Any) -> Any:
        return sympy.ImmutableMatrix(a.T)

    def total(self, a: Any) -> Any:
        return sympy.ImmutableMatrix([[sum(a, sympy.Integer(0))]])

    def full(self, shape: tuple[int, int], value: Any) -> Any:
        return sympy.ImmutableMatrix(shape[0], shape[1], lambda i, j: sympy.sympify(value))

    def softmax(self, z: Any) -> Any:
        e = z.applyfunc(safe_exp)
        s = sum(e, sympy.Integer(0))
        return sympy.ImmutableMatrix(e.applyfunc(lambda v: _bounded(v / s)))
