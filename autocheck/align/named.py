"""Writing that names a part whose label is not printed as a label.

Some exams print no place for a part's answer: "for each of the layers conv1, pool1, conv2
and fc, give the output shape and the number of parameters; draw your own table". The key
names one part per layer (``label: conv1``), but ``conv1`` appears in print only inside the
question's text or its code, so the part has no printed region. The student's writing then
names the part itself:

- a **row of the student's own table** or a **line of a list** that starts with the part's
  label (``| conv1 | 8 x 32 x 32 | 224 |``, ``conv1: 8x32x32, 224``, ``conv2 -> 16x8x8``): the
  rest of the row is the part's answer, each cell under the header the student wrote for its
  column (so ``output`` and ``params`` label the values for the part's targets);
- **writing at the end of a printed line that names the part**, and no other (a comment on
  the line of code that builds the layer: ``self.conv1 = nn.Conv2d(...)  # 8x32x32, 224``).

Only parts that were not found in print are looked for, and only in writing that is not
already an answer's place in print (a blank, a cell, a marked option); the labels read stay
accounted for as ``label`` pieces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autocheck.align.diff import CopyAlignment
from autocheck.align.model import TargetSlot
from autocheck.align.place import Piece
from autocheck.align.printed import PrintedExam
from autocheck.align.tables import flat
from autocheck.align.tokens import line_numbers, tokenize

__all__ = ["named_parts"]

_FOLD = str.maketrans({"l": "1", "i": "1", "o": "0"})
# a row's or a list line's first cell: up to a cell separator, a colon, an arrow, "=" or ","
_HEAD_RE = re.compile(r"[ \t|*>#-]*(?P<name>[^|:=,\n]+?)[ \t]*(?:\||:|->|→|=>|=|,|[ \t]{2,}|$)")
_RULE_RE = re.compile(r"^[ \t|:-]*-{2,}[ \t|:-]*$")


def _key(text: str) -> str:
    return flat(text).translate(_FOLD)


def named_parts(
    printed: PrintedExam,
    pieces: list[Piece],
    unplaced: list[tuple[int, int]],
    aligned: CopyAlignment,
    text: str,
) -> tuple[list[Piece], list[tuple[int, int]]]:
    """``pieces`` and ``unplaced`` with the writing that names a part not found in print moved
    to that part (as ``cell``, ``text`` and ``label`` pieces)."""
    missing = {_key(p.prompt.label): p.prompt.part_id for p in printed.parts if not p.found}
    missing.pop("", None)
    targets = {p.prompt.part_id: p.prompt.targets for p in printed.parts}
    if not missing:
        return pieces, unplaced
    printed_names = _printed_names(aligned, text, missing)
    out: list[Piece] = []
    left: list[tuple[int, int]] = []
    for piece in pieces:
        if piece.kind != "text":
            out.append(piece)
            continue
        found, rest = _take(piece.start, piece.end, text, missing, printed_names)
        out += _split_values(found, targets, text)
        out += [Piece(piece.part, "text", piece.slot, a, b, text[a:b]) for a, b in rest]
    for a, b in unplaced:
        found, rest = _take(a, b, text, missing, printed_names)
        out += _split_values(found, targets, text)
        left += rest
    return out, left


def _printed_names(aligned: CopyAlignment, text: str, missing: dict[str, str]) -> dict[int, str]:
    """Copy lines whose printed text names exactly one of the missing parts: line -> part."""
    line_of = line_numbers(text, aligned.tokens)
    names: dict[int, set[str]] = {}
    for j, token in enumerate(aligned.tokens):
        if aligned.printed[j] >= 0 and token.content:
            part = missing.get(_key(token.text))
            if part is not None:
                names.setdefault(line_of[j], set()).add(part)
    return {line: next(iter(parts)) for line, parts in names.items() if len(parts) == 1}


def _take(
    start: int,
    end: int,
    text: str,
    missing: dict[str, str],
    printed_names: dict[int, str],
) -> tuple[list[Piece], list[tuple[int, int]]]:
    """The pieces of ``[start, end)`` that name a missing part, and what is left."""
    found: list[Piece] = []
    rest: list[tuple[int, int]] = []
    pos = start
    for a, b in _lines(text, start, end):
        line_start = text.rfind("\n", 0, a) + 1
        row = text.count("\n", 0, a)
        pieces: list[Piece] = []
        if not text[line_start:a].strip():
            pieces = _own_row(text, a, b, missing)
        elif row in printed_names:
            pieces = [Piece(printed_names[row], "text", "named", a, b, text[a:b])]
        if not pieces:
            continue
        if pos < a:
            rest.append((pos, a))
        found += pieces
        pos = b
    if pos < end:
        rest.append((pos, end))
    return found, [(a, b) for a, b in rest if text[a:b].strip()]


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        a, b = start + m.start(), start + m.end()
        if text[a:b].strip():
            out.append((a, b))
    return out


def _own_row(text: str, a: int, b: int, missing: dict[str, str]) -> list[Piece]:
    """A line the student wrote that starts with a missing part's label: the label as a
    ``label`` piece, then the row's cells under their headers, or the line's rest."""
    m = _HEAD_RE.match(text, a, b)
    if m is None:
        return []
    part = missing.get(_key(m.group("name")))
    if part is None:
        return []
    if "|" in text[a:b] and not text[m.end() : b].strip(" \t|"):
        # the student's row with its cells left empty: nothing written
        return [Piece(part, "label", "empty row", a, b, text[a:b])]
    value_start = m.end()
    while value_start < b and text[value_start] in " \t|:->→=,":
        value_start += 1
    out = [Piece(part, "label", "", a, value_start, text[a:value_start])]
    if value_start >= b:
        return out  # the values may follow on the next lines: not read as an empty row
    if "|" not in text[a:b]:
        return [*out, Piece(part, "text", "named", value_start, b, text[value_start:b])]
    headers = _headers(text, a, missing)
    cells = _cells(text, value_start, b)
    for k, (x, y) in enumerate(cells, start=1):
        header = headers[k] if k < len(headers) else ""
        out.append(Piece(part, "cell", header, x, y, text[x:y]))
    return out


def _cells(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The non-empty cells of a row's rest, ``[start, end)`` each."""
    out = []
    for m in re.finditer(r"[^|]+", text[a:b]):
        x, y = a + m.start(), a + m.end()
        while x < y and text[x].isspace():
            x += 1
        while y > x and text[y - 1].isspace():
            y -= 1
        out.append((x, y))
    return [(x, y) for x, y in out if x < y] if out else []


