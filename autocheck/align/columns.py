"""Two printed columns whose lines the OCR alternates: separated before aligning.

An OCR that reads a two-column page across returns the left column's first line, then the
right column's, and so on, the students' answers included; some keep each row's two lines side
by side on one line instead. Aligned as they come, every part's writing lands in the part
printed last before it, usually the other column's.

The printed exam shows the layout: two question headers on adjacent lines (``1. ...`` then
``2. ...``) open a *band* in which each paragraph's lines alternate between the columns. Each
band is rewritten column by column (:func:`printed_columns`), and accepted only if every
part is then found in the key's order. A copy is rewritten the same way (:func:`separate`): its
lines that match printed lines take their column; a row read side by side is cut at the
columns' gap; writing between printed lines alternates from the left column, the way the
OCR reads a row. Writing whose column the copy does not tell (an odd number of lines under a
row of two prompts: one column wrote a line more, or only one wrote) is placed by that
alternation and sends both parts it could belong to to a person (:func:`restore`), so that no
part is judged, or left blank, on the other column's writing.

Where the print's bands cannot be separated, the parts of the questions printed there go to
a person (:attr:`Columns.interleaved`); so do the parts of a label several parts share that
opens two adjacent printed lines (``(a) ...`` then ``(a) ...``) where no band was recognised.
"""

from __future__ import annotations

import bisect
import itertools
import re
import statistics
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz

from autocheck.align.anchors import label_pattern
from autocheck.align.model import Alignment, AnswerText, PartPrompt, TextSpan
from autocheck.align.own_labels import parse_label
from autocheck.align.printed import PrintedExam, read_printed

__all__ = ["Columns", "Separated", "printed_columns", "restore", "separate"]

#: How alike a copy's line and a printed line must be (rapidfuzz ratio, folded text).
LINE_MATCH = 85
#: The spaces that part the two columns of a row read side by side.
_GAP_RE = re.compile(r"[ \t]{3,}")
_FOLD = str.maketrans({"l": "1", "i": "1", "|": "1", "o": "0"})

EITHER_COLUMN = (
    "writing that could belong to either column (the OCR alternates the two columns' lines, "
    "and this row's lines do not pair up): read which part it answers"
)
NOT_SEPARATED = (
    "the printed exam's two columns arrive with their lines alternated and could not be "
    "separated: read which part the writing answers"
)


@dataclass(frozen=True)
class PrintLine:
    """A printed line of a band: its folded text, band, column (0 left, 1 right), row in the
    band, and its offset in the separated print."""

    text: str
    band: int
    column: int
    row: int
    offset: int


@dataclass(frozen=True)
class Columns:
    """A printed exam with interleaved columns: ``printed`` is the print rewritten column by
    column (``None`` when it could not be); ``lines`` its band lines; ``interleaved`` the parts
    of the questions printed in the bands."""

    printed: PrintedExam | None
    lines: tuple[PrintLine, ...]
    interleaved: frozenset[str]


@dataclass(frozen=True)
class Separated:
    """A copy rewritten column by column: its text, ``segments`` (``(start in text, start in
    the copy, length)``, each a slice of the copy), and ``doubts``: spans of writing whose column
    the copy does not tell, with the printed offsets after which it would sit in either column."""

    text: str
    segments: tuple[tuple[int, int, int], ...]
    doubts: tuple[tuple[tuple[tuple[int, int], ...], tuple[int, ...]], ...]


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).translate(_FOLD)


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    return out


# --- the print -------------------------------------------------------------------------------


def _head_patterns(parts: Sequence[PartPrompt]) -> list[tuple[str, re.Pattern[str]]]:
    """Each question's printed label as a pattern (``1.`` when the key gives none)."""
    patterns = []
    for question in dict.fromkeys(p.question for p in parts if p.question):
        label = next((p.question_label for p in parts if p.question == question), "")
        pattern = label_pattern(label or f"{question}.")
        if pattern is not None:
            patterns.append((question, pattern))
    return patterns


def _question_at(line: str, patterns: Sequence[tuple[str, re.Pattern[str]]]) -> str:
    """The question whose header opens ``line``, or ``""``."""
    stripped = line.strip().lstrip("#*> ")
    return next((q for q, pattern in patterns if pattern.match(stripped)), "")


def _band_starts(heads: Sequence[str]) -> list[int]:
    """Lines that open a band: a question header followed, on the next line, by another
    question's header."""
    return [
        i for i in range(len(heads) - 1) if heads[i] and heads[i + 1] and heads[i] != heads[i + 1]
    ]


