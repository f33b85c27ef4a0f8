"""``integer``: a count (parameters, epochs, iterations), compared exactly.

Key: ``answer: {integer: 1949}``. A count written in full is compared exactly (``67100000``
is not 67,108,864), and a value that is not whole is "not an integer". A count written
rounded, in scientific notation or in a larger unit (``6.7 \times 10^{7}``, ``6.3 MB``,
``32 MiB``, ``98.5K``), is right when it equals the count to the digits written (at least
two); close to it but not to those digits, a person decides (rounded down, MB for MiB). A
count in bytes may be written in any byte unit (``kB``, ``MB``, ``MiB``...); an unknown unit
after a value that is not whole goes to a person. Diagnoses: off by one (floor vs ceil, a
+1), then the scalar mistakes of a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from solvers.values import Integer

from autocheck.compare import MIN_SIG_FIGS, sig_figs
from autocheck.extract import Candidate, Extraction, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, OcrForm, Reading, Target, register
from autocheck.kinds.number import (
    compare_readings,
    looks_numeric,
    read_number,
    scalar_diagnosis,
)
from autocheck.mathparse import ParsedNumber, Unreadable
from autocheck.normalise import symbol_key
from autocheck.outcome import Comparison, Diagnosis, Read
from autocheck.units import parse_unit, split_quantity

_OFF_BY_ONE = "your answer is off by one: check what is counted at the start and at the end"


#: A rounded count this close to the right one, but not to the digits written, goes to a
#: person (rounded down, or MB for MiB).
NEAR = 0.05

_MAGNITUDES = {
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "M": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "G": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}


def compare_integer(expected: int, got: ParsedNumber) -> Comparison:
    """Exactly equal, or not; a value that is not whole says so. A count written rounded
    (its last digit above the units: ``6.7e7``) is judged to the digits written."""
    diff = abs(got.value - expected)
    place = got.last_place
    if place is not None and place > 0:
        to_digits = diff <= 0.5 * 10.0**place * (1 + 1e-9)
        if to_digits and sig_figs(got.text) >= MIN_SIG_FIGS:
            return Comparison(True, 1.0, "rounded", "correct to the digits written")
        if to_digits or diff <= NEAR * abs(expected):  # one digit only, or close
            return Comparison(
                False,
                0.0,
                "near",
                f"{got.value:.6g} is close to {expected:,} but not to the digits written",
                unsure=True,
            )
    if abs(got.value - round(got.value)) > 1e-9:
        return Comparison(False, 0.0, "not_integer", f"{got.value:g} is not a whole number")
    ok = round(got.value) == expected
    return Comparison(ok, float(ok), "exact" if ok else "not_equal")


def _scale(text: str) -> tuple[str, float] | None:
    """``(number, scale)`` of a count written with a magnitude (``98.5K``, ``67 million``)
    or in a byte unit (``6.3 MB``: 10^6 bytes, ``32 MiB``: 2^20), else None."""
    try:
        number, unit = split_quantity(text)
    except Unreadable:
        return None
    words = unit.split()
    if not words:
        return None
    if words[0] in _MAGNITUDES:
        return number, _MAGNITUDES[words[0]]
    try:
        parsed = parse_unit(unit)
    except Unreadable:
        return None
    per_byte = parsed.factor / 8
    if parsed.dims != (("bit", 1),) or per_byte < 1:
        return None
    if not (math.log10(per_byte).is_integer() or math.log2(per_byte).is_integer()):
        return None
    return number, per_byte


def _scaled(n: ParsedNumber, scale: float) -> ParsedNumber:
    """``n`` times ``scale``: its last digit moves up with it (``6.3 MB``: 100 kB)."""
    place = None if n.last_place is None else n.last_place + round(math.log10(scale))
    exact = None if n.exact is None or scale != round(scale) else n.exact * int(scale)
    return replace(n, value=n.value * scale, exact=exact, last_place=place)


_UNIT_AFTER_RE = re.compile(r"(?:[ \t]|\\[,;: ]|~)*(?:\\text\s*\{\s*)?([A-Za-z]{1,9})\}?")


def _with_unit(text: str, found: Candidate) -> Candidate:
    """``found`` grown over the unit or magnitude written right after it, if any: a byte
    unit or a magnitude scales the count, another unit sends a value that is not whole to a
    person."""
    m = _UNIT_AFTER_RE.match(text, found.end)
    if m is None or not (_scale(found.text + " " + m.group(1)) or _known_unit(m.group(1))):
        return found
    return replace(found, text=text[found.start : m.end()], end=m.end())


def _known_unit(word: str) -> bool:
    """A unit of the table (``Mbit``, ``s``), not any word (``params``)."""
    try:
        return not any(d.startswith("word:") for d, _ in parse_unit(word).dims)
    except Unreadable:
        return False


# a count of zero said in words ("none", "no params, it only pools"): where a value goes, or
# opening its line
_ZERO = (
    r"((?:zero|none|nil|no[ \t]+(?:learnable[ \t]+|trainable[ \t]+)?"
    r"(?:parameters?|params|weights?|biases?))\b)(?![ \t]*[-=+*/^\w])"
)
_ZERO_WORDS_RE = re.compile(_ZERO, re.I)
# a small count written as a word, alone on its line or with its unit ("five", "Twelve.",
# "five windows")
_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_WORD_RE = re.compile(r"^[ \t]*([A-Za-z]+)(?:[ \t]+[A-Za-z]+)?[ \t]*[.!]?[ \t]*$", re.M)


def _word_count(text: str) -> tuple[int, int, int] | None:
    """``(value, start, end)`` of a count written as a word alone on its line."""
    for m in _WORD_RE.finditer(text):
        value = _NUMBER_WORDS.get(m.group(1).lower())
        if value is not None:
            return value, m.start(1), m.end(1)
    return None


_ZERO_RE = re.compile(r"^[ \t]*" + _ZERO, re.I | re.M)


def _zero_named(text: str, symbols: Sequence[str]) -> Candidate | None:
    """``params = none``: a count of zero in words under one of the target's names."""
    keys = {symbol_key(s) for s in symbols} - {""}
    for m in re.finditer(r"(?m)^[ \t]*([^=:\n]+?)[ \t]*[=:][ \t]*", text):
        zero = _ZERO_WORDS_RE.match(text, m.end())
        if zero is not None and symbol_key(m.group(1)) in keys:
            return Candidate(zero.group(1), zero.start(1), zero.end(1), "target-equation")
    return None


