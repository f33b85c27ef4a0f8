"""``quantity``: a number with a unit, compared by dimension (``15 cm^2`` is ``0.0015 m^2``).

Key: ``answer: {quantity: '15 cm^2'}`` (or ``quantity: 15`` with ``unit: cm^2``);
``unit_required: true`` when an answer without its unit is wrong (by default a bare number is
read in the key's unit: the key decides whether the unit is part of the answer).

Units are written as people write them: ``cm^2``, ``cm²``, ``\\text{ cm}^2``, ``m/s^2``,
``\\,\\text{m/s}^2``, ``km/h``, ``kg \\cdot m/s^2``, ``^\\circ``, ``°``, ``\\mu m``, SI
prefixes on the SI units, bytes and bits (``MB``, ``Gbit``). A unit word this table does not
know (``yuan``) is its own dimension: it matches only itself. The value is compared in the
student's unit, so "correct to the digits written" applies to what they wrote. Diagnoses: the
unit missing, the wrong dimension (a length for an area), the right number in the wrong unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from autocheck.compare import compare_number
from autocheck.extract import Candidate, Extraction, extract, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, Target, register
from autocheck.kinds.number import looks_numeric, read_number
from autocheck.mathparse import ParsedNumber, Unreadable
from autocheck.outcome import Comparison, Diagnosis, Read
from autocheck.units import UNIT_AFTER_RE, Unit, parse_unit, split_quantity


@dataclass(frozen=True)
class Quantity:
    """``value`` in ``unit``; ``unit_required``: a bare number is not accepted."""

    value: float
    unit: Unit
    unit_required: bool = False
    written: str = ""

    @property
    def si(self) -> float:
        return self.value * self.unit.factor

    def latex(self) -> str:
        return self.written or f"{self.value:.6g}\\,\\text{{{self.unit.written}}}"

    def display(self) -> str:
        return f"{self.value:.6g} {self.unit.written}"

    def fields(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit.written, "unit_required": self.unit_required}


def read_quantity(text: str, reading: Reading) -> tuple[ParsedNumber, Unit | None]:
    number, unit = split_quantity(text)
    got = read_number("number", number, reading)
    assert got.number is not None
    return got.number, parse_unit(unit) if unit else None


@register
class QuantityKind(Kind):
    name = "quantity"
    value_type = Quantity
    key_fields = ("unit", "unit_required")
    numeric = True

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.scalar(node, where, (int, float, str))

    def key_extra(self, r: KeyReader, name: str, node: Any, where: str) -> Any:
        return r.scalar(node, where, bool)

    def check_key(self, r: KeyReader, spec: LiteralAnswer, node: Any, where: str) -> None:
        if spec.value is None:
            return
        try:
            _, unit = read_quantity(f"{spec.value} {spec.unit}", Reading())
        except Unreadable as exc:
            r.error(node, where, f"cannot read the quantity: {exc}")
            return
        if unit is None:
            r.error(node, where, "a quantity needs a unit (in the value or in unit:)")

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Quantity:
        written = f"{spec.value} {spec.unit}".strip()
        number, unit = read_quantity(written, Reading(log_base))
        if unit is None:
            raise ValueError("a quantity needs a unit")
        required = bool(spec.extras.get("unit_required", False))
        return Quantity(number.value, unit, required, written)

    def looks_like(self, s: str) -> bool:
        return looks_numeric(s)

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=True)

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        """The shared extractor, with the unit written after the chosen number added to it
        ("15 miles": the prose trimming stops at words, units included)."""
        ex = extract(text, kind=self, symbols=target.symbols, multi=target.multi)
        chosen = ex.chosen
        if chosen is None:
            return ex
        m = UNIT_AFTER_RE.match(text, chosen.end)
        if m is None or not m.group(1):
            return ex
        try:
            parse_unit(m.group(1))
        except Unreadable:
            return ex
        end = chosen.end + len(m.group(0).rstrip(" .,;"))
        longer = replace(chosen, text=text[chosen.start : end], end=end)
        return Extraction((*ex.candidates, longer), longer, ex.confidence, ex.note)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        number, unit = read_quantity(text, reading)
        return Read(self.name, unit, text, number)

    def compare(
        self, expected: Quantity, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        number, unit = got.number, got.value
        assert number is not None
        if unit is None:
            if expected.unit_required:
                return Comparison(False, 0.0, "unit_missing", "the unit is missing")
            return compare_number(expected.value, number, tol)
        if not unit.same_dimension(expected.unit):
            return Comparison(
                False, 0.0, "dimension", f"{unit.written} is not a unit of {expected.unit.written}"
            )
        # Compared in the student's unit, so that the digits they wrote count.
        return compare_number(expected.si / unit.factor, number, tol)

    def diagnose(
        self, expected: Quantity, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        number, unit = got.number, got.value
        if number is None:
            return None
        if unit is None and expected.unit_required:
            if compare_number(expected.value, number, tol).equal:
                return Diagnosis(
                    "unit_missing",
                    f"the number is right, but give the unit ({expected.unit.written})",
                )
            return None
        if unit is not None and not unit.same_dimension(expected.unit):
            return Diagnosis(
                "wrong_dimension",
                f"{unit.written} does not measure the same thing as {expected.unit.written}",
            )
        if unit is not None and compare_number(expected.value, number, tol).equal:
            return Diagnosis(
                "unit_conversion",
                f"the number is right in {expected.unit.written}, but you wrote {unit.written}: "
                "convert it",
            )
        return None
