"""Why is a wrong answer wrong? Try known wrong computations against the student's value.

This follows STACK's potential-response trees: each entry of a mistake table recomputes the
answer the way a student who made that mistake would, and if that matches what the student
wrote, the student is told the mistake in plain words. Three sources of wrong computations:

1. **Error carried forward**: a part whose key says ``carry: {param: "3.2:z1"}`` is re-solved
   with the student's own earlier value in place of ``param``. A match means the method is
   right and only the earlier error propagated.
2. **Solver re-solves** (:data:`PARAM_MISTAKES`, :data:`SOLVER_MISTAKES`): the part's solver is
   run again with a wrong assumption (``bias: false``, ``padding: 0``, ``stride: 1``...).
3. **Value transforms**, declared by each answer kind (``Kind.diagnose`` in
   ``autocheck.kinds``): sign flipped, reciprocal, factor 2 or 1/2, powers of ten, log base
   10 for e, batch size, off by one, transposed matrix, permuted shape...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from solvers.core import ParameterError
from solvers.values import Integer, Number, Value

from autocheck.keys import PartKey, SolveFn, Tolerance, carry_overrides, resolve_with
from autocheck.kinds import Hints, kind_for
from autocheck.kinds import get as get_kind
from autocheck.mathparse import Unreadable
from autocheck.outcome import Diagnosis, Read


@dataclass(frozen=True)
class Mistake:
    """A wrong assumption expressed as solver parameter overrides: fixed ``overrides``, or
    ``build(params)`` returning them (``None``/empty when the mistake does not apply)."""

    code: str
    message: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    build: Callable[[Mapping[str, Any]], Mapping[str, Any] | None] | None = None

    def for_params(self, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return self.build(params) if self.build is not None else self.overrides


# --- solver re-solves ----------------------------------------------------------------------

# Param name -> (code, message, wrong value given the right one or None if not applicable).
PARAM_MISTAKES: tuple[tuple[str, str, str, Callable[[Any], Any]], ...] = (
    (
        "bias",
        "bias_missing",
        "you did not count the bias terms",
        lambda v: False if v is True else None,
    ),
    (
        "biases",
        "bias_missing",
        "you did not count the bias terms",
        lambda v: False if v is True else None,
    ),
    (
        "bias",
        "bias_extra",
        "you counted bias terms that this network does not have",
        lambda v: True if v is False else None,
    ),
    (
        "output_bias",
        "output_bias_extra",
        "you counted biases for the output layer, which has none",
        lambda v: True if v is False else None,
    ),
    (
        "output_bias",
        "output_bias_missing",
        "you did not count the output layer's biases",
        lambda v: False if v is True else None,
    ),
    (
        "padding",
        "padding_ignored",
        "you ignored the padding",
        lambda v: 0 if v not in (0, "valid", None) else None,
    ),
    (
        "padding",
        "padding_assumed",
        "you kept the input size as if the input were padded ('same'); this convolution has "
        "no padding ('valid')",
        lambda v: "same" if v in (0, "valid") else None,
    ),
    (
        "stride",
        "stride_ignored",
        "you ignored the stride",
        lambda v: 1 if isinstance(v, int) and v > 1 else None,
    ),
    (
        "drop_last",
        "floor_ceil",
        "you rounded the number of mini-batches the other way (floor vs ceil)",
        lambda v: not v if isinstance(v, bool) else None,
    ),
)

# Solver-specific wrong assumptions, by solver name, for mistakes no generic rule covers.
_LEARNABLE = ("conv", "fc", "dense", "linear", "conv_transpose")


def _layers_without_bias(params: Mapping[str, Any]) -> dict[str, Any] | None:
    layers = params.get("layers") or []
    return {
        f"layers[{i}].bias": False
        for i, layer in enumerate(layers)
        if isinstance(layer, Mapping)
        and layer.get("type") in _LEARNABLE
        and layer.get("bias", True)
    } or None


def _layers_without_padding(params: Mapping[str, Any]) -> dict[str, Any] | None:
    layers = params.get("layers") or []
    return {
        f"layers[{i}].padding": 0
        for i, layer in enumerate(layers)
        if isinstance(layer, Mapping) and layer.get("padding") not in (None, 0, "valid")
    } or None


def _layers_padded(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Every unpadded convolution as if it kept its input size ('same')."""
    layers = params.get("layers") or []
    return {
        f"layers[{i}].padding": "same"
        for i, layer in enumerate(layers)
        if isinstance(layer, Mapping)
        and layer.get("type") in ("conv",)
        and layer.get("padding", 0) in (0, "valid")
    } or None