def _split_band(rows: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """A band's lines dealt to the two columns, paragraph by paragraph (blank lines are blank
    in both); ``None`` when a paragraph has an odd number of lines."""
    left: list[str] = []
    right: list[str] = []
    block: list[str] = []
    for line in [*rows, ""]:
        if line.strip():
            block.append(line)
            continue
        if len(block) % 2:
            return None
        left += [*block[0::2], ""]
        right += [*block[1::2], ""]
        block = []
    return left, right


def printed_columns(printed: PrintedExam) -> Columns | None:
    """The print's interleaved bands separated into their columns, or ``None`` when the print
    has none."""
    return _columns(printed.text, tuple(p.prompt for p in printed.parts))


@lru_cache(maxsize=32)
def _columns(text: str, parts: tuple[PartPrompt, ...]) -> Columns | None:
    lines = text.split("\n")
    patterns = _head_patterns(parts)
    at = [_question_at(line, patterns) for line in lines]
    starts = _band_starts(at)
    if not starts:
        repeated = _repeated_labels(lines, parts)
        return _failed(text, parts, set(), repeated) if repeated else None
    bounds = [*starts, len(lines)]
    out = lines[: starts[0]]
    band_lines: list[PrintLine] = []
    heads = set(at[starts[0] :]) - {""}  # the questions printed from the first band on
    for band, (a, b) in enumerate(itertools.pairwise(bounds)):
        split = _split_band(lines[a:b])
        if split is None:
            return _failed(text, parts, heads)
        for column, rows in enumerate(split):
            row = 0
            for line in rows:
                if line.strip():
                    offset = sum(len(x) + 1 for x in out)
                    band_lines.append(PrintLine(_fold(line), band, column, row, offset))
                    row += 1
                out.append(line)
    separated = read_printed("\n".join(out), parts)
    if not _all_in_order(separated):
        return _failed(text, parts, heads)
    interleaved = frozenset(p.part_id for p in parts if p.question in heads)
    return Columns(separated, tuple(band_lines), interleaved)


def _repeated_labels(lines: Sequence[str], parts: Sequence[PartPrompt]) -> set[str]:
    """Labels several parts share (``(a)``) that open two adjacent lines of the print: two
    columns read across each other, whose bands were not recognised."""
    shared = [label for label, n in Counter(p.label for p in parts).items() if label and n > 1]
    patterns = [(label, label_pattern(label)) for label in shared]
    opens = [
        next((label for label, pattern in patterns if pattern and pattern.match(line)), "")
        for line in (x.strip().lstrip("#*> ") for x in lines)
    ]
    return {a for a, b in itertools.pairwise(opens) if a and a == b}


def _all_in_order(printed: PrintedExam) -> bool:
    """Whether every part is found in the print, in the key's order."""
    starts = [p.start for p in printed.parts if p.found]
    return len(starts) == len(printed.parts) and starts == sorted(starts)


def _failed(
    text: str, parts: tuple[PartPrompt, ...], heads: Set[str], labels: Set[str] = frozenset()
) -> Columns | None:
    """The print's columns not separated: the parts of the questions printed in its bands, or
    whose label opens two adjacent lines, go to a person; unless the print as it is shows
    every part in order (question headers or labels that only looked like columns)."""
    if _all_in_order(read_printed(text, parts)):
        return None
    doubtful = (p.part_id for p in parts if p.question in heads or p.label in labels)
    return Columns(None, (), frozenset(doubtful))


# --- a copy ----------------------------------------------------------------------------------


@dataclass
class _Frag:
    """A piece of a copy's line: its span, column (``None``: not known yet), the band line it
    is (``None``: writing) and whether it is blank."""

    start: int
    end: int
    column: int | None = None
    line: PrintLine | None = None
    blank: bool = False
    doubt: int = -1


def _match(text: str, columns: Columns, after: int) -> int:
    """The band line a copy's line is (its index in ``columns.lines``), or -1; among equally
    good ones the first after ``after`` (printed lines repeat: ``(a) ...`` in both columns)."""
    folded = _fold(text)
    if not folded:
        return -1
    scores = [fuzz.ratio(folded, line.text) for line in columns.lines]
    best = max(scores, default=0)
    if best < LINE_MATCH:
        return -1
    near = [k for k, s in enumerate(scores) if s >= best - 3]
    return next((k for k in near if k > after), near[0])


def _side_by_side(copy: str, columns: Columns) -> int | None:
    """Where the right column starts on a copy whose rows were read side by side: rows whose
    two sides match a left and a right printed line, two at least."""
    cuts = []
    for a, b in _lines(copy):
        line = copy[a:b]
        for gap in _GAP_RE.finditer(line):
            left, right = (
                _match(line[: gap.start()], columns, -1),
                _match(line[gap.end() :], columns, -1),
            )
            if (
                left >= 0
                and right >= 0
                and columns.lines[left].column < columns.lines[right].column
            ):
                cuts.append(gap.end())
                break
    return int(statistics.median(cuts)) if len(cuts) >= 2 else None


def _fragments(copy: str, columns: Columns) -> list[_Frag]:
    cut = _side_by_side(copy, columns)
    frags = []
    for a, b in _lines(copy):
        line = copy[a:b]
        if not line.strip():
            frags.append(_Frag(a, b, blank=True))
            continue
        if cut is None:
            frags.append(_Frag(a, b))
            continue
        gap = next((g for g in _GAP_RE.finditer(line) if abs(g.end() - cut) <= 4), None)
        indent = len(line) - len(line.lstrip())
        if gap is not None and gap.start() > 0:
            frags += [_Frag(a, a + gap.start(), 0), _Frag(a + gap.end(), b, 1)]
        elif indent >= cut - 4:
            frags.append(_Frag(a + indent, b, 1))
        else:
            frags.append(_Frag(a, b, 0))
    return frags


def separate(copy: str, columns: Columns) -> Separated:
    """The copy rewritten column by column, as :func:`printed_columns` rewrote its print."""
    if columns.printed is None:
        raise ValueError("the print's columns were not separated: there is nothing to follow")
    before: list[_Frag] = []
    bands: dict[int, list[_Frag]] = {}
    last = band = -1
    for frag in _fragments(copy, columns):
        k = -1 if frag.blank else _match(copy[frag.start : frag.end], columns, last)
        if k >= 0:
            frag.line, frag.column, last = columns.lines[k], columns.lines[k].column, k
            band = max(band, frag.line.band)
        elif (
            not frag.blank and frag.column is None and _names_question(copy[frag.start : frag.end])
        ):
            frag.column = 0  # the student's label says where it goes, whatever the column
        (before if band < 0 else bands.setdefault(band, [])).append(frag)
    doubts: list[tuple[int, ...]] = []
    for items in bands.values():
        doubts += _deal(items, len(doubts), copy, columns.printed)
    order = [*before]
    for items in bands.values():
        for column in (0, 1):
            order += [f for f in items if f.blank or f.column == column]
            order.append(_Frag(0, 0, blank=True))
    return _compose(copy, order, doubts)


def _names_question(line: str) -> bool:
    """Whether a line of writing opens with the student's label of a question's part
    (``Q2 (a) 188``): it names its part, its column says nothing."""
    label = parse_label(line)
    return label is not None and label.sure and len(label.comps) >= 2 and label.comps[0].isdigit()


def _one_column(prev: PrintLine | None, nxt: PrintLine | None, across: bool) -> int | None:
    """The column of writing after the printed line ``prev`` and before ``nxt``, when the
    print around it tells: a band read column after column (not ``across``) puts it in the
    column of the print it follows; one read across, where the lines before and after it are
    of one column."""
    if not across:
        return prev.column if prev is not None else 0
    if prev is not None and nxt is not None and prev.column == nxt.column:
        return prev.column
    return None


def _read_across(items: Sequence[_Frag]) -> bool:
    """Whether the OCR read the band across its columns: its printed lines go from the right
    column back to the left one."""
    columns = [f.line.column for f in items if f.line is not None]
    return any(a > b for a, b in itertools.pairwise(columns))


def _deal(items: list[_Frag], first: int, copy: str, printed: PrintedExam) -> list[tuple[int, ...]]:
    """Columns for a band's writing: each stretch of lines between printed lines and blank
    lines alternates from the left, as the OCR reads a row; a stretch of an odd number of
    lines is a doubt, with the printed offsets it would follow in either column, unless each
    of its lines says which of the two parts' values it computes (``dL/db = ...``)."""
    doubts: list[tuple[int, ...]] = []
    across = _read_across(items)
    k = 0
    while k < len(items):
        if items[k].blank or items[k].column is not None:
            k += 1
            continue
        j = k
        while j < len(items) and not items[j].blank and items[j].column is None:
            j += 1
        prev = next((f.line for f in reversed(items[:k]) if f.line), None)
        nxt = next((f.line for f in items[j:] if f.line), None)
        column = _one_column(prev, nxt, across)
        heads = [_last_in(items[:k], c) for c in (0, 1)]
        said = _said(items[k:j], heads, copy, printed) if column is None and (j - k) % 2 else None
        for n, frag in enumerate(items[k:j]):
            frag.column = column if column is not None else said[n] if said else n % 2
            if column is None and (j - k) % 2 and not said:
                frag.doubt = first + len(doubts)
        if column is None and (j - k) % 2 and not said:
            doubts.append(tuple(line.offset for line in heads if line is not None))
        k = j
    return doubts


def _said(
    block: Sequence[_Frag], heads: Sequence[PrintLine | None], copy: str, printed: PrintedExam
) -> list[int] | None:
    """The column of each line of ``block`` when every line opens by naming the value of
    exactly one of the two parts it could answer (``dL/db = 2``: the part whose target is
    written ``dL/db``), else ``None``."""
    symbols = []
    for line in heads:
        pid = _part_at(printed, line.offset) if line is not None else ""
        targets = printed.part(pid).prompt.targets if pid else ()
        symbols.append({re.sub(r"\s+", "", t.symbol) for t in targets if t.symbol})
    out = []
    for frag in block:
        text = copy[frag.start : frag.end]
        said = re.sub(r"\s+", "", text.split("=")[0]) if "=" in text else ""
        named = [c for c in (0, 1) if said and said in symbols[c]]
        if len(named) != 1:
            return None
        out.append(named[0])
    return out


def _last_in(items: Sequence[_Frag], column: int) -> PrintLine | None:
    return next((f.line for f in reversed(items) if f.line and f.column == column), None)


def _compose(copy: str, order: Sequence[_Frag], heads: Sequence[tuple[int, ...]]) -> Separated:
    out: list[str] = []
    segments: list[tuple[int, int, int]] = []
    spans: dict[int, list[tuple[int, int]]] = {}
    pos = 0
    for frag in order:
        if frag.blank and out and not out[-1].strip():
            continue  # one blank line is as good as several
        piece = "" if frag.blank else copy[frag.start : frag.end]
        if piece:
            segments.append((pos, frag.start, len(piece)))
        if frag.doubt >= 0:
            spans.setdefault(frag.doubt, []).append((pos, pos + len(piece)))
        out.append(piece)
        pos += len(piece) + 1
    doubts = tuple((tuple(spans.get(d, ())), offsets) for d, offsets in enumerate(heads))
    return Separated("\n".join(out), tuple(segments), doubts)


# --- back to the copy ------------------------------------------------------------------------


def _pieces(separated: Separated, a: int, b: int) -> list[tuple[int, int]]:
    """The copy's spans that the separated text's ``[a, b)`` is made of."""
    out = []
    for start, orig, length in separated.segments:
        lo, hi = max(a, start), min(b, start + length)
        if lo < hi:
            out.append((orig + lo - start, orig + hi - start))
    return out


def _spans(separated: Separated, copy: str, spans: Sequence[TextSpan]) -> list[TextSpan]:
    return [
        TextSpan(copy[a:b], a, b)
        for span in spans
        for a, b in _pieces(separated, span.start, span.end)
    ]


def _part_at(printed: PrintedExam, offset: int) -> str:
    """The part whose printed region writing after ``offset`` of the print falls in."""
    token = bisect.bisect_right([t.start for t in printed.tokens], offset)
    owners = [p for p in printed.parts if p.found and not p.table and p.start < token]
    return max(owners, key=lambda p: p.start).prompt.part_id if owners else ""


def _answer(answer: AnswerText, separated: Separated, copy: str) -> AnswerText:
    spans = _spans(separated, copy, answer.spans)
    ends = _pieces(separated, answer.start, answer.end)
    if spans:
        start, end = min(s.start for s in spans), max(s.end for s in spans)
    elif ends:
        start, end = ends[0][0], ends[-1][1]
    else:
        start = end = 0
    return replace(answer, spans=tuple(spans), start=start, end=end)


def restore(
    alignment: Alignment, separated: Separated, copy: str, printed: PrintedExam
) -> Alignment:
    """The alignment of a separated copy in the copy's own offsets; the parts that writing of
    an unknown column could belong to go to a person."""
    doubted: set[str] = set()
    for spans, offsets in separated.doubts:
        could = {_part_at(printed, offset) for offset in offsets} - {""}
        landed = {
            part_id
            for part_id, answer in alignment.answers.items()
            if any(s.start < b and a < s.end for s in answer.spans for a, b in spans)
        }
        if not landed or landed & could:
            doubted |= could
    answers = {}
    for part_id, answer in alignment.answers.items():
        answer = _answer(answer, separated, copy)
        if part_id in doubted and not answer.review:
            answer = replace(answer, review=EITHER_COLUMN, confidence=min(answer.confidence, 0.4))
        answers[part_id] = answer
    return replace(
        alignment,
        answers=answers,
        unmatched=_spans(separated, copy, alignment.unmatched),
        prompts=_spans(separated, copy, alignment.prompts),
    )
