"""The printed (blank) exam as the aligner uses it: its tokens, and where each part is.

For every part: the printed tokens it spans (from its label to the next part's), and the
places inside it where a student writes: the printed options a mark can fall on (``True`` /
``False``, ``(A)``..``(D)``, the lines of a checkbox list), the blanks of a fill-in sentence
(``____``), and for a part that is a table row or a table cell, the cells with their column
headers (read by :mod:`autocheck.align.tables`). A printed exam is read once per text and
cached.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from autocheck.align.anchors import split_lines
from autocheck.align.headers import find_headers
from autocheck.align.labels import locate
from autocheck.align.lists import label_forms
from autocheck.align.model import PartPrompt
from autocheck.align.tables import (
    Cell,
    cell_text,
    flat,
    group_tables,
    part_cells,
    table_rows,
    table_scopes,
)
from autocheck.align.tokens import BUBBLES, Token, line_numbers, tokenize

__all__ = [
    "Option",
    "PrintedExam",
    "PrintedPart",
    "read_printed",
]


@dataclass(frozen=True)
class Option:
    """A printed option of a choice: the key's ``name`` for it, the token where its label
    starts (``(`` of ``(B)``, ``True``), and its zone ``[start, end)`` of tokens: its line in a
    list of one option per line, else up to the next option."""

    name: str
    label: int
    start: int
    end: int


@dataclass(frozen=True)
class PrintedPart:
    """Where one part is in the printed exam. ``start``/``end``: its tokens (a table part has
    only ``cells``); ``found`` is False when neither its label nor its table row was found.
    ``blanks`` are the blanks to write its answer in: those of its own text, then
    ``elsewhere``, those printed after its label outside it (an answer sheet's). ``boxes``: the
    cells of its row in a final-answers box printed apart from it (see :func:`_answer_boxes`)."""

    prompt: PartPrompt
    start: int
    end: int
    found: bool
    options: tuple[Option, ...] = ()
    blanks: tuple[int, ...] = ()
    cells: tuple[Cell, ...] = ()
    elsewhere: tuple[int, ...] = ()
    boxes: tuple[Cell, ...] = ()

    @property
    def table(self) -> bool:
        return bool(self.cells)


@dataclass(frozen=True)
class PrintedExam:
    """The printed text, its tokens and line number per token, and its parts in key order;
    ``fields`` are the blanks of the cover's fields (a name, a student number): writing there
    answers no part; ``sheet`` the blanks of an answer sheet numbered 1, 2, 3... that could
    not be given to the parts (neither by their labels nor in order): writing there answers a
    part no one can tell without reading the instructions. ``headers``: the first token of
    each question header line."""

    text: str
    tokens: tuple[Token, ...]
    lines: tuple[int, ...]
    parts: tuple[PrintedPart, ...]
    fields: frozenset[int] = frozenset()
    sheet: frozenset[int] = frozenset()
    headers: tuple[int, ...] = ()

    def part(self, part_id: str) -> PrintedPart:
        return next(p for p in self.parts if p.prompt.part_id == part_id)


@lru_cache(maxsize=32)
def read_printed(text: str, parts: tuple[PartPrompt, ...]) -> PrintedExam:
    """Tokens and part regions of a printed exam for the given parts (cached by both)."""
    tokens = tuple(tokenize(text))
    line_of = line_numbers(text, tokens)
    starts = [t.start for t in tokens]
    tables = group_tables(table_rows(tokens, line_of), line_of)
    heads = find_headers(text, split_lines(text), parts)
    scopes = table_scopes(parts, heads, tables, tokens, len(text))
    table_parts = {p.part_id: part_cells(p, scopes[p.part_id], tokens) for p in parts}
    flowing = [p for p in parts if not table_parts[p.part_id]]
    anchors, headers = locate(text, flowing) if flowing else ({}, [])
    # a part's region runs from its label to the next label or question header
    bounds = sorted({*anchors.values(), *headers})
    out = []
    for part in parts:
        cells = table_parts[part.part_id]
        if cells:
            out.append(PrintedPart(part, cells[0].left, cells[-1].right + 1, True, cells=cells))
            continue
        if part.part_id not in anchors:
            out.append(PrintedPart(part, 0, 0, False))
            continue
        pos = anchors[part.part_id]
        after = next((b for b in bounds if b > pos), len(text))
        start = bisect.bisect_left(starts, pos)
        end = bisect.bisect_left(starts, after)
        region = PrintedPart(part, start, end, True)
        out.append(_with_slots(region, tokens, line_of))
    out = _answer_boxes(out, tables, tokens)
    out = _cloze_blanks(out, tokens)
    out, fields, sheet = _labelled_blanks(out, tokens, line_of)
    head_tokens = tuple(bisect.bisect_left(starts, h.pos) for h in heads)
    return PrintedExam(text, tokens, line_of, tuple(out), fields, sheet, head_tokens)


def _cloze_blanks(parts: list[PrintedPart], tokens: Sequence[Token]) -> list[PrintedPart]:
    """A part whose label is printed only right before a blank inside running text (a cloze
    paragraph: "... has (1) ______ weights ...") is that blank: found there, its region the
    blank alone."""
    out = []
    for part in parts:
        label = [t.norm for t in tokenize(part.prompt.label)]
        if part.found or part.table or not any(t.content for t in tokenize(part.prompt.label)):
            out.append(part)
            continue
        n = len(label)
        at = [
            i + n
            for i in range(len(tokens) - n)
            if tokens[i + n].kind == "blank" and [t.norm for t in tokens[i : i + n]] == label
        ]
        if len(at) == 1:
            out.append(PrintedPart(part.prompt, at[0], at[0] + 1, True, blanks=(at[0],)))
        else:
            out.append(part)
    return out


# --- blanks printed after a label: answer sheets and cover fields ------------------------------

#: Numbered blanks left to no part that make an answer sheet nobody could match to the parts
#: (two are more likely a part's own: "Give two numbers. 1. ____ 2. ____").
MIN_SHEET_LINES = 3
# what a cover's fields are called (compared in the tokens' folded form)
# (a one-letter piece of a word, the "e" of "e-mail", is no field: "(e) ____" is a part's)
_FIELD_WORDS = frozenset(
    t.norm
    for t in tokenize(
        "name surname student id matriculation seat date signature email e-mail netid login"
    )
    if len(t.norm) > 1
)


def _labelled_blanks(
    parts: list[PrintedPart], tokens: Sequence[Token], line_of: Sequence[int]
) -> tuple[list[PrintedPart], frozenset[int], frozenset[int]]:
    """Blanks whose printed label on their line names a part, on another line than the
    part's own label (an answer sheet: ``1. ______   5. ______``), move to that part; blanks
    labelled as a cover field (``Name: ____``) are set apart. A sheet is two such blanks or
    more: one alone is more likely a blank of the text it sits in. Returns the parts, the
    fields' blanks and the numbered blanks left to no part (:data:`MIN_SHEET_LINES` or
    more)."""
    forms: dict[tuple[str, ...], int | None] = {}
    for k, part in enumerate(parts):
        for form in label_forms(part.prompt):
            words = tuple(t.norm for t in tokenize(form) if t.content)
            if words:  # a label several parts share ("(a)" of every question) names none
                forms[words] = k if forms.get(words, k) == k else None
    fields = _field_blanks(tokens, line_of)
    numbered = _numbered_blanks(tokens, line_of, fields)
    if not _set_apart(numbered.values(), parts, tokens, fields):
        numbered = {}
    moved = _numbered_sheet(parts, numbered, line_of, fields)
    ordered = {i for v in moved.values() for i in v}
    named: dict[int, list[int]] = {}
    for i, token in enumerate(tokens):
        if token.kind != "blank" or i in fields or i in ordered:
            continue
        words = _label_before(i, tokens, line_of)
        owner = forms.get(words) if 0 < len(words) <= 3 else None
        if owner is None:
            continue
        part = parts[owner]
        # the label printed again on another line than the part's own: a sheet's line (the
        # last part's region runs to the end of the text, over the sheet)
        if part.found and not part.table and line_of[i] != line_of[part.start]:
            named.setdefault(owner, []).append(i)
    by_label = [i for v in named.values() for i in v]
    if len(by_label) + len(ordered) >= 2 and _set_apart(by_label, parts, tokens, fields):
        for owner, blanks in named.items():
            moved.setdefault(owner, []).extend(blanks)
    taken = {i for v in moved.values() for i in v} | fields
    out = []
    for k, part in enumerate(parts):
        own = tuple(i for i in part.blanks if i not in taken)
        extra = tuple(moved.get(k, ()))
        out.append(replace(part, blanks=own + extra, elsewhere=extra))
    left = frozenset(numbered.values()) - taken
    return out, frozenset(fields), left if len(left) >= MIN_SHEET_LINES else frozenset()


def _field_blanks(tokens: Sequence[Token], line_of: Sequence[int]) -> set[int]:
    """The blanks of a cover's fields: ``Name: ____``, ``Page 2 of 3   Student ID: ____``."""
    fields: set[int] = set()
    for i, token in enumerate(tokens):
        if token.kind != "blank":
            continue
        words = _label_before(i, tokens, line_of)
        colon = i > 0 and tokens[i - 1].text == ":"
        if (words and words[0] in _FIELD_WORDS and len(words) <= 3) or (
            colon and _FIELD_WORDS & set(words[-2:])
        ):
            fields.add(i)
    return fields


def _numbered_blanks(
    tokens: Sequence[Token], line_of: Sequence[int], fields: Collection[int]
) -> dict[int, int]:
    """The blanks labelled only by a number on their line (``3. ____``), by their number;
    nothing when a number labels two blanks (no sheet of one line per part)."""
    numbered: dict[int, int] = {}
    for i, token in enumerate(tokens):
        if token.kind != "blank" or i in fields:
            continue
        words = _label_before(i, tokens, line_of)
        if len(words) == 1 and words[0].isdigit():
            if int(words[0]) in numbered:
                return {}
            numbered[int(words[0])] = i
    return numbered


def _set_apart(
    blanks: Collection[int],
    parts: Sequence[PrintedPart],
    tokens: Sequence[Token],
    fields: Collection[int],
) -> bool:
    """Whether an answer sheet's blanks stand apart from the questions: in no part's text
    but the last part's (whose region runs to the end, over a sheet printed after it), and
    there set apart by a heading that says answers (``ANSWER SHEET``) or a field of its own
    (``Name: ____``). A list to fill in inside a question (``List three layers: 1. ____``)
    is that question's."""
    if not blanks:
        return False
    flowing = [p for p in parts if p.found and not p.table]
    last = max(flowing, key=lambda p: p.start, default=None)
    for i in blanks:
        if any(p.start <= i < p.end for p in flowing if p is not last):
            return False
    first = min(blanks)
    if last is None or first < last.start:
        return True
    between = range(last.start, first)
    return any(i in fields or tokens[i].norm in ("answer", "answers") for i in between)


def _numbered_sheet(
    parts: Sequence[PrintedPart],
    numbered: dict[int, int],
    line_of: Sequence[int],
    fields: Collection[int],
) -> dict[int, list[int]]:
    """An answer sheet numbered apart from the questions: blanks labelled only by the numbers
    1 to N, as many as the exam has parts, answer the parts in order (the k-th blank the k-th
    part, whatever the parts' labels: ``3. ____`` answers ``2 (a)`` when it is the third
    part). Returns the blanks by part index, a blank printed on its own part's line left out;
    nothing when the numbered blanks are not exactly 1 to N, or when a part has a blank of its
    own besides them (``(b) Give two numbers. 1. ____ 2. ____`` after a fill-in ``(a)``)."""
    n = len(parts)
    if n < 2 or sorted(numbered) != list(range(1, n + 1)):
        return {}
    if any(not p.found or p.table for p in parts):
        return {}
    sheet = {*numbered.values(), *fields}
    if any(set(p.blanks) - sheet for p in parts):
        return {}  # a part has a blank of its own: the numbered ones are a part's, no sheet
    moved: dict[int, list[int]] = {}
    for k, part in enumerate(parts):
        i = numbered[k + 1]
        if not (i in part.blanks and line_of[i] == line_of[part.start]):
            moved[k] = [i]
    return moved


def _label_before(i: int, tokens: Sequence[Token], line_of: Sequence[int]) -> tuple[str, ...]:
    """The words printed before blank ``i`` on its line, back to the line's start or the
    previous blank."""
    words: list[str] = []
    j = i - 1
    while j >= 0 and line_of[j] == line_of[i] and tokens[j].kind != "blank":
        if tokens[j].content:
            words.append(tokens[j].norm)
        j -= 1
    return tuple(reversed(words))


# --- options and blanks -------------------------------------------------------------------------


def _with_slots(part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]) -> PrintedPart:
    blanks = tuple(i for i in range(part.start, part.end) if tokens[i].kind == "blank")
    if part.prompt.options:
        options = _options(part, tokens, line_of)
    else:
        options = _inline_options(part, tokens, line_of)
    return PrintedPart(part.prompt, part.start, part.end, True, options, blanks)