def says_zero(text: str) -> bool:
    """A line of ``text`` opens with a count of zero said in words: ``none``, ``zero``,
    ``no parameters`` (an explanation may follow after a comma or a stop), or is a small
    count written as a word (``five``)."""
    return _ZERO_RE.search(text) is not None or _word_count(text) is not None


def _has_unit(text: str) -> bool:
    try:
        return bool(split_quantity(text)[1].strip())
    except Unreadable:
        return False


@register
class IntegerKind(Kind):
    name = "integer"
    value_type = Integer
    numeric = True

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.scalar(node, where, int)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Integer:
        return Integer(int(spec.value))

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        """The candidates of every number, each taking the byte unit or the magnitude
        written after it (``32 MiB``, ``98.5K params``): a count may be given in those."""
        ex = super().extract(text, expected, target)
        if ex.chosen is None and target.symbols:
            named = _zero_named(text, target.symbols)  # "params = none" in a row of values
            if named is not None:
                return replace(ex, candidates=(*ex.candidates, named), chosen=named, confidence=0.9)
        grown = [_with_unit(text, c) for c in ex.candidates]
        chosen = next(
            (g for c, g in zip(ex.candidates, grown, strict=True) if c is ex.chosen), ex.chosen
        )
        return replace(ex, candidates=tuple(grown), chosen=chosen)

    def looks_like(self, s: str) -> bool:
        return looks_numeric(s) or says_zero(s)

    def standalone(self, text: str) -> list[Candidate]:
        zeros = [
            Candidate(m.group(1), m.start(1), m.end(1), "number") for m in _ZERO_RE.finditer(text)
        ]
        word = _word_count(text)
        if word is not None:
            zeros.append(Candidate(text[word[1] : word[2]], word[1], word[2], "number"))
        return zeros + math_candidates(text, self, bare_numbers=True)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        word = _word_count(text)
        if word is not None and not text[: word[1]].strip() and "\n" not in text[word[2] :]:
            return replace(read_number(self.name, str(word[0]), reading), text=text)
        if says_zero(text):
            return replace(read_number(self.name, "0", reading), text=text)
        scaled = _scale(text)
        if scaled is not None and scaled[1] != 1:
            got = self.read_text(expected, scaled[0], reading)
            assert got.number is not None
            number = _scaled(got.number, scaled[1])
            alternatives = tuple(_scaled(n, scaled[1]) for n in got.alternatives)
            return Read(self.name, number.value, text, number, alternatives)
        got = replace(read_number(self.name, text, reading), text=text)  # with its unit
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
        cmp = compare_readings(got, lambda n: compare_integer(expected.value, n))
        if cmp.code == "not_integer" and _has_unit(got.text):
            # "6.3 Mbit", "2.5 pages": a unit the count cannot be converted from
            return replace(cmp, unsure=True, detail=f"{cmp.detail}, in a unit: a person reads it")
        return cmp

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