def _headers(text: str, a: int, missing: dict[str, str]) -> list[str]:
    """The header row of the student's table above the row at ``a``: the nearest row above
    (rule rows skipped) whose first cell names no part."""
    lines = text[:a].rstrip("\n").split("\n")
    for line in reversed(lines[-12:]):
        if not line.strip() or "|" not in line:
            return []
        if _RULE_RE.match(line):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and _key(cells[0]) not in missing and not _has_digits(cells):
            return cells
    return []


def _has_digits(cells: Sequence[str]) -> bool:
    return any(t.kind == "number" for c in cells for t in tokenize(c))


_COMMENT_RE = re.compile(r"\s*(?:#+|//|%|--)\s*")


def _split_values(
    pieces: list[Piece], targets: dict[str, tuple[TargetSlot, ...]], text: str
) -> list[Piece]:
    """A line of several values for a part of as many targets (``8x32x32, 224 params``)
    gives one value per target, as cells under the target's name: a value with a word
    naming a target is that target's, the others follow the targets' order (the order the
    question asks them in). A comment marker before the values is left out."""
    out: list[Piece] = []
    for piece in pieces:
        wanted = targets.get(piece.part, ())
        if piece.kind != "text" or piece.slot != "named":
            out.append(piece)
            continue
        lead = _COMMENT_RE.match(text, piece.start, piece.end)
        start = lead.end() if lead else piece.start
        if text[piece.start : start].strip():  # the marker stays accounted for
            out.append(
                Piece(piece.part, "label", "", piece.start, start, text[piece.start : start])
            )
        spans = [
            (start + m.start(), start + m.end())
            for m in re.finditer(r"[^,;]+", text[start : piece.end])
            if m.group(0).strip()
        ]
        if len(wanted) < 2 or len(spans) != len(wanted):
            out.append(
                Piece(piece.part, "text", "named", start, piece.end, text[start : piece.end])
            )
            continue
        names = _assign(wanted, [text[a:b] for a, b in spans])
        for (a, b), name in zip(spans, names, strict=True):
            while a < b and text[a].isspace():
                a += 1
            out.append(Piece(piece.part, "cell", name, a, b, text[a:b]))
    return out


def _assign(targets: Sequence[TargetSlot], values: Sequence[str]) -> list[str]:
    """The target name for each value: named by a word in it, else the next in order."""
    names: list[str] = ["" for _ in values]
    for k, value in enumerate(values):
        words = set(re.findall(r"[a-z]+", value.lower()))
        hits = [t.name for t in targets if words & ({t.name.lower(), t.symbol.lower()} - {""})]
        if len(hits) == 1 and hits[0] not in names:
            names[k] = hits[0]
    free = [t.name for t in targets if t.name not in names]
    return [name or free.pop(0) for name in names]