# a piece of a printed value: a number, a sign, the "x" of a shape (13 x 13 x 16)
_VALUE_PIECE_RE = re.compile(r"[-−+]?[\d.,]*\d[\d.,]*%?|[-−+xX×]")


def _value_piece(token: Token) -> bool:
    return token.kind in ("word", "number", "punct") and bool(_VALUE_PIECE_RE.fullmatch(token.text))


def _spaced_slash(
    i: int, part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> bool:
    """A ``/`` with a space on each side, inside the part and on one line with its
    neighbours: the separator of alternatives (``26 / 28 / 30``), not a fraction (``1/2``)."""
    if not part.start < i < part.end - 1 or tokens[i].text != "/":
        return False
    before, after = tokens[i - 1], tokens[i + 1]
    return (
        before.end < tokens[i].start
        and tokens[i].end < after.start
        and line_of[i - 1] == line_of[i] == line_of[i + 1]
    )


def _alternative(
    i: int, step: int, part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> tuple[int, int] | None:
    """The alternative printed next to the slash ``i`` (``step`` -1: before it, 1: after):
    the value pieces up to the next slash or word (``13 x 13 x 16``), else one word
    (``increases / decreases``); ``(start, end)`` of its tokens."""
    j = i + step
    while part.start <= j < part.end and line_of[j] == line_of[i] and _value_piece(tokens[j]):
        j += step
    ends = sorted((i + step, j - step))
    while ends[0] <= ends[1] and not any(c.isdigit() for c in tokens[ends[0]].text):
        ends[0] += 1  # a value starts and ends with a digit ("of 26", not "of")
    while ends[1] >= ends[0] and not any(c.isdigit() for c in tokens[ends[1]].text):
        ends[1] -= 1
    if ends[0] <= ends[1]:
        return ends[0], ends[1] + 1
    word = i + step
    if part.start <= word < part.end and tokens[word].kind == "word":
        return word, word + 1
    return None


def _inline_options(
    part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> tuple[Option, ...]:
    """Alternatives printed inline in a sentence for the student to circle one ("a height of
    26 / 28 / 30 pixels"): each a printed option named by its text, so that a mark on it
    (brackets or underscores round it, a tick after it, bold) reads as that value."""
    out: list[Option] = []
    for i in range(part.start, part.end):
        if not _spaced_slash(i, part, tokens, line_of):
            continue
        before = _alternative(i, -1, part, tokens, line_of)
        after = _alternative(i, 1, part, tokens, line_of)
        if before is None or after is None or before[1] != i or after[0] != i + 1:
            continue  # the slash must touch both alternatives
        for a, b in (before, after):
            if not out or a >= out[-1].end:
                name = " ".join(t.text for t in tokens[a:b])
                out.append(Option(name, a, a, b))
    names = [o.name for o in out]
    return tuple(out) if len(set(names)) == len(names) else ()


def _options(
    part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> tuple[Option, ...]:
    """The printed options of a choice part, by letter label, by their words, or by position
    in a checkbox list; nothing when they are not all found in order."""
    names = part.prompt.options
    labels = (
        _letter_labels(names, part, tokens, line_of)
        or _word_labels(names, part, tokens)
        or _checkbox_labels(names, part, tokens, line_of)
    )
    if not labels:
        return ()
    one_per_line = len({line_of[i] for _, i in labels}) == len(labels)
    out = []
    for k, (name, label) in enumerate(labels):
        nxt = labels[k + 1][1] if k + 1 < len(labels) else part.end
        if one_per_line:
            line = line_of[label]
            start = label
            while start > part.start and line_of[start - 1] == line:
                start -= 1
            end = label
            while end < part.end and line_of[end] == line:
                end += 1
            out.append(Option(name, label, start, min(end, nxt) if nxt > label else end))
        else:
            out.append(Option(name, label, label, nxt))
    return tuple(out)


def _line_start(i: int, start: int, line_of: Sequence[int]) -> bool:
    return i == start or line_of[i - 1] != line_of[i]


def _letter_labels(
    names: Sequence[str], part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> list[tuple[str, int]]:
    """``(A)``, ``A.``, ``A)``, ``- A.``: single-letter options labelled in print."""
    if not all(len(n) == 1 and n.isalpha() for n in names):
        return []
    found: dict[str, int] = {}
    for i in range(part.start, part.end):
        t = tokens[i]
        if t.kind != "word" or len(t.text) != 1 or t.text.upper() not in names:
            continue
        prev = tokens[i - 1].text if i > part.start else ""
        nxt = tokens[i + 1].text if i + 1 < part.end else ""
        if prev == "(" and nxt == ")":
            label = i - 1
        elif nxt in (".", ")", ":") and (
            prev in ("-", "]", "*", "•", *BUBBLES) or _line_start(i, part.start, line_of)
        ):
            label = i
        else:
            continue
        name = t.text.upper()
        if name not in found or found[name] < min(found.values(), default=i):
            found[name] = label
    return _in_order(names, found)


def _word_labels(
    names: Sequence[str], part: PrintedPart, tokens: Sequence[Token]
) -> list[tuple[str, int]]:
    """Options printed as words (``True / False``, option texts): the last occurrence of each
    in the part (options follow the statement)."""
    found: dict[str, int] = {}
    for name in names:
        words = [t.norm for t in tokenize(name)]
        if not words:
            return []
        for i in range(part.start, part.end - len(words) + 1):
            if [tokens[i + k].norm for k in range(len(words))] == words:
                found[name] = i
    return _in_order(names, found)


def _checkbox_labels(
    names: Sequence[str], part: PrintedPart, tokens: Sequence[Token], line_of: Sequence[int]
) -> list[tuple[str, int]]:
    """A list of checkboxes (``- [ ] text``) without letters: the k-th box is option k."""
    boxes = [
        i
        for i in range(part.start, part.end - 1)
        if (tokens[i].norm == "[" and tokens[i + 1].norm == "]") or tokens[i].text in BUBBLES
    ]
    if len(boxes) != len(names) or len({line_of[i] for i in boxes}) != len(boxes):
        return []
    return list(zip(names, boxes, strict=True))


def _in_order(names: Sequence[str], found: dict[str, int]) -> list[tuple[str, int]]:
    if len(found) != len(names):
        return []
    labels = [(name, found[name]) for name in names]
    positions = [i for _, i in labels]
    return labels if positions == sorted(positions) else sorted(labels, key=lambda x: x[1])


# --- final-answers boxes ---------------------------------------------------------------------


def _answer_boxes(
    parts: list[PrintedPart], tables: list[list[list[int]]], tokens: Sequence[Token]
) -> list[PrintedPart]:
    """Final-answers boxes: a table printed apart from the questions (``| 1(a) |  |``, at the
    top of a page) whose rows each start with the label of a part printed elsewhere, a label
    naming its question (``1(a)``, not ``(a)``) and no other row. Such a part keeps its
    region for its working, and the row's cells are where its answer goes."""
    flowing = {p.prompt.part_id: p for p in parts if p.found and not p.table}
    named: dict[str, tuple[Cell, ...]] = {}
    for rows in tables:
        found = {}
        for pid, part in flowing.items():
            label = flat(part.prompt.label)
            if not re.search(r"\d", label) or not re.search(r"[a-z]", label):
                continue
            hits = [r for r in rows if flat(cell_text(tokens, r[0], r[1])).startswith(label)]
            longer = [
                q
                for q in flowing.values()
                if q is not part and flat(q.prompt.label).startswith(label)
            ]
            if len(hits) == 1 and not longer and not (part.start <= hits[0][0] < part.end):
                found[pid] = hits[0]
        if len(found) < 2:
            continue
        for pid, row in found.items():
            name = cell_text(tokens, row[0], row[1])
            named[pid] = tuple(
                Cell(a, b, "", name, k) for k, (a, b) in enumerate(itertools.pairwise(row))
            )[1:]
    return [
        replace(p, boxes=named[p.prompt.part_id]) if p.prompt.part_id in named else p for p in parts
    ]
