"""Place each piece of a copy's writing where it sits in the print: in which part, and there
on which printed option (a mark), in which blank, or in which table cell.

A run of writing (:class:`~autocheck.align.diff.Run`) is placed by the printed position it was
written at. Inside a table part's cell it fills that cell; otherwise it belongs to the part
whose printed text precedes it (writing follows its question). Inside the part, a run made
only of marks (a circle, a box, a tick, an underline, a bracket or bold around a printed
option, a cross in a checkbox) marks the option it touches, and a strike-through crosses it
out; a run that replaced or follows a printed blank fills that blank; anything else is the
part's free writing, split into blocks at blank lines so that lists and continuations can be
recognised later.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Collection, Sequence, Set
from dataclasses import dataclass

from autocheck.align.diff import CopyAlignment, Run
from autocheck.align.printed import Option, PrintedExam, PrintedPart
from autocheck.align.tables import Cell, cell_text, flat, table_rows
from autocheck.align.tokens import MARK_COMMANDS, STRIKE_COMMANDS, Token, line_numbers

__all__ = ["Piece", "place"]

_WRAPPERS = frozenset("{}()[]") | {"**", "*", "~~", "$", "$$", "_"}
# marks written after what they mark: a tick, an arrow pointing back at the option
_POSTFIX = frozenset(
    ("\\checkmark", "\\tick", "\\surd", "\\leftarrow", "\\longleftarrow", "\\Leftarrow")
)
_CHECK_LETTERS = frozenset(("x", "v", "×", "✓"))
_BLOCK_BREAK_RE = re.compile(r"\n\s*\n|\n\s*(?:-{3,}|\*{3,}|_{3,})\s*(?:\n|$)")


@dataclass(frozen=True)
class Piece:
    """A piece of the student's writing placed in a part: ``kind`` is ``text``, ``blank``
    (``slot``: the blank's index in the part), ``cell`` (``slot``: the column header),
    ``mark`` (``slot``: the option's name; ``crossed``: a strike-through), ``box`` (in the
    part's row of a final-answers box printed apart from it) or ``sheet``
    (written on a numbered answer sheet's line that no part could be given, ``part`` empty).
    ``start``/``end`` is its span in the copy."""

    part: str
    kind: str
    slot: str
    start: int
    end: int
    text: str
    crossed: bool = False


def place(
    printed: PrintedExam, aligned: CopyAlignment, text: str
) -> tuple[list[Piece], list[tuple[int, int]]]:
    """The pieces of writing by part, in copy order, and the spans of writing that belong to
    no part (before the first part: a cover page, a name)."""
    flowing = sorted((p for p in printed.parts if p.found and not p.table), key=lambda p: p.start)
    starts = [p.start for p in flowing]
    pieces, read = _copy_cells(printed, aligned, text)
    unplaced: list[tuple[int, int]] = []
    runs = list(reversed(aligned.runs))
    while runs:
        run = runs.pop()
        unread = _unread(run, read, aligned)
        if unread is None:  # inside a table cell read from the copy's own row
            owner = next((read[j] for j in range(run.j1, run.j2) if j in read), "")
            if owner and not all(j in read for j in range(run.j1, run.j2)):
                a, b = aligned.tokens[run.j1].start, aligned.tokens[run.j2 - 1].end
                pieces.append(Piece(owner, "label", "", a, b, text[a:b]))  # its border
            continue
        run = unread
        tokens = aligned.tokens[run.j1 : run.j2]
        start, end = tokens[0].start, tokens[-1].end
        if _misread_print(printed, run, aligned, text):
            unplaced.append((start, end))  # the OCR's reading of a printed word, not writing
            continue
        cell = _cell_of(printed, run)
        if cell is not None:
            part, kind, column = cell
            pieces.append(Piece(part, kind, column, start, end, text[start:end]))
            continue
        beside = _after_row(printed, run, aligned, text)
        if beside is not None:  # on a row's line after its last border: the row's
            line, rest = _first_line(run, aligned, text)
            if rest is not None:
                runs.append(rest)
                end = aligned.tokens[line.j2 - 1].end
            pieces.append(Piece(beside[0], "text", beside[1], start, end, text[start:end]))
            continue
        near = _near_table(printed, run.at)
        if near is not None:
            pieces.append(Piece(near[0], "text", near[1], start, end, text[start:end]))
            continue
        slot = _slot_elsewhere(printed, run, aligned, text)
        field = slot is None and _fills(printed.fields, run, aligned, text)
        sheet = slot is None and not field and _fills(printed.sheet, run, aligned, text)
        if slot is not None or field or sheet:
            # what fills a sheet's or a field's blank is on its line; the lines after it are
            # writing of their own (an answer continued at the top of the next page)
            line, rest = _first_line(run, aligned, text)
            if rest is not None:
                runs.append(rest)
                end = aligned.tokens[line.j2 - 1].end
            if slot is not None:
                pieces.append(Piece(slot[0], "blank", str(slot[1]), start, end, text[start:end]))
            elif sheet:  # a line of a sheet no part could be given: whose, a person says
                pieces.append(Piece("", "sheet", "", start, end, text[start:end]))
            else:
                unplaced.append((start, end))  # a name or a student number, no answer
            continue
        k = bisect.bisect_left(starts, run.at) - 1
        if (
            k + 1 < len(flowing)
            and starts[k + 1] == run.at
            and printed.tokens[run.at].kind == "blank"
            and _opens_line(run, aligned, text)
        ):
            k += 1  # the part's line opens with a blank to write in ("____ 1. Dropout")
        elif (
            k + 1 < len(flowing)
            and starts[k + 1] == run.at
            and run.at in flowing[k + 1].blanks
            and run.over > run.at
        ):
            k += 1  # written over the blank a part is (a cloze paragraph's "(1) ______")
        if k < 0:
            unplaced.append((start, end))
            continue
        pieces.extend(_in_part(printed, flowing[k], run, aligned, text))
    return pieces, unplaced


def _unread(run: Run, read: dict[int, str], aligned: CopyAlignment) -> Run | None:
    """The run without the tokens of table cells already read from the copy's own rows, or
    ``None`` when nothing else is written in it: a cell's working that the alignment ran on
    into the table's border (``224 |``) is not read a second time."""
    if not any(j in read for j in range(run.j1, run.j2)):
        return run
    rest = [
        j
        for j in range(run.j1, run.j2)
        if j not in read and aligned.tokens[j].kind not in ("cell", "markup")
    ]
    if not rest:
        return None
    return Run(rest[0], rest[-1] + 1, run.at, run.over)


def _first_line(run: Run, aligned: CopyAlignment, text: str) -> tuple[Run, Run | None]:
    """The run's tokens on its first line, and the rest (placed after what it replaced)."""
    toks = aligned.tokens
    for j in range(run.j1 + 1, run.j2):
        if "\n" in text[toks[j - 1].end : toks[j].start]:
            return Run(run.j1, j, run.at, run.over), Run(j, run.j2, run.over, run.over)
    return run, None


def _opens_line(run: Run, aligned: CopyAlignment, text: str) -> bool:
    """Writing that starts its line and is followed on that line by the part's first printed
    tokens (or written over them): "B 1. Dropout", over the blank printed before the label,
    answers item 1, not the item before."""
    first = aligned.tokens[run.j1]
    if text[text.rfind("\n", 0, first.start) + 1 : first.start].strip(" \t-*>"):
        return False  # something printed precedes it on its line: it ends that line's part
    if run.over > run.at:
        return True
    j = aligned.matched[run.at] if run.at < len(aligned.matched) else -1
    if j < run.j2:
        return False
    return "\n" not in text[aligned.tokens[run.j2 - 1].end : aligned.tokens[j].start]


def _cell_of(printed: PrintedExam, run: Run) -> tuple[str, str, str] | None:
    """The part, ``cell`` or ``box`` and column header of the table cell the run is in: a
    table part's cell, or the row of a part's final-answers box."""
    for part in printed.parts:
        for cell in part.cells:
            if cell.left < run.at <= cell.right:
                return part.prompt.part_id, "cell", cell.header
        if any(cell.left < run.at <= cell.right for cell in part.boxes):
            return part.prompt.part_id, "box", ""
    return None


def _copy_cells(
    printed: PrintedExam, aligned: CopyAlignment, text: str
) -> tuple[list[Piece], dict[int, str]]:
    """The table parts' cells read from the copy's own rows: the row whose first cell reads
    like the printed row's, its cell at the printed cell's position. This holds whatever the
    table's format in the copy (Markdown, HTML, LaTeX) and however its separators aligned.
    Returns the pieces and the copy tokens read, with the part they were read for."""
    cells = [(p.prompt.part_id, c) for p in printed.parts for c in p.cells]
    if not cells:
        return [], {}
    line_of = line_numbers(text, aligned.tokens)
    rows = table_rows(aligned.tokens, line_of)
    names = [flat(cell_text(aligned.tokens, r[0], r[1])) for r in rows]
    pieces: list[Piece] = []
    read: dict[int, str] = {}
    for part_id, cell in cells:
        row = _copy_row(printed, aligned, cell, rows, names)
        if row is None or cell.index + 1 >= len(row):
            continue
        a, b = row[cell.index], row[cell.index + 1]
        read.update(dict.fromkeys(range(a + 1, b), part_id))
        inside = aligned.tokens[a + 1 : b]
        if inside:
            start, end = inside[0].start, inside[-1].end
            pieces.append(Piece(part_id, "cell", cell.header, start, end, text[start:end]))
    for part in printed.parts:
        beside = _beside_row(part, rows, names, aligned.tokens, line_of)
        read.update(
            dict.fromkeys(beside, part.prompt.part_id)
        )  # the separators of the cells the student added too
        written = [j for j in beside if aligned.tokens[j].kind not in ("cell", "markup")]
        if written:
            start, end = aligned.tokens[written[0]].start, aligned.tokens[written[-1]].end
            pieces.append(Piece(part.prompt.part_id, "text", "", start, end, text[start:end]))
    return pieces, read


def _misread_print(printed: PrintedExam, run: Run, aligned: CopyAlignment, text: str) -> bool:
    """A printed word or number the OCR misread inside its line (``Page 2 ot 3``,
    ``Page 2 of 8``): the run stands in for as many printed words, not blanks, on the same
    copy line as the line's print before it, and before the rest of that line (or, at the
    line's end, as words of the same kinds). It is no writing of the part before it (a page
    header's number read as that part's final value)."""
    replaced = printed.tokens[run.at : run.over]
    written = aligned.tokens[run.j1 : run.j2]
    if not replaced or len(replaced) > 2 or len(written) > len(replaced) or run.at == 0:
        return False
    if not all(t.content for t in (*replaced, *written)):
        return False
    line = printed.lines[run.at - 1]
    before = aligned.matched[run.at - 1]
    if before < 0 or printed.lines[run.over - 1] != line:
        return False
    if "\n" in text[aligned.tokens[before].end : written[0].start]:
        return False
    if run.over < len(printed.tokens) and printed.lines[run.over] == line:
        after = aligned.matched[run.over]
        return after >= 0 and "\n" not in text[written[-1].end : aligned.tokens[after].start]
    # at the line's end: the same kinds of words, and nothing after them on the copy's line
    rest = text[written[-1].end :].split("\n", 1)[0]
    kinds = [t.kind for t in replaced[: len(written)]] == [t.kind for t in written]
    return kinds and not rest.strip()


def _after_row(
    printed: PrintedExam, run: Run, aligned: CopyAlignment, text: str
) -> tuple[str, str] | None:
    """Writing that starts on a table row's line after the row's last border
    (``| 2 | Parameters of conv1 | | 224``): the part of that row, or, on a row of several
    parts, ``under`` the table (placed by the symbols it names, else a person's)."""
    p = run.at - 1
    if p < 0 or printed.tokens[p].kind != "cell":
        return None
    line = printed.lines[p]
    if p + 1 < len(printed.tokens) and printed.lines[p + 1] == line:
        return None  # not the row's last border
    owners = [
        part.prompt.part_id
        for part in printed.parts
        if part.table
        and not part.prompt.options
        and any(printed.lines[c.left] == line for c in part.cells)
    ]
    j = aligned.matched[p]
    if not owners or j < 0 or "\n" in text[aligned.tokens[j].end : aligned.tokens[run.j1].start]:
        return None
    return (owners[0], "") if len(owners) == 1 else (owners[-1], "under")


def _near_table(printed: PrintedExam, at: int) -> tuple[str, str] | None:
    """Writing beside a table part's cells: right before its cell (at the end of the row's
    question cell), it is that part's; under the last row of a question's table, before the
    next part or question header, it is ``under`` the table, the question's (``(part id,
    slot)`` of the question's last table part), for the student's labels and named values
    to place."""
    rows = [p for p in printed.parts if p.table]
    if not rows:
        return None
    for part in rows:
        if any(c.left == at for c in part.cells):
            return part.prompt.part_id, ""
    tables: dict[str, PrintedPart] = {}
    for part in rows:
        if part.prompt.question not in tables or tables[part.prompt.question].end < part.end:
            tables[part.prompt.question] = part
    if any(
        min(p.start for p in rows if p.prompt.question == q) <= at < last.end
        for q, last in tables.items()
    ):
        return None  # inside a table, in no cell of a part
    before = [last for last in tables.values() if last.end <= at]
    if not before:
        return None
    last = max(before, key=lambda p: p.end)
    if any(last.end <= p.start < at for p in printed.parts if p.found and p is not last):
        return None
    if any(last.end <= h < at for h in printed.headers):
        return None
    return last.prompt.part_id, "under"


def _copy_row(
    printed: PrintedExam,
    aligned: CopyAlignment,
    cell: Cell,
    rows: Sequence[Sequence[int]],
    names: Sequence[str],
) -> Sequence[int] | None:
    """The copy's row of a printed cell: the one row named like it; or, where the print names
    several rows alike (each question's table numbering its rows 1 to 4), the copy's row whose
    words are most those of this printed row rather than of the others of its name. A row
    no printed word ties to this one gives none: the writing is read by where it aligned,
    never from another question's row of that name (a copy whose second table is missing)."""
    want = flat(cell.row)
    named = [r for r, n in zip(rows, names, strict=True) if want and n == want]
    alike = {printed.lines[c.left] for p in printed.parts for c in p.cells if flat(c.row) == want}
    if len(alike) <= 1 and len(named) <= 1:
        return named[0] if named else None
    line = printed.lines[cell.left]
    homes = [_home_line(r, aligned, printed, alike) for r in named]
    mine = [r for r, home in zip(named, homes, strict=True) if home == line]
    return mine[0] if len(mine) == 1 else None


def _home_line(
    row: Sequence[int], aligned: CopyAlignment, printed: PrintedExam, lines: Set[int]
) -> int:
    """Which of the printed ``lines`` a copy's row matched most words of (-1: none, or a
    tie)."""
    votes = Counter(
        printed.lines[aligned.printed[j]]
        for j in range(row[0], row[-1] + 1)
        if aligned.printed[j] >= 0 and printed.lines[aligned.printed[j]] in lines
    ).most_common(2)
    if not votes or (len(votes) > 1 and votes[0][1] == votes[1][1]):
        return -1
    return votes[0][0]


def _beside_row(
    part: PrintedPart,
    rows: Sequence[Sequence[int]],
    names: Sequence[str],
    tokens: Sequence[Token],
    line_of: Sequence[int],
) -> list[int]:
    """The copy tokens a choice part's row holds after its printed last cell, separators
    included: a cell the student added (``| B1 | | | | | B |``) or writing after the row's
    last separator. A letter written beside the row instead of a cross in its column is the
    row's answer."""
    if not part.prompt.options or part.prompt.column or not part.cells:
        return []
    want = flat(part.cells[-1].row)
    row = next((r for r, n in zip(rows, names, strict=True) if want and n == want), None)
    last = part.cells[-1].index + 1
    if row is None or last >= len(row):
        return []
    out = []
    for j in range(row[last], len(tokens)):
        if j > row[-1] and (tokens[j].kind == "cell" or line_of[j] != line_of[row[-1]]):
            break  # the next row
        out.append(j)
    return out


def _in_part(
    printed: PrintedExam,
    part: PrintedPart,
    run: Run,
    aligned: CopyAlignment,
    text: str,
) -> list[Piece]:
    tokens = aligned.tokens[run.j1 : run.j2]
    pid = part.prompt.part_id
    start, end = tokens[0].start, tokens[-1].end
    if part.options and _marks_only(printed, run, tokens):
        option = _option_at(part.options, run.at, tokens)
    else:
        option = _rewritten_option(part.options, run, tokens)
    if option is not None:
        crossed = any(t.norm == "~~" or t.text in STRIKE_COMMANDS for t in tokens)
        return [Piece(pid, "mark", option.name, start, end, text[start:end], crossed)]
    blank = _blank_at(part, run, aligned, text)
    if blank is not None:
        return [Piece(pid, "blank", str(blank), start, end, text[start:end])]
    return [Piece(pid, "text", "", a, b, text[a:b]) for a, b in _blocks(text, start, end)]


def _marks_only(printed: PrintedExam, run: Run, tokens: Sequence[Token]) -> bool:
    """Only marks: ticks, circles, boxes, underlines, strike-throughs, brackets and emphasis
    around printed text, or a cross written into a printed checkbox."""
    ptoks = printed.tokens
    in_box = 0 < run.at < len(ptoks) and ptoks[run.at - 1].norm == "[" and ptoks[run.at].norm == "]"
    for t in tokens:
        if t.kind == "mark" or t.text in MARK_COMMANDS or t.text in STRIKE_COMMANDS:
            continue
        if t.norm in _WRAPPERS or (in_box and t.norm in _CHECK_LETTERS):
            continue
        if t.kind == "blank" and len(t.text) <= 3 and set(t.text) == {"_"}:
            continue  # "__" of an underline (or Markdown bold) round the option
        return False
    return True


_OPENING = frozenset(("{", "(", "[", "**", "*", "~~", "$", "$$", "◯", "●"))


def _option_at(options: Sequence[Option], at: int, tokens: Sequence[Token]) -> Option | None:
    """The option a mark at printed position ``at`` touches: for a mark that opens (a circle
    command, a bracket, emphasis) the option whose label follows it, else the option whose
    zone it closes or sits in (a tick after the option's text)."""
    # a tick or a back-pointing arrow marks what precedes it, whatever wraps it ($\checkmark$)
    postfix = any((t.kind == "mark" and t.norm == "✓") or t.text in _POSTFIX for t in tokens)
    last = next((t for t in reversed(tokens) if t.norm not in ("$", "$$")), tokens[-1])
    opening = not postfix and (last.norm in _OPENING or last.text in MARK_COMMANDS)
    if opening:
        for option in options:
            if at in (option.label, option.start):
                return option
    for option in options:
        if option.start <= at - 1 < option.end:
            return option
    for option in options:
        if option.start <= at < option.end:
            return option
    return None


_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0"})


def _rewritten_option(
    options: Sequence[Option], run: Run, tokens: Sequence[Token]
) -> Option | None:
    """The option a run written over it marks: the option's own text again, as the OCR read
    it with the mark round it (``(2,5O0)`` over the printed ``2,500``)."""
    if run.over <= run.at:
        return None
    inner = "".join(
        t.text
        for t in tokens
        if t.kind != "mark" and t.norm not in _WRAPPERS and t.norm != "~~" and t.kind != "blank"
    ).translate(_LOOKALIKES)
    for option in options:
        within = option.start <= run.at and run.over <= option.end
        if within and inner == option.name.replace(" ", "").translate(_LOOKALIKES):
            return option
    return None


def _slot_elsewhere(
    printed: PrintedExam, run: Run, aligned: CopyAlignment, text: str
) -> tuple[str, int] | None:
    """``(part id, blank index)`` when the run fills a blank printed after a part's label
    outside the part (an answer sheet's line)."""
    for part in printed.parts:
        if not part.elsewhere:
            continue
        k = _blank_at(part, run, aligned, text, part.elsewhere)
        if k is not None:
            return part.prompt.part_id, len(part.blanks) - len(part.elsewhere) + k
    return None


def _fills(blanks: Collection[int], run: Run, aligned: CopyAlignment, text: str) -> bool:
    return bool(blanks) and _blank_at(None, run, aligned, text, sorted(blanks)) is not None


def _blank_at(
    part: PrintedPart | None,
    run: Run,
    aligned: CopyAlignment,
    text: str,
    blanks: Sequence[int] | None = None,
) -> int | None:
    """Which of the part's blanks (or of ``blanks``) the run fills: one it replaced, else one
    it is written right before or after on the same line."""
    indices = blanks if blanks is not None else part.blanks if part is not None else ()
    for k, index in enumerate(indices):
        if run.at <= index < run.over:
            return k
    if run.over != run.at:
        return None
    first, last = aligned.tokens[run.j1], aligned.tokens[run.j2 - 1]
    for k, index in enumerate(indices):
        j = aligned.matched[index]
        if j < 0:
            continue
        blank = aligned.tokens[j]
        if run.at == index + 1 and "\n" not in text[blank.end : first.start]:
            return k
        if run.at == index and "\n" not in text[last.end : blank.start]:
            return k
    return None


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span split at blank lines and horizontal rules, each block trimmed."""
    out = []
    pos = start
    for m in _BLOCK_BREAK_RE.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    trimmed = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed
