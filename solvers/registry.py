"""The solver registry: look solvers up by name and run them on answer-key parameters.

Usage from an answer key::

    from solvers.registry import solve
    solution = solve("training.schedule", {"dataset_size": 20000, "batch_size": 100,
                                           "steps": 4000})
    solution.values["epochs"]  # Integer(20)

A solver is a function taking one frozen parameter dataclass and returning a
:class:`~solvers.core.Solution`; :func:`solver` registers it under a dotted name. Parameters
are validated by :func:`solvers.schema.build`, so a bad or incomplete key raises
:class:`~solvers.core.ParameterError` naming the field (``layers[2].stride``).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from solvers.core import ParameterError, Solution
from solvers.schema import build, describe_fields

P = TypeVar("P")

# Modules whose import registers solvers; loaded on first use so importing the registry
# stays cheap and free of import cycles.
SOLVER_MODULES = (
    "solvers.training",
    "solvers.fc",
    "solvers.cnn",
    "solvers.losses",
    "solvers.optim",
    "solvers.convolution",
    "solvers.conditions",
    "solvers.graph.solver",
)


class UnknownSolverError(ParameterError, LookupError):
    """No solver is registered under the requested name (``field`` is ``"solver"``)."""


@dataclass(frozen=True)
class SolverInfo:
    """A registered solver: its name, parameter dataclass, function and a YAML example."""

    name: str
    params: type
    func: Callable[[Any], Solution]
    summary: str
    example: Mapping[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, SolverInfo] = {}
_loaded = False


def solver(
    name: str, params: type[P], *, example: Mapping[str, Any] | None = None
) -> Callable[[Callable[[P], Solution]], Callable[[P], Solution]]:
    """Register ``func(params) -> Solution`` under ``name`` with the schema ``params``.

    ``example`` is a valid parameter mapping, shown by :func:`describe` and exercised by the
    test-suite, so every solver documents itself with something that runs.
    """

    def register(func: Callable[[P], Solution]) -> Callable[[P], Solution]:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"solver {name!r} registered twice")
        doc = inspect.getdoc(func) or ""
        _REGISTRY[name] = SolverInfo(name, params, func, doc, dict(example or {}))
        return func

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in SOLVER_MODULES:
            importlib.import_module(module)
        _loaded = True


def get(name: str) -> SolverInfo:
    """The registration record of ``name``; :class:`UnknownSolverError` if there is none."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownSolverError(
            "solver", f"unknown solver {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None


def names() -> list[str]:
    """All registered solver names, sorted."""
    _load()
    return sorted(_REGISTRY)


def solve(name: str, params: Mapping[str, Any]) -> Solution:
    """Validate ``params`` against the solver's schema and run it.

    Raises :class:`~solvers.core.ParameterError` (with the dotted field path) when the
    parameters are wrong, incomplete or inconsistent.
    """
    info = get(name)
    parsed: Any = build(info.params, params)
    try:
        return info.func(parsed)
    except ParameterError:
        raise
    except (ArithmeticError, TypeError, ValueError) as exc:
        # A value that cannot be computed (log 0, 0/0, an infinite float) is a property of the
        # key's parameters; callers handle ParameterError, so do not let it escape as a crash.
        raise ParameterError("params", f"cannot be computed with these parameters: {exc}") from exc


def describe(name: str) -> str:
    """The solver's documentation and parameter schema as plain text."""
    info = get(name)
    lines = [name, "=" * len(name), "", info.summary, "", "Parameters:"]
    lines.extend(describe_fields(info.params))
    if info.example:
        from solvers.serialize import to_yaml

        lines += ["", "Example parameters (YAML):", ""]
        lines += ["  " + ln for ln in to_yaml(dict(info.example)).splitlines()]
    return "\n".join(lines)
