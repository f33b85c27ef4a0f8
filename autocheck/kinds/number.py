"""``number``: a real value, compared with a tolerance or to the digits the student wrote.

Key: ``answer: {number: -\\ln 0.3}`` (LaTeX or a decimal; ``unit:`` is shown only).
Rules (:func:`autocheck.compare.compare_number`): relative tolerance (default 1e-2), the
key's significant figures, or "correct to the digits written" (PrairieLearn). Diagnoses:
sign, reciprocal, factor 2 or 1/2, log base 10 for e (and back), powers of ten, the batch size.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from solvers.values import Number

from autocheck.compare import compare_number
from autocheck.extract import Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, Kind, OcrForm, Reading, register
from autocheck.mathparse import parse_number
from autocheck.normalise import normalise
from autocheck.outcome import Comparison, Diagnosis, Read

_VALUE_RE = re.compile(r"\d|\\frac|\\sqrt|\\ln|\\log|\\pi|\\exp")

Transform = Callable[[float], float]


def looks_numeric(s: str) -> bool:
    """A number or a closed form of one (not a matrix environment)."""
    s = s.strip()
    return bool(s) and "\\begin{" not in s and bool(_VALUE_RE.search(s))


def read_number(kind: str, text: str, reading: Reading) -> Read:
    """Read one real number (``Read.number`` keeps the digits written)."""
    parsed = parse_number(normalise(text, kind=kind, log_base=reading.log_base))
    return Read(kind, parsed.value, text, parsed)


def number_from_key(v: Any, log_base: str, unit: str = "") -> Number:
    """A key's number: an int or float as written, or LaTeX (kept exact where it is)."""
    if isinstance(v, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(v, int | float):
        return Number.of(v, unit)
    parsed = parse_number(normalise(str(v), kind="number", log_base=log_base))
    if parsed.exact is not None:
        return Number.of(parsed.exact, unit)
    return Number(parsed.value, None, unit)


def value_mistakes(batch_size: float | None) -> Iterator[tuple[str, str, Transform]]:
    """The table of wrong computations on a scalar: (code, message for the student, transform
    of the right value)."""
    yield "sign", "your answer has the opposite sign", lambda e: -e
    yield "reciprocal", "your answer is the reciprocal (1/x) of the right value", lambda e: 1 / e
    yield (
        "factor_2",
        "your answer is twice the right value: check for an extra factor of 2",
        lambda e: 2 * e,
    )
    yield (
        "factor_half",
        "your answer is half the right value: a factor of 2 is missing",
        lambda e: e / 2,
    )
    ln10 = math.log(10)
    yield (
        "log_base_10",
        "you used log base 10; in this course log means the natural log (ln)",
        lambda e: e / ln10,
    )
    yield "log_base_e", "you used the natural log where log base 10 was meant", lambda e: e * ln10
    for k in (1, 2, 3, -1, -2, -3):
        yield (
            "power_of_ten",
            f"your answer is off by a factor of 10^{k}: check the decimal point or the units",
            (lambda kk: lambda e: e * 10.0**kk)(k),
        )
    if batch_size and batch_size not in (1, 2):
        b = float(batch_size)
        yield "batch_factor", f"your answer is off by the batch size ({b:g})", lambda e: e * b
        yield "batch_factor", f"your answer is off by the batch size ({b:g})", lambda e: e / b


def scalar_diagnosis(e: float, got: Read, tol: Tolerance, hints: Hints) -> Diagnosis | None:
    """The first scalar mistake whose recomputed value the student's equals."""
    for code, message, f in value_mistakes(hints.batch_size):
        try:
            alt = f(e)
        except ZeroDivisionError:
            continue
        if alt == e:
            continue
        if compare_number(alt, got.number or float(got.value), tol).equal:
            return Diagnosis(code, message, 0.0, f"{alt:.6g}")
    return None


def as_number_param(got: Read) -> int | float:
    v = float(got.value)
    return int(v) if v.is_integer() else v


@register
class NumberKind(Kind):
    name = "number"
    value_type = Number
    key_fields = ("unit",)
    numeric = True

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Number:
        return number_from_key(spec.value, log_base, spec.unit)

    def looks_like(self, s: str) -> bool:
        return looks_numeric(s)

    def standalone(self, text: str) -> list[Candidate]:
        return math_candidates(text, self, bare_numbers=True)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return read_number(self.name, text, reading)

    def compare(
        self, expected: Number, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        assert got.number is not None
        return compare_number(expected.value, got.number, tol)

    def diagnose(
        self, expected: Number, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind not in ("number", "integer"):
            return None
        return scalar_diagnosis(expected.value, got, tol, hints)

    def as_param(self, got: Read) -> Any:
        return as_number_param(got)

    def ocr_form(self, value: Number) -> OcrForm:
        return OcrForm.NUMBER if float(value.value).is_integer() else OcrForm.DECIMAL
