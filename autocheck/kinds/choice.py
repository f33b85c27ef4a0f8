"""``choice``: one option among a closed set (True/False, A/B, Yes/No, a named method).

Key: ``answer: {choice: "No", options: ["Yes", "No"], synonyms: {No: [N]}}``. The answer is
the option in a box, after the target's symbol, or the answer's leading word; an answer that
names several options goes to a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from solvers.values import Choice

from autocheck.extract import PRIORITY, Candidate, Extraction, balanced_group, dedupe
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, Target, register
from autocheck.outcome import Comparison, Diagnosis, Read


def option_patterns(
    options: Sequence[str], synonyms: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, re.Pattern[str]]]:
    pats = []
    for opt in options:
        for spelling in (opt, *synonyms.get(opt, ())):
            words = re.escape(spelling).replace(r"\ ", r"[\s-]*").replace(r"\-", r"[\s-]*")
            if len(spelling) == 1:  # a letter option (A, B) is case-sensitive
                pat = re.compile(rf"(?<![\w-]){words}(?![\w-])")
            else:  # OCR glues words ("minibatchGD"): only a lower-case letter continues one
                pat = re.compile(rf"(?<![\w-])(?i:{words})(?![a-z0-9-])")
            pats.append((opt, pat, len(spelling)))
    pats.sort(key=lambda p: -p[2])  # longest spelling first: "mini-batch" before "batch"
    return [(o, p) for o, p, _ in pats]


def find_options(
    text: str, pats: list[tuple[str, re.Pattern[str]]], a: int, b: int
) -> list[tuple[int, int, str]]:
    taken: list[tuple[int, int, str]] = []
    for opt, pat in pats:
        for m in pat.finditer(text, a, b):
            if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                taken.append((m.start(), m.end(), opt))
    return sorted(taken)


def extract_choice(
    text: str,
    *,
    options: Sequence[str],
    synonyms: Mapping[str, tuple[str, ...]] | None = None,
    symbols: Sequence[str] = (),
    siblings: Sequence[str] = (),
) -> Extraction:
    """Candidates naming one of ``options`` (or a synonym): in a box, after one of the
    target's ``symbols`` (up to the end of the sentence or a sibling's symbol), or, without
    symbols, the answer's leading word, then any mention."""
    pats = option_patterns(options, synonyms or {})
    cands: list[Candidate] = []
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        end = balanced_group(text, m.end() - 1)
        if end > 0:
            for s, e, opt in find_options(text, pats, m.end(), end - 1):
                cands.append(Candidate(text[s:e], s, e, "boxed", opt))
    if symbols:
        stops = [re.escape(s) for s in siblings if s]
        for sym in symbols:
            for m in re.finditer(rf"(?<![\w\\]){re.escape(sym)}(?![\w])", text):
                seg_end = len(text)
                stop = re.compile(
                    r"[.\n]\s|" + "|".join(rf"(?<![\w\\]){s}(?![\w])" for s in stops)
                    if stops
                    else r"[.\n]\s"
                )
                sm = stop.search(text, m.end())
                if sm:
                    seg_end = sm.start()
                found = find_options(text, pats, m.end(), seg_end)
                if found:
                    s, e, opt = found[0]
                    cands.append(Candidate(text[s:e], s, e, "labelled-choice", opt))
    else:
        lead = re.match(r"[\s#*>$\-\d.)(]*", text)
        start = lead.end() if lead else 0
        for s, e, opt in find_options(text, pats, start, min(len(text), start + 20)):
            if s == start:
                cands.append(Candidate(text[s:e], s, e, "leading-word", opt))
        for s, e, opt in find_options(text, pats, 0, len(text)):
            cands.append(Candidate(text[s:e], s, e, "choice-word", opt))
    cands = dedupe(cands)
    if not cands:
        cands = _lone_letter(text, options) or _lone_misread_word(text, options, synonyms or {})
    if not cands:
        return Extraction((), None, 0.0, "none of the options was found")
    top = min(c.priority for c in cands)
    group = [c for c in cands if c.priority == top]
    chosen = group[0] if top == PRIORITY["leading-word"] else group[-1]
    opts = {c.label for c in group}
    if len(opts) > 1:
        return Extraction(
            tuple(cands),
            chosen,
            0.3,
            "the answer names several options: " + ", ".join(sorted(opts)),
        )
    if chosen.rule == "choice-word" and _in_a_sentence(text, chosen):
        return Extraction(tuple(cands), chosen, 0.4, "the option is named only inside a sentence")
    return Extraction(tuple(cands), chosen, {0: 1.0, 2: 0.9}.get(top, 0.7))