def _unless_set(name: str, value: Any) -> Callable[[Mapping[str, Any]], Mapping[str, Any] | None]:
    """Override ``name`` only where the key leaves it at its default (else the generic
    :data:`PARAM_MISTAKES` entry already flips it)."""
    return lambda params: None if name in params else {name: value}


# Solver-specific wrong assumptions, by solver name, for defaults a key does not spell out.
SOLVER_MISTAKES: dict[str, tuple[Mistake, ...]] = {
    "fc.params": (
        Mistake(
            "bias_missing", "you did not count the bias terms", build=_unless_set("bias", False)
        ),
        Mistake(
            "output_bias_missing",
            "you did not count the output layer's biases",
            build=_unless_set("output_bias", False),
        ),
    ),
    "cnn.layers": (
        Mistake("bias_missing", "you did not count the bias terms", build=_layers_without_bias),
        Mistake("padding_ignored", "you ignored the padding", build=_layers_without_padding),
        Mistake(
            "padding_assumed",
            "you kept the input size as if the input were padded ('same'); this convolution "
            "has no padding ('valid')",
            build=_layers_padded,
        ),
    ),
    "training.schedule": (
        Mistake(
            "floor_ceil",
            "you dropped the last incomplete mini-batch (floor instead of ceil)",
            build=_unless_set("drop_last", True),
        ),
    ),
}


def _param_paths(params: Any, prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, name, value) for every named param, nested ones included."""
    if isinstance(params, Mapping):
        for k, v in params.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            yield path, str(k), v
            yield from _param_paths(v, path)
    elif isinstance(params, list | tuple):
        for i, v in enumerate(params):
            yield from _param_paths(v, f"{prefix}[{i}]")


def solver_mistakes(part: PartKey) -> list[Mistake]:
    """The wrong assumptions worth re-solving for this part's solver call."""
    if part.solver is None:
        return []
    params = part.solver.params.thaw()
    found: dict[str, Mistake] = {}
    for path, name, value in _param_paths(params):
        for pname, code, message, wrong in PARAM_MISTAKES:
            if name == pname:
                alt = wrong(value)
                if alt is not None:
                    old = found.get(code)
                    overrides = dict(old.overrides) if old else {}
                    overrides[path] = alt
                    found[code] = Mistake(code, message, overrides)
    for mistake in SOLVER_MISTAKES.get(part.solver.name, ()):
        specific = mistake.for_params(params)
        if specific and mistake.code not in found:
            found[mistake.code] = Mistake(mistake.code, mistake.message, dict(specific))
    return [*found.values(), *_layer_mistakes(params), *_transposed_matrices(params)]


def _layer_mistakes(params: Mapping[str, Any]) -> Iterator[Mistake]:
    """One layer's bias forgotten, or counted where the layer has none."""
    layers = params.get("layers") or []
    learnable = [
        (i, layer)
        for i, layer in enumerate(layers)
        if isinstance(layer, Mapping) and layer.get("type") in _LEARNABLE
    ]
    if len(learnable) < 2:
        return  # one layer: the network-wide bias mistakes say it
    for i, layer in learnable:
        kind = str(layer.get("type"))
        if layer.get("bias", True):
            yield Mistake(
                "layer_bias_missing",
                f"you did not count the bias of layer {i + 1} ({kind})",
                {f"layers[{i}].bias": False},
            )
        else:
            yield Mistake(
                "layer_bias_extra",
                f"you counted a bias for layer {i + 1} ({kind}), which has none",
                {f"layers[{i}].bias": True},
            )


def _is_matrix(v: Any) -> bool:
    return (
        isinstance(v, list)
        and len(v) > 0
        and all(isinstance(r, list) and len(r) == len(v[0]) > 0 for r in v)
        and (len(v) > 1 or len(v[0]) > 1)
        and all(isinstance(x, int | float | str) and not isinstance(x, bool) for r in v for x in r)
    )


def _transposed_matrices(params: Mapping[str, Any]) -> Iterator[Mistake]:
    """A weight matrix used transposed: ``W x`` where ``W^T x`` was asked, or the reverse."""
    for path, name, value in _param_paths(params):
        if _is_matrix(value):
            transposed = [list(col) for col in zip(*value, strict=True)]
            yield Mistake(
                "transposed_matrix",
                f"you used the transpose of {name} ({name}^T where {name} was needed, or the "
                "reverse)",
                {path: transposed},
            )


# --- the diagnosis -------------------------------------------------------------------------


@dataclass(frozen=True)
class Upstream:
    """A student's own earlier answers, by part id and target name (as read values)."""

    values: Mapping[str, Mapping[str, Read]] = field(default_factory=dict)

    def get(self, ref: str) -> Read | None:
        pid, _, tname = ref.partition(":")
        return self.values.get(pid, {}).get(tname or "answer")


def as_param(got: Read) -> Any:
    """A read value in the form solver params take."""
    return get_kind(got.kind).as_param(got)


def diagnose(
    part: PartKey,
    target_name: str,
    expected: Value,
    got: Read,
    *,
    tol: Tolerance,
    upstream: Upstream | None = None,
    solve: SolveFn | None = None,
    solver_value: str | None = None,
) -> Diagnosis | None:
    """The first known mistake that reproduces the student's value, or ``None``."""
    flags = dict(part.flags)
    if solver_value is not None and part.solver is not None:
        ecf = _carried_forward(part, solver_value, got, tol, upstream, solve, flags)
        if ecf is not None:
            return ecf
        for mistake in solver_mistakes(part):
            alt = _resolve_value(part, mistake.overrides, solver_value, solve)
            if alt is not None and _matches(alt, got, tol, flags):
                return Diagnosis(mistake.code, mistake.message, 0.0, alt.latex())
    return _value_diagnosis(part, expected, got, tol, flags)


def _resolve_value(
    part: PartKey, overrides: Mapping[str, Any], name: str, solve: SolveFn | None
) -> Value | None:
    try:
        return resolve_with(part, overrides, solve=solve).values.get(name)
    except (ParameterError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
        return None


def _matches(value: Value, got: Read, tol: Tolerance, flags: Mapping[str, Any]) -> bool:
    """Whether a recomputed value equals the student's (a count and a real compare as
    numbers)."""
    try:
        kind = kind_for(value)
        if kind.name != got.kind and not (
            kind.name in ("number", "integer") and got.kind in ("number", "integer")
        ):
            return False
        if isinstance(value, Integer) and got.kind == "number":
            value = Number.of(value.value)
        return kind_for(value).compare(value, got, tol, flags).equal
    except (TypeError, ValueError, AssertionError):
        return False


def _carried_forward(
    part: PartKey,
    solver_value: str,
    got: Read,
    tol: Tolerance,
    upstream: Upstream | None,
    solve: SolveFn | None,
    flags: Mapping[str, Any],
) -> Diagnosis | None:
    if not part.carry or upstream is None:
        return None
    carried: dict[str, Any] = {}
    sources = []
    for param, ref in part.carry.items():
        earlier = upstream.get(ref)
        if earlier is None:
            return None
        carried[param] = as_param(earlier)
        sources.append(ref.partition(":")[0])
    try:
        overrides = carry_overrides(part, carried, solve=solve)
    except (ParameterError, ValueError, TypeError, KeyError, IndexError):
        return None
    alt = _resolve_value(part, overrides, solver_value, solve)
    if alt is None or not _matches(alt, got, tol, flags):
        return None
    credit = float(part.flag("ecf_credit", 1.0))
    return Diagnosis(
        "error_carried_forward",
        f"your answer follows correctly from your own answer to part {', '.join(sorted(set(sources)))}",
        credit,
        alt.latex(),
    )


def _batch_size(part: PartKey) -> float | None:
    if part.solver is None:
        return None
    for _path, name, value in _param_paths(part.solver.params.thaw()):
        if (
            name in ("batch_size", "batch")
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            return float(value)
    return None


def _value_diagnosis(
    part: PartKey, expected: Value, got: Read, tol: Tolerance, flags: Mapping[str, Any]
) -> Diagnosis | None:
    hints = Hints(flags=flags, batch_size=_batch_size(part))
    try:
        return kind_for(expected).diagnose(expected, got, tol, hints)
    except (Unreadable, TypeError, ValueError, ArithmeticError):
        return None  # no diagnosis is better than a wrong one


__all__ = [
    "PARAM_MISTAKES",
    "SOLVER_MISTAKES",
    "Diagnosis",
    "Mistake",
    "Upstream",
    "diagnose",
    "solver_mistakes",
]
