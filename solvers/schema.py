"""Validated parameter schemas: answer-key mappings -> frozen dataclasses.

Each solver declares its parameters as a frozen dataclass. :func:`build` converts the mapping
an answer key holds (parsed YAML/JSON) into that dataclass, checking types, required fields
and unknown keys, and raises :class:`~solvers.core.ParameterError` with the dotted path of the
offending field (``layers[2].stride``). Supported annotations: ``int``, ``float``, ``str``,
``bool``, ``Literal[...]``, ``X | None``, ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]``,
nested dataclasses, ``Any``, and ``sympy.Expr`` (an exact scalar: ``0.3`` -> ``3/10``,
``"ln(9)"``, ``"w"``; see :mod:`solvers.expr`).

A dataclass may define ``check(self) -> None`` for cross-field rules; it raises
``ParameterError`` with a field name relative to itself and :func:`build` prefixes the path.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import sympy

from solvers.core import ParameterError
from solvers.expr import ExpressionError, exact_number, to_sympy

T = TypeVar("T")

# Exact scalar parameter (an alias so schemas read as intent, not as a SymPy detail).
Scalar = sympy.Expr


def param(
    help: str,
    default: Any = dataclasses.MISSING,
    *,
    factory: Any = None,
    choices: Mapping[Any, str] | None = None,
) -> Any:
    """A dataclass field carrying its one-line documentation (shown by ``describe``).

    ``choices`` marks a *convention*: a parameter whose options are each a defensible reading
    of the same question (hinge sum or mean, floor or ceil). It maps every option to what it
    means and where it comes from; ``describe`` lists them with the default marked.
    """
    metadata: dict[str, Any] = {"help": help}
    if choices:
        metadata["choices"] = dict(choices)
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def conventions(cls: type) -> list[tuple[str, Any, dict[Any, str]]]:
    """``(name, default, choices)`` of every convention field of ``cls`` (nested included,
    as ``Layer.ceil_rule``)."""
    out: list[tuple[str, Any, dict[Any, str]]] = []
    hints = _type_hints(cls)
    for f in dataclasses.fields(cls):
        if "choices" in f.metadata:
            out.append((f.name, f.default, dict(f.metadata["choices"])))
        for sub in _dataclasses_in(hints[f.name]):
            out += [(f"{sub.__name__}.{n}", d, c) for n, d, c in conventions(sub)]
    return out


def join(path: str, key: str | int) -> str:
    """Extend a dotted field path: ``join("layers", 2) == "layers[2]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def build(cls: type[T], data: Any, path: str = "") -> T:
    """Convert ``data`` (a mapping) into the dataclass ``cls``, validating every field."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise ParameterError(path or "params", f"expected a mapping, got {_kind(data)}")
    hints = _type_hints(cls)  # type: ignore[arg-type]  # classes are hashable
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise ParameterError(
            join(path, str(unknown[0])),
            f"unknown parameter; expected one of: {', '.join(fields)}",
        )
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        where = join(path, name)
        if name in data:
            kwargs[name] = convert(hints[name], data[name], where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ParameterError(where, "required parameter is missing")
        elif _is_scalar(hints[name]) and isinstance(f.default, int | float):
            # Plain-number defaults of exact fields are written for readability: make them exact.
            kwargs[name] = to_scalar(f.default, where)
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if callable(check):
        try:
            check()
        except ParameterError as exc:
            raise ParameterError(join(path, exc.field), exc.message) from None
    return obj


def convert(tp: Any, value: Any, path: str) -> Any:
    """Convert one value to the annotation ``tp`` or raise ``ParameterError(path, ...)``."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None:
            if type(None) in options:
                return None
            raise ParameterError(path, "must not be empty")
        real = [o for o in options if o is not type(None)]
        if len(real) == 1:
            return convert(real[0], value, path)
        errors: list[ParameterError] = []
        for option in real:
            try:
                return convert(option, value, path)
            except ParameterError as exc:
                errors.append(exc)
        deeper = [e for e in errors if e.field != path]
        if deeper:  # the value had the right shape for an option but a nested field is wrong
            raise deeper[0]
        raise ParameterError(path, " or ".join(e.message for e in errors))
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise ParameterError(path, f"must be one of {', '.join(map(repr, allowed))}")
        return value
    if origin in (list, tuple):
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ParameterError(path, f"expected a list, got {_kind(value)}")
        args = get_args(tp)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise ParameterError(path, f"expected {len(args)} entries, got {len(value)}")
            return tuple(
                convert(a, v, join(path, i))
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        item = args[0] if args else Any
        items = [convert(item, v, join(path, i)) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise ParameterError(path, f"expected a mapping, got {_kind(value)}")
        vt = get_args(tp)[1] if get_args(tp) else Any
        return {str(k): convert(vt, v, join(path, str(k))) for k, v in value.items()}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return build(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise ParameterError(path, f"expected true or false, got {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ParameterError(path, f"expected an integer, got {_kind(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(path, f"expected a number, got {_kind(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ParameterError(path, f"expected a string, got {_kind(value)}")
        return value
    if tp is sympy.Expr:
        return to_scalar(value, path)
    raise TypeError(f"schema annotation {tp!r} is not supported (at {path})")


def _is_scalar(tp: Any) -> bool:
    return tp is sympy.Expr or sympy.Expr in get_args(tp)


def to_scalar(value: Any, path: str) -> sympy.Expr:
    """An exact scalar from a number or an expression string; ParameterError otherwise."""
    if isinstance(value, sympy.Expr):
        return value
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return exact_number(value)
        if isinstance(value, str):
            return to_sympy(value)
    except (ExpressionError, ArithmeticError) as exc:
        raise ParameterError(path, str(exc)) from None
    raise ParameterError(path, f"expected a number or an expression, got {_kind(value)}")


def describe_type(tp: Any) -> str:
    """Human-readable form of an annotation for the schema docs."""
    origin = get_origin(tp)
    if tp is sympy.Expr:
        return "number or expression"
    if origin in (Union, types.UnionType):
        parts = [describe_type(a) for a in get_args(tp) if a is not type(None)]
        suffix = " (optional)" if type(None) in get_args(tp) else ""
        return " | ".join(parts) + suffix
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if origin in (list, tuple):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        if origin is tuple and len(args) > 1:
            return "[" + ", ".join(describe_type(a) for a in args) + "]"
        return f"list of {describe_type(args[0]) if args else 'any'}"
    if origin in (dict, Mapping):
        return f"mapping name -> {describe_type(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return tp.__name__
    if tp is Any:
        return "any"
    return getattr(tp, "__name__", str(tp))


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a schema class (resolving them is slow; classes are fixed)."""
    return typing.get_type_hints(cls)


def describe_fields(cls: type, indent: str = "  ", seen: set[type] | None = None) -> list[str]:
    """One line per field (``name: type = default  -- help``), nested dataclasses expanded."""
    seen = set() if seen is None else seen
    hints = typing.get_type_hints(cls)
    lines = []
    nested: list[type] = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if f.default is not dataclasses.MISSING:
            default = f" = {_show_default(f.default)}"
        elif f.default_factory is not dataclasses.MISSING:
            default = f" = {_show_default(f.default_factory())}"
        else:
            default = " (required)"
        text = f.metadata.get("help", "")
        lines.append(
            f"{indent}{f.name}: {describe_type(tp)}{default}" + (f"  -- {text}" if text else "")
        )
        for option, meaning in f.metadata.get("choices", {}).items():
            mark = " (default)" if option == f.default else ""
            lines.append(f"{indent}    convention {show_option(option)}{mark}: {meaning}")
        nested.extend(_dataclasses_in(tp))
    for sub in nested:
        if sub not in seen:
            seen.add(sub)
            lines.append(f"{indent}{sub.__name__}:")
            lines.extend(describe_fields(sub, indent + "  ", seen))
    return lines


def _dataclasses_in(tp: Any) -> list[type]:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return [tp]
    out: list[type] = []
    for a in get_args(tp):
        out.extend(_dataclasses_in(a))
    return out


def show_option(value: Any) -> str:
    """An option as written in YAML: ``true``, ``'sum'``, ``3``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _show_default(value: Any) -> str:
    if isinstance(value, sympy.Basic):
        return str(value)
    return repr(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, int | float | str):
        return f"{type(value).__name__} {value!r}"
    return type(value).__name__


__all__ = [
    "Scalar",
    "build",
    "conventions",
    "convert",
    "describe_fields",
    "exact_number",
    "join",
    "param",
]
