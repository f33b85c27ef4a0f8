"""The tables of the printed exam: their rows and cells, and the cells a table part writes in.

A row is the list of its separator tokens (Markdown pipes, HTML cell tags, LaTeX ``&`` and
``\\\\``); rows on nearby lines make a table (:func:`group_tables`). A part printed as a table row
writes in the cells of the row its label names, or in the one cell under the column the key
names (:func:`part_cells`), looked for only in the tables under its own question's header
(:func:`table_scopes`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from autocheck.align.headers import Header, question_scopes
from autocheck.align.model import PartPrompt
from autocheck.align.tokens import Token

__all__ = ["Cell", "cell_text", "flat", "group_tables", "part_cells", "table_rows", "table_scopes"]


@dataclass(frozen=True)
class Cell:
    """An empty printed table cell to write in: between the separator tokens ``left`` and
    ``right``, under the column ``header``, the ``index``-th cell of the row whose first cell
    reads ``row`` (so the copy's own row can be read in any table format)."""

    left: int
    right: int
    header: str
    row: str = ""
    index: int = 0


def table_rows(tokens: Sequence[Token], line_of: Sequence[int]) -> list[list[int]]:
    """Rows of tables: each row is the list of its separator token indices. A
    Markdown row is the separators on one line; an HTML or LaTeX row ends at ``</tr>``/``\\\\``;
    the separator line of a Markdown table (``|---|``) is no row."""
    rows: list[list[int]] = []
    current: list[int] = []
    for i, t in enumerate(tokens):
        if t.kind != "cell":
            continue
        ends_row = t.text.startswith("</") or t.text == "\\\\"
        if current and not ends_row and line_of[current[-1]] != line_of[i] and "|" in t.text:
            rows.append(current)
            current = []
        current.append(i)
        if ends_row:
            rows.append(current)
            current = []
    if current:
        rows.append(current)
    return [r for r in rows if len(r) >= 2 and not _rule_row(r, tokens)]


def group_tables(rows: list[list[int]], line_of: Sequence[int]) -> list[list[list[int]]]:
    """Rows grouped into tables: a table ends where a line without a row comes between rows."""
    tables: list[list[list[int]]] = []
    for row in rows:
        if tables and line_of[row[0]] - line_of[tables[-1][-1][-1]] <= 2:
            tables[-1].append(row)
        else:
            tables.append([row])
    return [t for t in tables if len(t) >= 2]


def table_scopes(
    parts: Sequence[PartPrompt],
    heads: list[Header],
    tables: list[list[list[int]]],
    tokens: Sequence[Token],
    size: int,
) -> dict[str, list[list[list[int]]]]:
    """The tables each part's row may be read in: those printed under its own question's
    header. Two questions whose tables both number their rows 1 to 4 each keep their own; a
    part whose question's header is not found, while the region it falls back to belongs to
    another question, reads no table here (its row is then looked for as a label, and not
    found, goes to a person) rather than another question's row of the same name."""
    if not tables or not any(p.question for p in parts):
        return {p.part_id: tables for p in parts}
    scopes = question_scopes(parts, heads, size)
    out: dict[str, list[list[list[int]]]] = {}
    for part, scope in zip(parts, scopes, strict=True):
        if scope is None:
            out[part.part_id] = tables
            continue
        out[part.part_id] = [
            rows
            for rows in tables
            if any(a <= tokens[rows[0][0]].start < b and w >= 1.0 for a, b, w in scope)
        ]
    return out


def _rule_row(row: list[int], tokens: Sequence[Token]) -> bool:
    inside = [t for t in tokens[row[0] + 1 : row[-1]] if t.kind != "cell"]
    return bool(inside) and all(t.text in "-:=" for t in inside)


def cell_text(tokens: Sequence[Token], left: int, right: int) -> str:
    return " ".join(t.text for t in tokens[left + 1 : right] if t.kind not in ("markup",))


def part_cells(
    part: PartPrompt, tables: list[list[list[int]]], tokens: Sequence[Token]
) -> tuple[Cell, ...]:
    """The cells a table part writes in: the cell of ``part.column`` in the row named by its
    label, or every cell but the first of that row (a part per row)."""
    if not part.label:
        return ()
    for rows in tables:
        row = _row_named(part.label, rows[1:], tokens)
        if row is None:
            continue
        head = rows[0]
        headers = [cell_text(tokens, a, b) for a, b in itertools.pairwise(head)]
        name = cell_text(tokens, row[0], row[1])
        cells = [
            Cell(a, b, headers[k] if k < len(headers) else "", name, k)
            for k, (a, b) in enumerate(itertools.pairwise(row))
        ][1:]
        if not part.column:
            return tuple(cells)
        want = flat(part.column)
        best = max(cells, key=lambda c: fuzz.ratio(flat(c.header), want), default=None)
        if best is not None and fuzz.ratio(flat(best.header), want) >= 70:
            return (best,)
    return ()


def flat(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _row_named(label: str, rows: list[list[int]], tokens: Sequence[Token]) -> list[int] | None:
    """The row whose first cell is the label: equal, else starting with it, else similar."""
    want = flat(label)
    firsts = [(row, flat(cell_text(tokens, row[0], row[1]))) for row in rows]
    for row, first in firsts:
        if first == want:
            return row
    starting = [(len(first), row) for row, first in firsts if first.startswith(want)]
    if starting:
        return min(starting)[1]
    scored = [(fuzz.ratio(first, want), row) for row, first in firsts]
    best = max(scored, default=None, key=lambda x: x[0])
    return best[1] if best is not None and best[0] >= 80 else None
