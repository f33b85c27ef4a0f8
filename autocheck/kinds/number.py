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

import sympy
from solvers.values import Number

from autocheck.compare import compare_number
from autocheck.extract import Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, Kind, OcrForm, Reading, register
from autocheck.mathparse import ParsedNumber, Unreadable, parse_number, to_float
from autocheck.normalise import decimal_readings, normalise
from autocheck.outcome import Comparison, Diagnosis, Read
from autocheck.units import parse_unit, split_quantity

_VALUE_RE = re.compile(r"\d|\\frac|\\sqrt|\\ln|\\log|\\pi|\\exp")

Transform = Callable[[float], float]


def looks_numeric(s: str) -> bool:
    """A number or a closed form of one (not a matrix environment)."""
    s = s.strip()
    return bool(s) and "\\begin{" not in s and bool(_VALUE_RE.search(s))


def read_number(kind: str, text: str, reading: Reading) -> Read:
    """Read one real number (``Read.number`` keeps the digits written); a number that reads
    two ways (``1,204`` where the course's decimal sign is unknown) keeps both."""
    norm = normalise(text, kind=kind, log_base=reading.log_base)
    first, *others = decimal_readings(norm, reading.decimal_comma)
    number = _without_unit(text) if _ENDS_IN_LETTERS_RE.search(first) else None
    if number is not None and _PLAIN_RE.match(number):
        return read_number(kind, number, reading)  # no LaTeX parse of "1000.99m²" needed
    try:
        parsed = parse_number(first)
    except Unreadable:
        number = _without_unit(text)
        if number is None:
            raise
        return read_number(kind, number, reading)
    alternatives = []
    for other in others:
        try:
            alternatives.append(parse_number(other))
        except Unreadable:
            continue
    return Read(kind, parsed.value, text, parsed, tuple(alternatives))


_ENDS_IN_LETTERS_RE = re.compile(r"[A-Za-z°²³]\s*$")
_PLAIN_RE = re.compile(r"^\s*[-+−]?[\d.,\s]+$")


def _without_unit(text: str) -> str | None:
    """The number of ``1,000.99m²``, ``15 cm``: a unit after a number is not its value
    (whether the unit matters is the ``quantity`` kind's business)."""
    try:
        number, unit = split_quantity(text)
        if unit:
            parse_unit(unit)
            return number
    except Unreadable:
        return None
    return None


def compare_readings(got: Read, judge: Callable[[ParsedNumber], Comparison]) -> Comparison:
    """Judge each way the number reads; when they disagree, a person decides."""
    assert got.number is not None
    first = judge(got.number)
    for alt in got.alternatives:
        other = judge(alt)
        if other.equal != first.equal:
            return Comparison(
                False,
                0.0,
                "ambiguous",
                f"{got.text.strip()} reads as {_plain(got.number.value)} or as "
                f"{_plain(alt.value)}: the course's decimal sign decides",
                unsure=True,
            )
    return first


def _plain(x: float) -> str:
    return f"{x:.12g}"


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


def exact_form_mistakes(exact: sympy.Expr) -> Iterator[tuple[str, str, sympy.Expr]]:
    """Wrong computations read off the exact form: ``e^x`` computed as ``10^x``, each
    ``ln`` computed as ``log_{10}``."""
    if exact.has(sympy.exp) or exact.has(sympy.E):
        ten = exact.replace(sympy.exp, lambda *a: sympy.Integer(10) ** a[0]).subs(sympy.E, 10)
        yield "exp_base_10", "you computed 10^x where e^x (exp) was meant", ten
    if exact.has(sympy.log):
        tens = exact.replace(
            sympy.log, lambda *a: sympy.log(a[0], 10) if len(a) == 1 else sympy.log(*a)
        )
        yield (
            "log_base_10",
            "you used log base 10; in this course log means the natural log (ln)",
            tens,
        )


def exact_diagnosis(exact: sympy.Expr | None, got: Read, tol: Tolerance) -> Diagnosis | None:
    """The first exact-form mistake whose value the student's equals."""
    if exact is None or got.number is None or exact.free_symbols:
        return None
    for code, message, wrong in exact_form_mistakes(exact):
        try:
            alt = to_float(wrong)
        except Unreadable:
            continue
        if compare_number(alt, got.number, tol).equal:
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
        return compare_readings(got, lambda n: compare_number(expected.value, n, tol))

    def diagnose(
        self, expected: Number, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind not in ("number", "integer"):
            return None
        return scalar_diagnosis(expected.value, got, tol, hints) or exact_diagnosis(
            expected.exact, got, tol
        )

    def as_param(self, got: Read) -> Any:
        return as_number_param(got)

    def ocr_form(self, value: Number) -> OcrForm:
        return OcrForm.NUMBER if float(value.value).is_integer() else OcrForm.DECIMAL
