"""Writing that names the parts it answers: answer lists and continued answers.

- An **answer list** gives several parts' answers in one place, usually after the last item:
  ``a F, b T, c F``, ``Answers: 1-C 2-B``, ``A1 B A2 B``, ``Q1: 18432, Q2: 64``, one per line,
  or a small table with the labels in its first row. It is recognised when it starts with a
  part's label and names at least two parts in their printed order, each with a short value.
- A **continued answer** (``see back page``) is a block that starts with a part's label and
  says it continues (``7. (continued) ...``, ``(back) 4.5 ...``), or any block starting with
  the label of a part whose own answer points elsewhere (``see back page``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from autocheck.align.model import PartPrompt

__all__ = ["Entry", "answer_list", "continued_part", "label_forms", "points_elsewhere"]

_LIST_PREFIX_RE = re.compile(
    r"^\W*(?:(?:my\s+)?(?:final\s+)?answers?|ans|solutions?)?\s*[:.-]?\s*", re.I
)
_MAX_VALUE = 25
# what a minus sign is the sign of, not a separator: a number, a logarithm ("-ln 0.25")
_SIGNED = r"[\d.]|\\?(?:ln|log)\b"
_SEE_ELSEWHERE_RE = re.compile(
    r"\b(?:see|cont(?:inued|\.|inues)?\s+(?:on|at|overleaf)|turn\s+over|over\s*leaf|p\.?\s*t\.?\s*o)"
    r"\b[^\n]{0,30}?\b(?:back|next|other|last|reverse|extra|page|side|sheet|over)\b"
    r"|\bP\.?T\.?O\.?\b",
    re.I,
)
_CONTINUED_RE = re.compile(r"\bcont(?:inued|inuation|'d|d|\.)?\b|\bback\b", re.I)


@dataclass(frozen=True)
class Entry:
    """One part's answer in a list: ``[start, end)`` of the value in the list's text."""

    part: str
    start: int
    end: int


def label_forms(part: PartPrompt) -> tuple[str, ...]:
    """How a student refers to a part in a list: its printed label without brackets and dots
    (``(a)`` -> ``a``, ``Q1.`` -> ``Q1`` and ``1``, ``A1.`` -> ``A1``, ``4.3`` -> ``4.3``), or
    without a label the last component of its id."""
    label = re.sub(r"[()\[\]*$]", "", part.label).strip().rstrip(".:)")
    if not label:
        label = part.part_id.rsplit(".", 1)[-1]
    forms = [label]
    keyword = re.fullmatch(r"(?:q|question|problem)\s*\.?\s*(\d+(?:\.\d+)?)", label, re.I)
    if keyword:
        forms.append(keyword.group(1))
    return tuple(dict.fromkeys(f for f in forms if f and not re.search(r"\s", f)))


def _pattern(form: str) -> re.Pattern[str]:
    letters = re.fullmatch(r"[a-z]", form) is not None
    body = re.escape(form)
    if re.fullmatch(r"\d+", form):
        body = r"(?:q\s*)?" + body
    flags = 0 if letters else re.I
    # a label starts the text or follows a space or a separator, never "^2" or "x1"
    # the separator after a label, never the sign of a negative value ("6) -0.03"); a number
    # right before a bracket is a factor ("2(6 - 3)"), no label
    return re.compile(
        r"(?<![^\s,;:(])\(?" + body + r"\)?(?![\w(]|\.\d)\s*(?:[).:=]|-(?!" + _SIGNED + "))?",
        flags,
    )


def answer_list(text: str, parts: Sequence[PartPrompt]) -> list[Entry]:
    """The entries of an answer list in ``text``, or ``[]`` when it is none."""
    table = _table_list(text, parts)
    if table:
        return table
    if text.lstrip().startswith(("$", "\\")):
        return []  # a formula, not a list
    prefix = _LIST_PREFIX_RE.match(text)
    pos = prefix.end() if prefix else 0
    patterns = [[_pattern(f) for f in label_forms(p)] for p in parts]
    found: list[tuple[int, int, int]] = []  # (part index, label start, label end)
    index = 0
    while True:
        window = range(index, len(parts)) if not found else range(index, min(index + 3, len(parts)))
        best: tuple[int, int, int] | None = None
        for k in window:
            for pattern in patterns[k]:
                m = pattern.search(text, pos)
                if m and (best is None or m.start() < best[1]):
                    best = (k, m.start(), m.end())
        if best is None:
            break
        if not found and best[1] > pos:
            return []  # a list starts with a label
        found.append(best)
        pos, index = best[2], best[0] + 1
    return _entries(text, parts, found)


def _entries(
    text: str, parts: Sequence[PartPrompt], found: list[tuple[int, int, int]]
) -> list[Entry]:
    if len(found) < 2:
        return []
    entries = []
    for n, (k, _, label_end) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(text)
        start = label_end
        while start < end and text[start] in " \t\n,;:-":
            if text[start] == "-" and re.match("-(?:" + _SIGNED + ")", text[start:]):
                break  # a negative value's sign
            start += 1
        stop = end
        while stop > start and text[stop - 1] in " \t\n,;":
            stop -= 1
        value = text[start:stop]
        if not re.search(r"\w", value) or len(value) > _MAX_VALUE:
            return []
        entries.append(Entry(parts[k].part_id, start, stop))
    return entries


def _table_list(text: str, parts: Sequence[PartPrompt]) -> list[Entry]:
    """A small Markdown table of answers: labels in the first row and values in the second,
    or labels in the first column and values in the second."""
    rows = []
    for m in re.finditer(r"^[ \t]*\|(.*)\|[ \t]*$", text, re.M):
        cells = []
        offset = m.start(1)
        for cell in re.finditer(r"[^|]+", m.group(1)):
            cells.append((cell.group(0).strip(), offset + cell.start(), offset + cell.end()))
        if cells and not all(re.fullmatch(r":?-+:?|", c[0]) for c in cells):
            rows.append(cells)
    if len(rows) < 2:
        return []
    forms = {f: p.part_id for p in parts for f in label_forms(p)}
    header = [forms.get(c[0]) for c in rows[0]]
    if sum(h is not None for h in header) >= 2:
        return [
            Entry(pid, cell[1], cell[2])
            for pid, cell in zip(header, rows[1], strict=False)
            if pid is not None and cell[0]
        ]
    column = [forms.get(r[0][0]) for r in rows]
    if sum(c is not None for c in column) >= 2 and all(len(r) >= 2 for r in rows):
        return [Entry(pid, r[1][1], r[1][2]) for pid, r in zip(column, rows, strict=True) if pid]
    return []


def points_elsewhere(text: str) -> bool:
    """The answer says it continues elsewhere ("see back page", "continued overleaf")."""
    return _SEE_ELSEWHERE_RE.search(text) is not None


def continued_part(
    text: str, parts: Sequence[PartPrompt], elsewhere: set[str]
) -> tuple[str, int] | None:
    """``(part id, where its answer starts)`` when a block continues a part's answer: it starts
    with the part's label and says it continues, or the part's own answer pointed elsewhere."""
    head = re.match(r"^\W*(?:\(?\s*(?:back|page\s*\d+|over)\s*\)?)?[\s:.\-]*", text, re.I)
    pos = head.end() if head else 0
    for part in parts:
        for form in label_forms(part):
            m = _pattern(form).match(text, pos)
            if m is None:
                continue
            # said on the label's own line ("(a) 391\n(b) see back" continues nothing)
            rest = text[m.end() : m.end() + 40].split("\n", 1)[0]
            said = _CONTINUED_RE.search(text[: m.end()] + rest[:30]) is not None
            if said or part.part_id in elsewhere:
                tail = re.match(
                    r"\W*(?:\(?cont\w*[^)\n:]*\)?)?\s*[:.\-]?\s*", text[m.end() :], re.I
                )
                return part.part_id, m.end() + (tail.end() if tail else 0)
    return None