def _in_a_sentence(text: str, cand: Candidate) -> bool:
    """The option's word stands among words on its line (``... so the claim is true for
    every input``), as in a justification, not alone as the answer."""
    line_start = text.rfind("\n", 0, cand.start) + 1
    line_end = text.find("\n", cand.end)
    before = text[line_start : cand.start]
    after = text[cand.end : len(text) if line_end < 0 else line_end]
    return len(re.findall(r"[A-Za-z]{2,}", before)) >= 2 and bool(re.search(r"[A-Za-z]{2,}", after))


_LONE_RE = re.compile(r"^[\s$(\[{]*(?:\\text\s*\{\s*\(?)?([A-Za-z])\)?\s*\}?[\s$)\]}.]*$")


def _lone_letter(text: str, options: Sequence[str]) -> list[Candidate]:
    """An answer that is one letter and nothing else names that option, whatever its case
    ("E" for option e); in prose a letter's case is kept (an article "a" is no answer)."""
    m = _LONE_RE.match(text)
    if m is None:
        return []
    hits = [o for o in options if len(o) == 1 and o.lower() == m.group(1).lower()]
    if len(hits) != 1:
        return []
    return [Candidate(m.group(1), m.start(1), m.end(1), "leading-word", hits[0])]


_LONE_WORD_RE = re.compile(r"^[\s$*(\[{]*([A-Za-z][A-Za-z0-9|]{2,})[\s$*)\]}.]*$")
_OCR_FOLD = str.maketrans({"l": "1", "i": "1", "|": "1", "!": "1", "o": "0"})


def _ocr_form(word: str) -> str:
    return word.lower().translate(_OCR_FOLD)


def _swapped(a: str, b: str) -> bool:
    """``a`` is ``b`` with two neighbouring letters swapped (``Ture`` for ``True``)."""
    diff = [k for k in range(len(a)) if a[k] != b[k]] if len(a) == len(b) else []
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _lone_misread_word(
    text: str, options: Sequence[str], synonyms: Mapping[str, tuple[str, ...]]
) -> list[Candidate]:
    """An answer that is one word and nothing else, read by the OCR with a digit for a letter
    (``Fa1se``) or two letters swapped (``Ture``), names the one option it can be misread from."""
    m = _LONE_WORD_RE.match(text)
    if m is None:
        return []
    word = _ocr_form(m.group(1))
    hits = {
        opt
        for opt in options
        for spelling in (opt, *synonyms.get(opt, ()))
        if len(spelling) >= 4
        and (_ocr_form(spelling) == word or _swapped(word, _ocr_form(spelling)))
    }
    if len(hits) != 1:
        return []
    return [Candidate(m.group(1), m.start(1), m.end(1), "leading-word", hits.pop())]


def compare_choice(expected: Choice, option: str) -> Comparison:
    ok = option.strip().lower() == expected.value.strip().lower()
    return Comparison(ok, float(ok), "exact" if ok else "not_equal")


@register
class ChoiceKind(Kind):
    name = "choice"
    value_type = Choice
    key_fields = ("options", "synonyms")
    check_working = False
    carries = False

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        raw = r.scalar(node, where, (str, bool, int))
        return None if raw is None else str(raw)

    def check_key(self, r: KeyReader, spec: LiteralAnswer, node: Any, where: str) -> None:
        if spec.options and spec.value is not None and spec.value not in spec.options:
            r.error(node, where, f"{spec.value!r} is not one of the options {list(spec.options)}")

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Choice:
        synonyms = {k: tuple(x) for k, x in spec.synonyms.items()}
        return Choice(str(spec.value), spec.options, synonyms)

    def extract(self, text: str, expected: Choice, target: Target) -> Extraction:
        return extract_choice(
            text,
            options=expected.options or (expected.value,),
            synonyms=expected.synonyms,
            symbols=target.symbols,
            siblings=[s for s in target.siblings if s not in target.symbols],
        )

    def read(
        self, expected: Any, found: Candidate, extraction: Extraction, reading: Reading
    ) -> Read:
        return Read(self.name, found.label, found.text)

    def compare(
        self, expected: Choice, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_choice(expected, str(got.value))

    def diagnose(self, expected: Choice, got: Read, tol: Tolerance, hints: Hints) -> Diagnosis:
        return Diagnosis("wrong_choice", f"the answer is {expected.value}, not {got.value}")
