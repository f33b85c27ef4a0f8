"""``percentage``: a share, equal to its fraction unless the key says the form matters.

Key: ``answer: {percentage: 27.5}`` (the number is in percent; ``"27.5%"`` is the same),
``form: percent`` when it must be written in percent, ``form: fraction`` when as a fraction.
``27.5%``, ``27.5 percent``, ``27.5 pct``, ``0.275`` and ``27.5`` (a percentage asked for,
written without its sign) are all right by default; each is compared to the digits written.
Diagnoses: the fraction written with a percent sign (``0.275%``), and the scalar mistakes of
a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from autocheck.compare import compare_number
from autocheck.extract import Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, register
from autocheck.kinds.number import (
    compare_readings,
    looks_numeric,
    number_from_key,
    read_number,
    scalar_diagnosis,
)
from autocheck.mathparse import ParsedNumber
from autocheck.outcome import Comparison, Diagnosis, Read

FORMS = ("any", "percent", "fraction")


@dataclass(frozen=True)
class Percentage:
    """``percent`` (27.5 for 27.5 %); ``form``: how it must be written (``any``)."""

    percent: float
    form: str = "any"

    @property
    def fraction(self) -> float:
        return self.percent / 100

    def latex(self) -> str:
        return f"{self.percent:.6g}\\%"

    def display(self) -> str:
        return f"{self.percent:.6g}%"

    def fields(self) -> dict[str, Any]:
        return {"percent": self.percent, "fraction": self.fraction, "form": self.form}


def compare_percentage(expected: Percentage, got: ParsedNumber, tol: Tolerance) -> Comparison:
    """A number written with ``%`` is in percent; without it, in percent or as the fraction
    (unless the key's form says which)."""
    as_written = replace(got, percent=False)
    if got.percent:
        cmp = compare_number(expected.percent, as_written, tol)
        if not cmp.equal or expected.form != "fraction":
            return cmp
        return Comparison(False, 0.0, "form", "the question asks for a fraction, not a percentage")
    in_percent = compare_number(expected.percent, as_written, tol)
    as_fraction = compare_number(expected.fraction, as_written, tol)
    if in_percent.equal and expected.form != "fraction":
        return in_percent
    if as_fraction.equal and expected.form != "percent":
        return as_fraction
    if in_percent.equal or as_fraction.equal:
        wanted = "a percentage" if expected.form == "percent" else "a fraction"
        return Comparison(
            False, 0.0, "form", f"the right value, but the question asks for {wanted}"
        )
    return Comparison(False, 0.0, "not_equal", f"{got.value:.6g} differs from {expected.display()}")


@register
class PercentageKind(Kind):
    name = "percentage"
    value_type = Percentage
    key_fields = ("form",)
    numeric = True

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.scalar(node, where, (int, float, str))

    def key_extra(self, r: KeyReader, name: str, node: Any, where: str) -> Any:
        form = r.text(node, where)
        if form is not None and form not in FORMS:
            r.error(node, where, f"form is one of {', '.join(FORMS)}")
        return form

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Percentage:
        text = str(spec.value).strip().replace("\\%", "%").rstrip("%").strip()
        value = spec.value if isinstance(spec.value, int | float) else text
        return Percentage(number_from_key(value, log_base).value, spec.extras.get("form", "any"))

    def looks_like(self, s: str) -> bool:
        return looks_numeric(s)

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=True)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return read_number(self.name, text, reading)

    def compare(
        self, expected: Percentage, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_readings(got, lambda n: compare_percentage(expected, n, tol))

    def diagnose(
        self, expected: Percentage, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.number is None:
            return None
        if (
            got.number.percent
            and compare_number(expected.fraction, replace(got.number, percent=False), tol).equal
        ):
            return Diagnosis(
                "fraction_as_percent",
                f"you wrote the fraction with a % sign: {expected.fraction:.6g} is "
                f"{expected.percent:.6g}%",
            )
        target = expected.percent if got.number.percent else expected.fraction
        return scalar_diagnosis(
            target, replace(got, number=replace(got.number, percent=False)), tol, hints
        )

    def as_param(self, got: Read) -> Any:
        n = got.number
        assert n is not None
        return n.value / 100 if n.percent else n.value
