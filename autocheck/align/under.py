"""Writing under a table whose cells are a question's parts.

A student short of room in a cell, or who worked below the table, writes under it: a list by
the rows' numbers (``1) 391``, ``Part 2: 224``, placed by :mod:`autocheck.align.own_labels`),
or the values as equations named by the parts' symbols (``∂L/∂w = x · 12 = 24``,
``Forward: z = 2.5, h = 2.5``). A named equation answers the part of its symbol when that
part's own cell holds no value; where the cell has one, it is that value's working. What is
left names no part: it is no part's answer, and when it holds a number while a numeric part
of the question has none (any word, for a part answered in words), that part goes to a
person rather than being blank.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from autocheck.align.place import Piece
from autocheck.align.printed import PrintedExam, PrintedPart

__all__ = ["UnderTables", "symbol_key", "under_tables"]

UNDER_DOUBT = (
    "writing under the table names no part, and this part's cell holds no value: a person "
    "must say whether the writing answers it"
)
# where a named equation may start: a line's start, after a comma or a semicolon outside
# brackets and not inside a number (``1,216``), past a heading word ("Forward:"), arrows and
# bullets
_SEPARATOR_RE = re.compile(r"\n|;|,(?!\d{3}(?!\d))")
_LEAD_RE = re.compile(r"[\s↓→⇒⟶*>\-]*(?:[A-Za-z][A-Za-z ]{0,20}:\s*)?")
_NAME_RE = re.compile(r"([^=<>]{1,60}?)\s*=(?!=)")
# a value named with a colon, "h: 2.5" (tried before a heading word is taken off)
_COLON_NAME_RE = re.compile(r"[\s↓→⇒⟶*>\-]*([^:=\n]{1,60}?)\s*:(?!=)")
# what names no value: a reference to a question, the markup of a table's end in the
# copy's format (``\hline \end{tabular}``, ``</table>``)
_NO_VALUE_RE = re.compile(
    r"\b(?:q|question|problem|part)\s*\d+\b|\\[A-Za-z]+(?:\{[A-Za-z*]*\})?|</?[A-Za-z][^<>]*>",
    re.I,
)


@dataclass(frozen=True)
class UnderTables:
    """The pieces with the writing under tables placed, and the parts a person must read (by
    part id, with the reason)."""

    pieces: list[Piece]
    reviews: dict[str, str]


def symbol_key(symbol: str) -> str:
    """A symbol as written any way (``\\frac{\\partial L}{\\partial w}``, ``∂L/∂w``,
    ``dL/dw``, ``$w_2$``): one key."""
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"\1/\2", symbol)
    s = re.sub(r"\\partial|∂|𝜕", "d", s)
    s = re.sub(r"\\(?:mathrm|text|mathit|operatorname)\b|\\(?:begin|end)\{[^{}]*\}", "", s)
    return re.sub(r"[\s${}_\\*&]", "", s)


def _symbols(part: PrintedPart) -> set[str]:
    forms = {s for t in part.prompt.targets for s in (t.symbol, *t.aliases) if s}
    return {symbol_key(s) for s in forms} - {""}


def _numeric(part: PrintedPart) -> bool:
    return any(t.numeric for t in part.prompt.targets)


def _has_value(pieces: Sequence[Piece], numeric: bool = True) -> bool:
    """Whether the pieces hold a value: a number for a numeric part, else any word."""
    found = r"\d" if numeric else r"\w"
    return any(p.kind in ("cell", "text", "blank") and re.search(found, p.text) for p in pieces)


def under_tables(printed: PrintedExam, pieces: list[Piece], text: str) -> UnderTables:
    """Place the writing under each question's table (see the module's docstring)."""
    under = [p for p in pieces if p.kind == "text" and p.slot == "under"]
    if not under:
        return UnderTables(pieces, {})
    out = [p for p in pieces if not (p.kind == "text" and p.slot == "under")]
    reviews: dict[str, str] = {}
    for piece in under:
        question = printed.part(piece.part).prompt.question
        rows = [
            p
            for p in printed.parts
            if p.table and p.prompt.question == question and not p.prompt.options
        ]
        named, rest = _named(piece, rows, out, text)
        out += named
        out += [Piece(piece.part, "label", "", a, b, text[a:b]) for a, b in rest]
        left = [Piece("", "text", "", a, b, _NO_VALUE_RE.sub(" ", text[a:b])) for a, b in rest]
        for row in rows:
            own = [p for p in out if p.part == row.prompt.part_id]
            numeric = _numeric(row)
            if _has_value(left, numeric) and not _has_value(own, numeric):
                reviews.setdefault(row.prompt.part_id, UNDER_DOUBT)
    return UnderTables(out, reviews)


def _named(
    piece: Piece, rows: Sequence[PrintedPart], placed: Sequence[Piece], text: str
) -> tuple[list[Piece], list[tuple[int, int]]]:
    """The equations of ``piece`` named by the symbol of exactly one of ``rows`` whose own
    pieces hold no value (as ``named`` text pieces), and the spans that name none (an
    equation naming a part that has a value is its working, and names none to place)."""
    by_symbol: dict[str, list[PrintedPart]] = {}
    for row in rows:
        for key in _symbols(row):
            by_symbol.setdefault(key, []).append(row)
    empty = {
        row.prompt.part_id
        for row in rows
        if not _has_value([p for p in placed if p.part == row.prompt.part_id], _numeric(row))
    }
    named: list[Piece] = []
    rest: list[tuple[int, int]] = []
    for c_start, c_end in _clauses(piece.text):
        colon = _COLON_NAME_RE.match(piece.text, c_start, c_end)
        owners = by_symbol.get(symbol_key(colon.group(1)), []) if colon else []
        body = colon.start(1) if owners and colon else c_start
        if not owners:
            lead = _LEAD_RE.match(piece.text, c_start, c_end)
            body = lead.end() if lead else c_start
            name = _NAME_RE.match(piece.text, body, c_end)
            owners = by_symbol.get(symbol_key(name.group(1)), []) if name else []
        a, b = piece.start + c_start, piece.start + c_end
        if len(owners) == 1 and owners[0].prompt.part_id in empty:
            start = piece.start + body
            part_id = owners[0].prompt.part_id
            named.append(Piece(part_id, "text", "named", start, b, text[start:b]))
            if start > a:
                named.append(Piece(part_id, "label", "", a, start, text[a:start]))
            continue
        if len(owners) == 1:  # the working of a part that has its value
            named.append(Piece(owners[0].prompt.part_id, "label", "", a, b, text[a:b]))
        else:
            rest.append((a, b))
    return named, rest


def _clauses(text: str) -> list[tuple[int, int]]:
    """``text`` cut at its separators outside brackets: ``(start, end)`` of each non-empty
    clause."""
    cuts = [0]
    depth = 0
    for pos, char in enumerate(text):
        depth += char in "([{"
        depth -= depth > 0 and char in ")]}"
        if char == "\n" or (depth == 0 and _SEPARATOR_RE.match(text, pos)):
            cuts += [pos, pos + 1]
    cuts.append(len(text))
    return [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=True) if text[a:b].strip()]
