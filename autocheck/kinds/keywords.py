"""``keywords``: an answer judged by the presence of key terms (``one-hot encoding``).

Key: ``answer: {keywords: [[one-hot, one hot], [label, labels]]}``: each inner list is one
required term and its spellings. A missing term means "a person should read it" (a
paraphrase is possible), never "wrong".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from solvers.values import KeywordSet

from autocheck.extract import Candidate, Extraction
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import KeyReader, Kind, Reading, Target, register
from autocheck.outcome import Comparison, Read


def find_keywords(text: str, groups: Sequence[Sequence[str]]) -> list[Candidate | None]:
    """For each keyword group, the first place one of its spellings occurs (or ``None``)."""
    out: list[Candidate | None] = []
    for group in groups:
        found: Candidate | None = None
        for spelling in group:
            words = re.escape(spelling).replace(r"\ ", r"[\s-]*").replace(r"\-", r"[\s-]*")
            m = re.search(rf"(?<![\w]){words}", text, re.I)
            if m and (found is None or m.start() < found.start):
                found = Candidate(m.group(0), m.start(), m.end(), "keyword", group[0])
        out.append(found)
    return out


def compare_keywords(expected: KeywordSet, found: Sequence[object | None]) -> Comparison:
    have = sum(f is not None for f in found)
    total = len(expected.required)
    if have == total:
        return Comparison(True, 1.0, "all_keywords")
    missing = [g[0] for g, f in zip(expected.required, found, strict=True) if f is None]
    return Comparison(False, have / total, "keywords_missing", "missing: " + ", ".join(missing))


@register
class KeywordsKind(Kind):
    name = "keywords"
    value_type = KeywordSet
    wrong_needs_person = True
    check_working = False
    carries = False

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        groups = []
        for i, g in enumerate(r.sequence(node, where)):
            alts = r.strings(g, f"{where}[{i}]")
            if not alts:
                r.error(g, f"{where}[{i}]", "an empty keyword group")
            groups.append(alts)
        if not groups:
            r.error(node, where, "give at least one keyword")
        return tuple(groups)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> KeywordSet:
        return KeywordSet(tuple(tuple(g) for g in spec.value))

    def extract(self, text: str, expected: KeywordSet, target: Target) -> Extraction:
        hits = find_keywords(text, expected.required)
        found = tuple(h for h in hits if h is not None)
        if not found:
            missing = ", ".join(g[0] for g in expected.required)
            return Extraction((), None, 0.8, f"missing: {missing} (a paraphrase is possible)")
        return Extraction(found, found[0], 0.8)

    def read(
        self, expected: KeywordSet, found: Candidate, extraction: Extraction, reading: Reading
    ) -> Read:
        hits = [
            next((c for c in extraction.candidates if c.label == g[0]), None)
            for g in expected.required
        ]
        return Read(self.name, hits, found.text)

    def compare(
        self, expected: KeywordSet, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_keywords(expected, got.value)
