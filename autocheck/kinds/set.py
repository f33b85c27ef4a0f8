"""``set``: several values in any order (the roots of an equation, the integers with a
property), and ``plus_minus``: the pair ``a \\pm b``.

Key: ``answer: {set: [1, -2]}`` (elements are numbers or LaTeX; ``multiplicity: true`` makes
it a multiset, where a repeated value must be repeated), ``answer: {plus_minus: '1 \\pm
\\sqrt{19}'}``.

A student may write the elements in braces (``\\{1, -2\\}``), as a bare list (``1, -2``,
``-2 and 1``, ``21, 16 or 11``), in several boxes (``\\boxed{1}, \\boxed{2}``), as equations
(``x = 1, x = -2``; ``n = 1, 2, 3``) or with ``\\pm`` (``1 \\pm \\sqrt{5}, -2``). Each element
is compared as a number (tolerance and the digits written); the score is the share of right
elements, counting extra ones against it. Diagnoses: values missing, values that are not
solutions, every value with the opposite sign, only one sign of a ``\\pm``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from solvers.values import Number

from autocheck.compare import compare_number
from autocheck.extract import (
    Candidate,
    Extraction,
    balanced_group,
    extract,
    join_math_spans,
    label_tail,
    math_candidates,
)
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, Target, register
from autocheck.kinds.number import number_from_key, read_number
from autocheck.mathparse import ParsedNumber, Unreadable
from autocheck.normalise import unbox
from autocheck.outcome import Comparison, Diagnosis, Read

MAX_ELEMENTS = 50


@dataclass(frozen=True)
class NumberSet:
    """Numbers in any order; ``multiplicity``: a repeated value must be repeated."""

    elements: tuple[Number, ...]
    multiplicity: bool = False
    written: str = ""

    def values(self) -> list[float]:
        vals = [e.value for e in self.elements]
        return vals if self.multiplicity else _distinct(vals)

    def latex(self) -> str:
        if self.written:
            return self.written
        return r"\{" + ", ".join(e.latex() for e in self.elements) + r"\}"

    def display(self) -> str:
        return "{" + ", ".join(e.display() for e in self.elements) + "}"

    def fields(self) -> dict[str, Any]:
        return {
            "elements": [e.fields() for e in self.elements],
            "multiplicity": self.multiplicity,
        }


def _distinct(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    for v in values:
        if not any(abs(v - w) <= 1e-12 * max(1.0, abs(w)) for w in out):
            out.append(v)
    return out


# --------------------------------------------------------------------------- reading

_PM_RE = re.compile(r"\\pm|\\mp|±|∓")
_SEPARATORS_RE = re.compile(
    r"\\text\s*\{\s*(?:and|or|,)\s*\}|\\q?quad\b|(?<![\w\\])(?:and|or)(?![\w])|[,;]"
)
_OUTER_RE = re.compile(
    r"^\s*(?:\\left\s*)?(\\\{|\{|\()(.*?)(?:\\right\s*)?(\\\}|\}|\))\s*\.?\s*$", re.S
)
_IN_RE = re.compile(r"^[^=]*?(?:\\in|∈)\s*")


def split_elements(text: str) -> list[str]:
    """The elements of a written set: boxes opened, outer braces and ``x \\in`` dropped,
    split at commas, semicolons, "and"/"or" and ``\\quad`` outside brackets; an element
    written as an equation keeps its last side (``x = 1`` is 1)."""
    s = unbox(text).replace("$", " ")
    s = re.sub(r"\\[()\[\]]", " ", s)
    s = _IN_RE.sub("", s.strip())
    outer = _OUTER_RE.match(s)
    if outer and _balanced(outer.group(2)):
        s = outer.group(2)
    pieces = _split_top(s)
    out = []
    for piece in pieces:
        if "=" in piece:
            piece = piece.rsplit("=", 1)[1]
        piece = piece.strip(" .:")
        if piece:
            out.append(piece)
    if len(out) > MAX_ELEMENTS:
        raise Unreadable(f"more than {MAX_ELEMENTS} elements")
    return out


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_top(s: str) -> list[str]:
    """Split at separators outside brackets."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(s):
        ch = s[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0:
            m = _SEPARATORS_RE.match(s, i)
            if m and m.end() > i:
                out.append(s[start:i])
                start = i = m.end()
                continue
        i += 1
    out.append(s[start:])
    return [p.strip() for p in out if p.strip()]


def expand_pm(element: str) -> list[str]:
    """``a \\pm b`` as ``a + b`` and ``a - b`` (``\\pm b`` as ``b`` and ``-b``); the sign
    is applied to the term after it, inside fractions too (``\\frac{-1 \\pm \\sqrt{13}}{4}``)."""
    m = _PM_RE.search(element)
    if m is None:
        return [element]
    plus = element[: m.start()] + "+" + element[m.end() :]
    minus = element[: m.start()] + "-" + element[m.end() :]
    if not element[: m.start()].strip():
        plus = element[m.end() :]
    return [*expand_pm(plus), *expand_pm(minus)]


def read_elements(text: str, reading: Reading, kind: str = "number") -> list[ParsedNumber]:
    """Every element of a written set as a number (``Unreadable`` if one is not)."""
    numbers = []
    for element in split_elements(text):
        for one in expand_pm(element):
            got = read_number(kind, one, reading)
            assert got.number is not None
            numbers.append(got.number)
    if not numbers:
        raise Unreadable("no element")
    return numbers


# --------------------------------------------------------------------------- comparing


def match_elements(
    expected: Sequence[float], got: Sequence[ParsedNumber], tol: Tolerance
) -> tuple[list[int], list[int]]:
    """Pair each expected value with an equal written one; (unmatched expected indices,
    unmatched written indices)."""
    free = list(range(len(got)))
    missing = []
    for i, e in enumerate(expected):
        hit = next((j for j in free if compare_number(e, got[j], tol).equal), None)
        if hit is None:
            missing.append(i)
        else:
            free.remove(hit)
    return missing, free


def compare_sets(
    expected: Sequence[float], got: Sequence[ParsedNumber], tol: Tolerance, multiplicity: bool
) -> Comparison:
    """Equal when every value is matched and nothing is left over; the score is the share
    of matched values among the larger of the two."""
    if not multiplicity:
        got = _distinct_numbers(got)
    missing, extra = match_elements(expected, got, tol)
    right = len(expected) - len(missing)
    score = right / max(len(expected), len(got), 1)
    if not missing and not extra:
        return Comparison(True, 1.0, "same_elements")
    detail = []
    if missing:
        detail.append(f"{len(missing)} of the {len(expected)} values missing")
    if extra:
        shown = ", ".join(f"{got[j].value:.6g}" for j in extra)
        detail.append(f"not a value of the answer: {shown}")
    return Comparison(False, score, "elements_differ", "; ".join(detail))


def _distinct_numbers(got: Sequence[ParsedNumber]) -> list[ParsedNumber]:
    out: list[ParsedNumber] = []
    for g in got:
        if not any(abs(g.value - o.value) <= 1e-12 * max(1.0, abs(o.value)) for o in out):
            out.append(g)
    return out


def set_diagnosis(
    expected: Sequence[float], got: Sequence[ParsedNumber], tol: Tolerance
) -> Diagnosis | None:
    """Sign flipped on every value; some values missing (and nothing wrong); values that
    are not solutions (and nothing missing). Each is offered only when it is exactly the
    difference between the two sets."""
    got = _distinct_numbers(got)
    flipped = [-e for e in expected]
    if any(f != e for f, e in zip(flipped, expected, strict=True)):
        missing, extra = match_elements(flipped, got, tol)
        if not missing and not extra:
            return Diagnosis("sign", "every value of your answer has the opposite sign")
    missing, extra = match_elements(expected, got, tol)
    if missing and not extra and len(got) > 0:
        return Diagnosis(
            "values_missing",
            f"your values are right, but {len(missing)} of the {len(expected)} are missing",
        )
    if extra and not missing:
        return Diagnosis(
            "extra_values",
            "your answer has every right value, and also "
            + ", ".join(f"{got[j].value:.6g}" for j in extra)
            + ", which is not one",
        )
    return None


# --------------------------------------------------------------------------- extracting

_GAP_RE = re.compile(
    r"^(?:\s|\$|,|;|\.|\\[()\[\]]|\\q?quad|\\text\s*\{[^{}]*\}|\\[,;!]|(?<![\w])(?:and|or)(?![\w]))*$"
)


def extract_set(text: str, kind: Kind, target: Target) -> Extraction:
    """The shared extractor, then two ways a set is spread out: boxes side by side
    (``\\boxed{1}, \\boxed{2}``) become one candidate, and so do equations naming the same
    target in a row (``x = 1/2, x = 3``)."""
    ex = extract(text, kind=kind, symbols=target.symbols, multi=target.multi)
    boxes = [c for c in ex.candidates if c.rule == "boxed"]
    run = _adjacent_run(text, boxes)
    if len(run) >= 2:
        a, b = _box_of(text, run[0])[0], _box_of(text, run[-1])[1]
        boxed = Candidate(text[a:b], a, b, "boxed")
        return Extraction((*ex.candidates, boxed), boxed, 1.0)
    chosen = ex.chosen
    if chosen is None:
        return ex
    if chosen.rule == "boxed" and not target.multi:
        # The whole box: its trimmed value stops at prose ("12 $ and $13").
        a, b = _box_of(text, chosen)
        whole = Candidate(text[a:b], a, b, "boxed", chosen.label)
        return Extraction((*ex.candidates, whole), whole, ex.confidence, ex.note)
    if chosen.chain >= 0:
        # A chain's values may hold the elements: "p = -1, p = 15/8" is one chain here.
        first = min(c.start for c in ex.candidates if c.chain == chosen.chain)
        if first < chosen.start:
            merged = Candidate(
                text[first : chosen.end],
                first,
                chosen.end,
                chosen.rule,
                chosen.label,
                chain=chosen.chain,
            )
            return Extraction((*ex.candidates, merged), merged, ex.confidence, ex.note)
    if chosen.rule == "math":
        return join_math_spans(text, ex)
    if not chosen.label:
        return ex
    finals = [c for c in ex.candidates if c.final and c.rule == chosen.rule and c.end <= chosen.end]
    same = [c for c in finals if label_tail(c.label) == label_tail(chosen.label)]
    run = _adjacent_run(text, same, joined=True)
    if len(run) >= 2 and run[-1] is chosen:
        a, b = run[0].start, chosen.end
        merged = Candidate(text[a:b], a, b, chosen.rule, chosen.label)
        return Extraction((*ex.candidates, merged), merged, ex.confidence, ex.note)
    return ex


def _box_of(text: str, cand: Candidate) -> tuple[int, int]:
    """The whole ``\\boxed{...}`` around a boxed candidate."""
    box = (cand.start, cand.end)
    for m in _BOX_RE.finditer(text, 0, cand.start + 1):
        end = balanced_group(text, m.end() - 1)
        if m.start() <= cand.start and cand.end <= end:
            box = (m.start(), end)
    return box


_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")


def _adjacent_run(text: str, cands: Sequence[Candidate], joined: bool = False) -> list[Candidate]:
    """The last run of candidates separated only by commas, "and", ``\\quad``, ``$``...
    (with ``joined``, also by the label of the next one: ``x = 1, x = 2``)."""
    if not cands:
        return []
    run = [cands[-1]]
    for c in reversed(cands[:-1]):
        if joined:
            gap = text[c.end : run[0].start]
            gap = gap.rsplit("=", 1)[0] if "=" in gap else gap
            gap = gap.replace(run[0].label, "", 1) if run[0].label in gap else gap
            words = run[0].label.replace("$", " ").split()
            gap = gap.replace(words[-1], "", 1) if words and words[-1] in gap else gap
        else:
            gap = text[_box_of(text, c)[1] : _box_of(text, run[0])[0]]
        if not _GAP_RE.match(gap):
            break
        run.insert(0, c)
    return run


_LOOKS_RE = re.compile(r"\d|\\frac|\\sqrt|\\pi|\\infty")
_ITEM = r"[-+−]?\s*\d+(?:\.\d+)?"
_LIST_LINE_RE = re.compile(rf"(?m)^[ \t]*{_ITEM}(?:\s*(?:,|;|\band\b|\bor\b)\s*{_ITEM})+[ \t.]*$")


class _SetKind(Kind):
    value_type = NumberSet
    numeric = True
    carries = False

    def looks_like(self, s: str) -> bool:
        s = s.strip()
        return bool(s) and "\\begin{" not in s and bool(_LOOKS_RE.search(s))

    def standalone(self, text: str) -> list[Candidate]:
        out = math_candidates(text, self, bare_numbers=False)
        # A bare list on a line of its own: "-2, 1", "6 and 8".
        for m in _LIST_LINE_RE.finditer(text):
            item = m.group(0).strip(" \t.")
            a = m.start() + m.group(0).index(item)
            out.append(Candidate(item, a, a + len(item), "number"))
        return out

    def extract(self, text: str, expected: Any, target: Target) -> Extraction:
        return extract_set(text, self, target)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        return Read(self.name, tuple(read_elements(text, reading)), text)

    def compare(
        self, expected: NumberSet, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_sets(expected.values(), got.value, tol, expected.multiplicity)

    def diagnose(
        self, expected: NumberSet, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind != self.name:
            return None
        return set_diagnosis(expected.values(), got.value, tol)


def _elements_from_key(items: Sequence[Any], log_base: str) -> tuple[Number, ...]:
    out: list[Number] = []
    for item in items:
        for one in expand_pm(str(item)) if isinstance(item, str) else [item]:
            out.append(number_from_key(one, log_base))
    return tuple(out)


@register
class SetKind(_SetKind):
    name = "set"
    key_fields = ("multiplicity",)

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        value = tuple(
            r.scalar(n, f"{where}[{i}]", (int, float, str))
            for i, n in enumerate(r.sequence(node, where))
        )
        if not value:
            r.error(node, where, "a set needs at least one element")
        return value

    def key_extra(self, r: KeyReader, name: str, node: Any, where: str) -> Any:
        return r.scalar(node, where, bool)

    def claims(self, value: object) -> bool:
        return isinstance(value, NumberSet) and not isinstance(value, PlusMinus)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> NumberSet:
        multiplicity = bool(spec.extras.get("multiplicity", False))
        return NumberSet(_elements_from_key(spec.value, log_base), multiplicity)


@dataclass(frozen=True)
class PlusMinus(NumberSet):
    """``a \\pm b``: the two values ``a + b`` and ``a - b``."""

    def display(self) -> str:
        return self.written.replace("\\pm", "±") if self.written else super().display()


@register
class PlusMinusKind(_SetKind):
    name = "plus_minus"
    value_type = PlusMinus

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        text = r.text(node, where)
        if text is not None and not _PM_RE.search(text):
            r.error(node, where, "write the pair with \\pm: 1 \\pm \\sqrt{19}")
        return text

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> PlusMinus:
        return PlusMinus(_elements_from_key([spec.value], log_base), False, str(spec.value))

    def diagnose(
        self, expected: NumberSet, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind != self.name:
            return None
        values = expected.values()
        missing, extra = match_elements(values, _distinct_numbers(got.value), tol)
        if len(values) == 2 and len(missing) == 1 and not extra:
            return Diagnosis(
                "one_sign_only",
                "you gave one of the two values: ± means both the + and the − value",
            )
        return set_diagnosis(values, got.value, tol)
