"""Typed answer values: what a solver returns and what the auto-checker compares against.

Every value a student can be asked for is one of these frozen dataclasses. The checker picks
its comparator from the value's type (never by guessing from a string), so the type carries
the meaning: a :class:`Shape` ``126 x 126 x 1`` is not the product 15876, and a
:class:`Number` keeps its exact form (``ln 9``, ``sqrt 2``) beside its float.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sympy


@dataclass(frozen=True)
class Number:
    """A real number, with its exact SymPy form where it has one.

    ``value`` is the float used for tolerant comparison; ``exact`` (e.g. ``-log(3/10)``)
    is shown to students and used for symbolic equivalence. ``unit`` is display-only.
    """

    value: float
    exact: sympy.Expr | None = None
    unit: str = ""

    @classmethod
    def of(cls, x: Any, unit: str = "") -> Number:
        """Build from an int, float, or SymPy expression (kept as the exact form)."""
        if isinstance(x, sympy.Basic):
            # A Rational is already exact: nsimplify would round it (45000001/50000001 -> 9/10).
            return cls(float(sympy.N(x, 30)), x, unit)
        if isinstance(x, bool):
            raise TypeError("a boolean is a Choice, not a Number")
        if isinstance(x, int):
            return cls(float(x), sympy.Integer(x), unit)
        return cls(float(x), None, unit)

    def latex(self) -> str:
        """LaTeX of the exact form when known, else of the float."""
        return sympy.latex(self.exact) if self.exact is not None else _format_float(self.value)

    def display(self) -> str:
        """Plain text: the exact form with its decimal when it is not an integer, and the unit."""
        if self.exact is None or self.exact.is_Integer:
            shown = _format_float(self.value)
        else:
            shown = f"{sympy.sstr(self.exact)} ≈ {self.value:.6g}"
        return shown + (f" {self.unit}" if self.unit else "")

    def fields(self) -> dict[str, Any]:
        """JSON-ready fields (besides type, display and LaTeX)."""
        out: dict[str, Any] = {
            "value": self.value,
            "exact": None if self.exact is None else sympy.sstr(self.exact),
        }
        if self.unit:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Integer:
    """A count (parameters, epochs, iterations): compared exactly."""

    value: int

    def latex(self) -> str:
        return str(self.value)

    def display(self) -> str:
        return str(self.value)

    def fields(self) -> dict[str, Any]:
        return {"value": self.value}


@dataclass(frozen=True)
class Tensor:
    """A vector or matrix of reals, row-major, with its shape.

    A column vector has shape ``(n,)`` or ``(n, 1)``; the checker treats those as equal
    unless the key says orientation matters.
    """

    values: tuple[float, ...]
    shape: tuple[int, ...]
    exact: tuple[sympy.Expr, ...] | None = None

    def __post_init__(self) -> None:
        size = 1
        for d in self.shape:
            size *= d
        if size != len(self.values):
            raise ValueError(f"{len(self.values)} values do not fill shape {self.shape}")

    @classmethod
    def of(cls, array: Any) -> Tensor:
        """Build from a nested list, NumPy array or SymPy Matrix."""
        if isinstance(array, sympy.MatrixBase):
            exact = tuple(array)
            return cls(tuple(float(v) for v in array), tuple(array.shape), exact)
        import numpy as np

        arr = np.asarray(array, dtype=float)
        return cls(tuple(float(v) for v in arr.ravel()), tuple(arr.shape))

    def to_numpy(self) -> Any:
        import numpy as np

        return np.asarray(self.values, dtype=float).reshape(self.shape)

    def latex(self) -> str:
        arr = self.to_numpy()
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        rows = [" & ".join(_format_float(v) for v in row) for row in arr.reshape(arr.shape[0], -1)]
        return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"

    def display(self) -> str:
        """``[-8, -4]`` for a vector, ``[[1, 2], [3, 4]]`` for a matrix."""
        return _nested_text(self.to_numpy().tolist())

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"values": list(self.values), "shape": list(self.shape)}
        if self.exact is not None:
            out["exact"] = [sympy.sstr(v) for v in self.exact]
        return out


@dataclass(frozen=True)
class Shape:
    """A tensor shape such as ``126 x 126 x 1``; ``convention`` names the axis order
    (``"HWC"``, ``"CHW"``, ``"NCHW"``...) so the checker can recognise a permuted answer."""

    dims: tuple[int, ...]
    convention: str = ""

    def latex(self) -> str:
        return r" \times ".join(str(d) for d in self.dims)

    def display(self) -> str:
        conv = f" ({self.convention})" if self.convention else ""
        return " x ".join(map(str, self.dims)) + conv

    def fields(self) -> dict[str, Any]:
        return {"dims": list(self.dims), "convention": self.convention}


@dataclass(frozen=True)
class Expression:
    """A symbolic answer (``0.98 w``, ``(f - y) f'(g) x^T``) compared by equivalence."""

    expr: sympy.Expr
    symbols: tuple[str, ...] = ()

    def latex(self) -> str:
        return sympy.latex(self.expr)

    def display(self) -> str:
        return sympy.sstr(self.expr)

    def fields(self) -> dict[str, Any]:
        return {"expr": sympy.sstr(self.expr), "symbols": list(self.symbols)}


@dataclass(frozen=True)
class Choice:
    """One option among a closed set: True/False, "A"/"B", "yes"/"no", a named method."""

    value: str
    options: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def latex(self) -> str:
        return r"\text{" + self.value + "}"

    def display(self) -> str:
        return self.value

    def fields(self) -> dict[str, Any]:
        return {"value": self.value, "options": list(self.options)}


@dataclass(frozen=True)
class KeywordSet:
    """An answer judged by the presence of key terms (``one-hot encoding``); each entry is a
    tuple of accepted spellings."""

    required: tuple[tuple[str, ...], ...]

    def latex(self) -> str:
        return r"\text{" + ", ".join(alts[0] for alts in self.required) + "}"

    def display(self) -> str:
        return ", ".join(alts[0] for alts in self.required)

    def fields(self) -> dict[str, Any]:
        return {"required": [list(alts) for alts in self.required]}


@dataclass(frozen=True)
class Predicate:
    """A condition that many answers satisfy (any (alpha, beta) with beta = -alpha/2).

    ``check`` receives the student's named values (floats) and returns True when they
    satisfy the condition; ``description`` is what a student is shown; ``example`` is one
    satisfying assignment, used as the expected value in feedback.
    """

    description: str
    variables: tuple[str, ...]
    check: Callable[[Mapping[str, float]], bool]
    example: Mapping[str, float] = field(default_factory=dict)
    latex_form: str = ""

    def latex(self) -> str:
        return self.latex_form or r"\text{" + self.description + "}"

    def display(self) -> str:
        return self.description

    def fields(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "variables": list(self.variables),
            "example": dict(self.example),
        }


Value = Number | Integer | Tensor | Shape | Expression | Choice | KeywordSet | Predicate


class AnyValue(Protocol):
    """What every expected value offers, whatever its kind (the kinds of ``autocheck.kinds``
    add their own value classes with the same three methods)."""

    def latex(self) -> str: ...
    def display(self) -> str: ...
    def fields(self) -> dict[str, Any]: ...


def _nested_text(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested_text(v) for v in x) + "]"
    return _format_float(x)


def _format_float(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"
