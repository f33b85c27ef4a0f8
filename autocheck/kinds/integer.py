"""``integer``: a count (parameters, epochs, iterations), compared exactly.

Key: ``answer: {integer: 1949}``. A value that is not whole is "not an integer", never
rounded. Diagnoses: off by one (floor vs ceil, a +1), then the scalar mistakes of a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from solvers.values import Integer

from autocheck.extract import Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, OcrForm, Reading, register
from autocheck.kinds.number import (
    compare_readings,
    looks_numeric,
    read_number,
    scalar_diagnosis,
)
from autocheck.mathparse import ParsedNumber
from autocheck.outcome import Comparison, Diagnosis, Read

_OFF_BY_ONE = "your answer is off by one: check what is counted at the start and at the end"


def compare_integer(expected: int, got: ParsedNumber) -> Comparison:
    """Exactly equal, or not; a value that is not whole says so."""
    if abs(got.value - round(got.value)) > 1e-9:
        return Comparison(False, 0.0, "not_integer", f"{got.value:g} is not a whole number")
    ok = round(got.value) == expected
    return Comparison(ok, float(ok), "exact" if ok else "not_equal")


@register
class IntegerKind(Kind):
    name = "integer"
    value_type = Integer
    numeric = True

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.scalar(node, where, int)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Integer:
        return Integer(int(spec.value))

    def looks_like(self, s: str) -> bool:
        return looks_numeric(s)

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=True)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        got = read_number(self.name, text, reading)
        # A count is whole: "1,949" is 1949 whatever the course's decimal sign.
        readings = [n for n in (got.number, *got.alternatives) if n is not None]
        whole = [n for n in readings if float(n.value).is_integer()]
        if whole and len(whole) < len(readings):
            return replace(
                got, value=whole[0].value, number=whole[0], alternatives=tuple(whole[1:])
            )
        return got

    def compare(
        self, expected: Integer, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_readings(got, lambda n: compare_integer(expected.value, n))

    def diagnose(
        self, expected: Integer, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind not in ("integer", "number"):
            return None
        for off in (1, -1):
            if abs(got.value - (expected.value + off)) < 1e-9:
                return Diagnosis("off_by_one", _OFF_BY_ONE)
        return scalar_diagnosis(float(expected.value), got, tol, hints)

    def as_param(self, got: Read) -> Any:
        return round(got.value)

    def ocr_form(self, value: Integer) -> OcrForm:
        return OcrForm.INTEGER
