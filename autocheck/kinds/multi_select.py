"""``multi_select``: "select all that apply", with partial credit.

Key: ``answer: {multi_select: [A, C], options: [A, B, C, D]}``, ``credit:`` one of

- ``right_minus_wrong`` (default): each right option selected earns ``1/k`` (``k`` right
  options), each wrong one selected costs ``1/k``, never below 0 (Canvas, Gradescope);
- ``per_option``: each option judged on its own, selected or not: the share of the ``n``
  options decided right;
- ``all_or_nothing``: full marks for exactly the right options, else 0.

The selected options are read from boxes, an "Answer:" line, or the options named in the
answer (letters case-sensitive, as for a choice); a sheet's marked boxes
(``autocheck.kinds.multi_select.score_selection``) are scored by the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autocheck.extract import Candidate, Extraction, balanced_group
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, Target, register
from autocheck.kinds.choice import find_options, option_patterns
from autocheck.outcome import Comparison, Diagnosis, Read

RULES = ("right_minus_wrong", "per_option", "all_or_nothing")


@dataclass(frozen=True)
class Selection:
    """The right options among ``options``, and the credit rule."""

    correct: tuple[str, ...]
    options: tuple[str, ...]
    credit: str = "right_minus_wrong"
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def latex(self) -> str:
        return r"\text{" + ", ".join(self.correct) + "}"

    def display(self) -> str:
        return ", ".join(self.correct)

    def fields(self) -> dict[str, Any]:
        return {"correct": list(self.correct), "options": list(self.options), "credit": self.credit}


def score_selection(
    selected: Collection[str], correct: Collection[str], options: Sequence[str], rule: str
) -> float:
    """The share of the points for ``selected`` options when ``correct`` are right."""
    chosen, right = set(selected), set(correct)
    if rule == "all_or_nothing":
        return float(chosen == right)
    if rule == "per_option":
        decided = sum((o in chosen) == (o in right) for o in options)
        return decided / len(options) if options else 0.0
    if rule != "right_minus_wrong":
        raise ValueError(f"unknown credit rule {rule!r}")
    if not right:
        return float(not chosen)
    return max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))


_LABEL_RE = re.compile(
    r"(?im)^(?:[^\S\n]|[*#>-])*(?:final\s+)?(?:answer|ans)\b\.?\s*(?:[:=]|is\b)\s*(.+)$"
)


def extract_selection(
    text: str, options: Sequence[str], synonyms: Mapping[str, tuple[str, ...]]
) -> Extraction:
    """The options selected: those inside boxes, else on an "Answer:" line, else every
    option the answer names. The candidate spans them; its label lists them."""
    pats = option_patterns(options, synonyms)
    spans: list[tuple[str, int, int]] = []
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        end = balanced_group(text, m.end() - 1)
        if end > 0:
            spans.append(("boxed", m.end(), end - 1))
    if not spans:
        spans = [("answer-label", m.start(1), m.end(1)) for m in _LABEL_RE.finditer(text)][-1:]
    if not spans:
        spans = [("choice-word", 0, len(text))]
    found = [(s, e, opt) for rule, a, b in spans for s, e, opt in find_options(text, pats, a, b)]
    if not found:
        return Extraction((), None, 0.0, "none of the options was found")
    a, b = found[0][0], found[-1][1]
    labels = sorted({opt for _, _, opt in found}, key=list(options).index)
    cand = Candidate(text[a:b], a, b, spans[0][0], ",".join(labels))
    confidence = 1.0 if spans[0][0] != "choice-word" else 0.7
    return Extraction((cand,), cand, confidence)


@register
class MultiSelectKind(Kind):
    name = "multi_select"
    value_type = Selection
    key_fields = ("options", "synonyms", "credit")
    check_working = False
    carries = False

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        return r.strings(node, where)

    def key_extra(self, r: KeyReader, name: str, node: Any, where: str) -> Any:
        rule = r.text(node, where)
        if rule is not None and rule not in RULES:
            r.error(node, where, f"credit is one of {', '.join(RULES)}")
        return rule

    def check_key(self, r: KeyReader, spec: LiteralAnswer, node: Any, where: str) -> None:
        if not spec.options:
            r.error(node, where, "a multi_select needs its options")
        elif spec.value is not None:
            unknown = [v for v in spec.value if v not in spec.options]
            if unknown:
                r.error(node, where, f"{unknown} not among the options {list(spec.options)}")

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Selection:
        synonyms = {k: tuple(x) for k, x in spec.synonyms.items()}
        rule = str(spec.extras.get("credit", "right_minus_wrong"))
        return Selection(tuple(spec.value), spec.options, rule, synonyms)

    def extract(self, text: str, expected: Selection, target: Target) -> Extraction:
        return extract_selection(text, expected.options, expected.synonyms)

    def read(
        self, expected: Any, found: Candidate, extraction: Extraction, reading: Reading
    ) -> Read:
        return Read(self.name, tuple(x for x in found.label.split(",") if x), found.text)

    def compare(
        self, expected: Selection, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        score = score_selection(got.value, expected.correct, expected.options, expected.credit)
        if set(got.value) == set(expected.correct):
            return Comparison(True, 1.0, "same_options")
        missing = [o for o in expected.correct if o not in got.value]
        extra = [o for o in got.value if o not in expected.correct]
        detail = "; ".join(
            x
            for x in (
                f"not selected: {', '.join(missing)}" if missing else "",
                f"selected wrongly: {', '.join(extra)}" if extra else "",
            )
            if x
        )
        return Comparison(False, score, "options_differ", detail)

    def diagnose(
        self, expected: Selection, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        missing = [o for o in expected.correct if o not in got.value]
        extra = [o for o in got.value if o not in expected.correct]
        if missing and not extra:
            return Diagnosis(
                "options_missing",
                f"every option you chose is right, but {', '.join(missing)} also is",
            )
        if extra and not missing:
            return Diagnosis(
                "extra_options",
                f"you chose every right option, and also {', '.join(extra)}, which is not",
            )
        return None
