"""Plain JSON-ready dictionaries of solutions (for the CLI and for storing a key's answers)."""

from __future__ import annotations

from typing import Any

import sympy
import yaml

from solvers.core import Solution
from solvers.values import (
    Choice,
    Expression,
    Integer,
    KeywordSet,
    Number,
    Predicate,
    Shape,
    Tensor,
    Value,
    _format_float,
)


def value_to_dict(value: Value) -> dict[str, Any]:
    """``{"type": ..., "display": ..., "latex": ..., ...}`` with the type's own fields."""
    out: dict[str, Any] = {"type": type(value).__name__, "latex": value.latex()}
    if isinstance(value, Number):
        out["value"] = value.value
        out["exact"] = None if value.exact is None else sympy.sstr(value.exact)
        out["display"] = (
            _format_float(value.value)
            if value.exact is None or (value.exact.is_Rational and value.exact.is_Integer)
            else f"{sympy.sstr(value.exact)} ≈ {value.value:.6g}"
        )
        if value.unit:
            out["unit"] = value.unit
    elif isinstance(value, Integer):
        out["value"] = value.value
        out["display"] = str(value.value)
    elif isinstance(value, Tensor):
        out["values"] = list(value.values)
        out["shape"] = list(value.shape)
        out["display"] = _tensor_text(value)
        if value.exact is not None:
            out["exact"] = [sympy.sstr(v) for v in value.exact]
    elif isinstance(value, Shape):
        out["dims"] = list(value.dims)
        out["convention"] = value.convention
        out["display"] = " x ".join(map(str, value.dims)) + (
            f" ({value.convention})" if value.convention else ""
        )
    elif isinstance(value, Expression):
        out["expr"] = sympy.sstr(value.expr)
        out["symbols"] = list(value.symbols)
        out["display"] = sympy.sstr(value.expr)
    elif isinstance(value, Choice):
        out["value"] = value.value
        out["options"] = list(value.options)
        out["display"] = value.value
    elif isinstance(value, KeywordSet):
        out["required"] = [list(alts) for alts in value.required]
        out["display"] = ", ".join(alts[0] for alts in value.required)
    elif isinstance(value, Predicate):
        out["description"] = value.description
        out["variables"] = list(value.variables)
        out["example"] = dict(value.example)
        out["display"] = f"{value.description} (e.g. {dict(value.example)})"
    return out


class _ExampleDumper(yaml.SafeDumper):
    """YAML as an answer-key author writes it: numbers in ``[4, 2]`` rows, strings as blocks."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(isinstance(v, int | float) and not isinstance(v, bool) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_ExampleDumper.add_representer(list, _represent_list)


def to_yaml(data: Any) -> str:
    """Readable YAML of a parameter mapping (used for examples in docs and ``describe``)."""
    return yaml.dump(data, Dumper=_ExampleDumper, sort_keys=False, width=100)


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """The whole solution as nested plain data (JSON-serialisable)."""
    return {
        "values": {name: value_to_dict(v) for name, v in solution.values.items()},
        "steps": [{"text": s.text, "latex": s.latex} for s in solution.steps],
        "notes": list(solution.notes),
    }


def _tensor_text(t: Tensor) -> str:
    arr = t.to_numpy()
    if arr.ndim <= 1 or (arr.ndim == 2 and 1 in arr.shape):
        return "(" + ", ".join(_format_float(v) for v in arr.ravel()) + ")"
    return (
        "["
        + "; ".join(
            ", ".join(_format_float(v) for v in row) for row in arr.reshape(arr.shape[0], -1)
        )
        + "]"
    )
