"""What every solver returns: named values and the worked steps a student should write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from solvers.values import Value


@dataclass(frozen=True)
class Step:
    """One line of a worked solution, as plain text and as LaTeX."""

    text: str
    latex: str = ""


@dataclass(frozen=True)
class Solution:
    """A solver's result: ``values`` maps each answer name (``"z1"``, ``"dL/dw"``,
    ``"params"``) to a typed value; ``steps`` is the worked solution in order."""

    values: Mapping[str, Value]
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = field(default=())


class ParameterError(ValueError):
    """A solver was called with a bad or incomplete parameter set.

    ``field`` is the dotted path of the offending parameter (``"layers[2].stride"``) so an
    answer-key author sees exactly which line to fix.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
