"""``predicate``: any values satisfying the key's conditions (any (alpha, beta) with
beta = -alpha/2, alpha != 0).

Key: the part's ``predicate:`` form (``variables``, ``conditions``, ``example``), not a
literal. Each variable's value is read from an equation naming it (``\\alpha = 2``); a
variable with no value makes the answer unreadable, never wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from solvers.values import Predicate

from autocheck.extract import Candidate, Extraction, extract
from autocheck.keys.model import Tolerance
from autocheck.kinds.base import Hints, Kind, Reading, Target, get, register
from autocheck.kinds.number import read_number
from autocheck.mathparse import Unreadable
from autocheck.outcome import Comparison, Diagnosis, Read


def compare_predicate(expected: Predicate, values: Mapping[str, float]) -> Comparison:
    missing = [v for v in expected.variables if v not in values]
    if missing:
        raise Unreadable(f"no value found for {', '.join(missing)}")
    ok = expected.check(values)
    return Comparison(ok, float(ok), "satisfies" if ok else "violates", expected.description)


@register
class PredicateKind(Kind):
    name = "predicate"
    value_type = Predicate
    literal = False
    numeric = True
    check_working = False
    carries = False

    def extract(self, text: str, expected: Predicate, target: Target) -> Extraction:
        found: list[Candidate] = []
        for var in expected.variables:
            ex = extract(text, kind=get("number"), symbols=(var, "\\" + var), multi=True)
            if ex.chosen is not None:
                found.append(replace(ex.chosen, label=var))
        if not found:
            return Extraction((), None, 0.85, "no value found for " + ", ".join(expected.variables))
        return Extraction(tuple(found), found[0], 0.85)

    def read(
        self, expected: Predicate, found: Candidate, extraction: Extraction, reading: Reading
    ) -> Read:
        values: dict[str, float] = {}
        for cand in extraction.candidates:
            try:
                values[cand.label] = read_number("number", cand.text, reading).value
            except Unreadable as exc:
                raise Unreadable(f"could not read {cand.text!r}: {exc}") from exc
        return Read(self.name, values, found.text)

    def compare(
        self, expected: Predicate, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_predicate(expected, got.value)

    def diagnose(self, expected: Predicate, got: Read, tol: Tolerance, hints: Hints) -> Diagnosis:
        return Diagnosis(
            "condition_violated", f"your values do not satisfy: {expected.description}"
        )
