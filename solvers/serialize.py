"""Plain JSON-ready dictionaries of solutions (for the CLI and for storing a key's answers)."""

from __future__ import annotations

from typing import Any

import yaml

from solvers.core import Solution
from solvers.values import AnyValue


def value_to_dict(value: AnyValue) -> dict[str, Any]:
    """``{"type": ..., "display": ..., "latex": ..., ...}`` with the value's own fields."""
    return {
        "type": type(value).__name__,
        "latex": value.latex(),
        "display": value.display(),
        **value.fields(),
    }


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
