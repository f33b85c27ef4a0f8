"""``relation``: an inequality or a chain of them (``x \\geq 5``, ``-2 \\le x \\le 7``,
``x \\neq 3``, ``1 \\le |z| \\le \\frac{3}{2}``).

Key: ``answer: {relation: 'x \\geq 5'}``. An answer is right when it describes the same set
of values: the inequality rearranged (``5 \\le x``, ``-x \\le -5``), or the set written as
intervals (``x \\in [5, \\infty)``). A relation in one variable is solved into intervals
(SymPy's ``solveset``, on inputs the size guard has bounded) and compared as intervals; the
variable must be the key's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autocheck.keys.model import LiteralAnswer
from autocheck.kinds.base import KeyReader, Reading, register
from autocheck.kinds.interval import IntervalLike, IntervalSet, relation_set


@dataclass(frozen=True)
class Relation:
    """An inequality in one variable, with the set of values it describes."""

    written: str
    solution: IntervalSet

    def latex(self) -> str:
        return self.written

    def display(self) -> str:
        return self.written

    def fields(self) -> dict[str, Any]:
        return {
            "relation": self.written,
            "variable": self.solution.variable,
            **self.solution.fields(),
        }


@register
class RelationKind(IntervalLike):
    name = "relation"
    value_type = Relation

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.text(node, where)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Relation:
        return Relation(str(spec.value), relation_set(str(spec.value), Reading(log_base)))

    def as_set(self, expected: Any) -> IntervalSet:
        assert isinstance(expected, Relation)
        return expected.solution
