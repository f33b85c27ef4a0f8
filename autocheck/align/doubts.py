"""Where the writing's place is in doubt, and the copy's lines read before the parts'
answers are composed.

- **Doubts**: the parts a person must read because the copy reads a printed line out of its
  order (:func:`stray_doubts`), or has writing under a line of several parts' blanks that names
  none of them (:func:`unplaced_doubts`); and the whole copy, when too little of the print is
  found in it or printed text appears out of its order (:func:`copy_review`).
- **Lines read on the copy**: a printed line of several parts' labels and blanks is read by the
  labels written there, in whatever order (:func:`shared_lines`); a line that only says where on
  the paper the writing is (``(back of page 1)``) is no answer (:func:`page_headings`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from autocheck.align.diff import CopyAlignment, stray_lines
from autocheck.align.place import Piece
from autocheck.align.printed import PrintedExam, PrintedPart
from autocheck.align.values import clean

__all__ = [
    "MAX_STRAY_WORDS",
    "MIN_PRINTED_SHARE",
    "SHEET_DOUBT",
    "copy_review",
    "page_headings",
    "shared_lines",
    "stray_doubts",
    "unplaced_doubts",
]

#: Below this share of the print's words found in a copy, the copy goes to a person whole.
MIN_PRINTED_SHARE = 0.6
#: Printed words found out of place (columns or pages read across each other) that make the
#: placement of the writing around them unreliable.
MAX_STRAY_WORDS = 8


# a line that only says where on the paper the writing is: "(back of page 1)", "Page 2 of 3"
_PAGE_HEADING_RE = re.compile(
    r"[ \t(\[*_#>]*(?:"
    r"(?:on\s+the\s+)?(?:back|reverse)(?:\s+side)?\s+of\s+(?:the\s+)?page\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?"
    r"|(?:continued|cont\.?)\s+(?:from|on)\s+page\s*\d+"
    r")[ \t)\]*_:.]*",
    re.I,
)


def page_headings(pieces: list[Piece], text: str) -> list[Piece]:
    """Free writing without the lines that only say where on the paper it is (``(back of page
    1)`` over an answer continued there, a page's ``Page 2 of 3``): kept as ``label`` pieces,
    never read as the answer's final value."""
    out: list[Piece] = []
    for piece in pieces:
        if piece.kind != "text":
            out.append(piece)
            continue
        pos = piece.start
        for line in re.finditer(r"[^\n]+", piece.text):
            if not _PAGE_HEADING_RE.fullmatch(line.group(0)):
                continue
            a, b = piece.start + line.start(), piece.start + line.end()
            if text[pos:a].strip():
                out.append(replace(piece, start=pos, end=a, text=text[pos:a]))
            out.append(Piece(piece.part, "label", "", a, b, text[a:b]))
            pos = b
        if pos == piece.start:
            out.append(piece)
        elif text[pos : piece.end].strip():
            out.append(replace(piece, start=pos, end=piece.end, text=text[pos : piece.end]))
    return out


SHEET_DOUBT = (
    "the answer sheet's numbered lines are written on but could not be matched to the parts "
    "(neither by their labels nor in order): a person must say which line answers which part"
)


def copy_review(aligned: CopyAlignment) -> str:
    if aligned.share < MIN_PRINTED_SHARE:
        return (
            f"only {aligned.share:.0%} of the printed exam was found in this copy: "
            "is it the right exam, and are all its pages there?"
        )
    if aligned.stray_words > MAX_STRAY_WORDS:
        return (
            "printed text appears out of its order in this copy (columns or pages read "
            "across each other): the answers cannot be placed reliably"
        )
    return ""


def _line_groups(printed: PrintedExam) -> list[list[PrintedPart]]:
    """The parts whose labels and blanks share a printed line (``(a) ____  (b) ____``)."""
    lines: dict[int, list[PrintedPart]] = {}
    for part in printed.parts:
        if part.found and not part.table and part.blanks:
            lines.setdefault(printed.lines[part.start], []).append(part)
    return [group for group in lines.values() if len(group) > 1]


def _label_re(label: str) -> re.Pattern[str]:
    """A printed label as written on a copy's line, spaces allowed inside (``( b )``)."""
    chars = [re.escape(c) for c in label if not c.isspace()]
    return re.compile(r"(?<!\w)" + r"\s*".join(chars) + (r"(?!\w)" if label[-1:].isalnum() else ""))


def _only_labels_and_blanks(printed: PrintedExam, group: Sequence[PrintedPart]) -> bool:
    """Whether the group's printed line holds nothing but their labels and blanks."""
    tokens, lines = printed.tokens, printed.lines
    line = lines[group[0].start]
    rest = " ".join(t.text for i, t in enumerate(tokens) if lines[i] == line and t.kind != "blank")
    for part in group:
        rest = _label_re(part.prompt.label).sub(" ", rest, count=1)
    return not rest.strip()


def shared_lines(
    printed: PrintedExam, aligned: CopyAlignment, pieces: list[Piece], text: str, visible: str
) -> list[Piece]:
    """A printed line holding several parts' labels and blanks is read on the copy's line by
    the labels written there, in whatever order (``(b) 32896   (a) 128``): what follows each
    label, up to the next, fills that part's blank on the line."""
    for group in _line_groups(printed):
        if not _only_labels_and_blanks(printed, group):
            continue  # a sentence with blanks (a cloze paragraph) is read by its print
        js = {aligned.matched[p.start] for p in group} | {
            aligned.matched[b] for p in group for b in p.blanks
        }
        js.discard(-1)
        if not js:
            continue
        anchor = aligned.tokens[min(js)].start
        a = text.rfind("\n", 0, anchor) + 1
        b = text.find("\n", anchor)
        b = len(text) if b < 0 else b
        found = []
        for part in group:
            hits = list(_label_re(part.prompt.label).finditer(visible, a, b))
            if len(hits) != 1:
                break
            found.append((hits[0].start(), hits[0].end(), part))
        else:
            found.sort(key=lambda f: f[0])
            ids = {p.prompt.part_id for p in group}
            kept = [p for p in pieces if not (p.part in ids and a <= p.start and p.end <= b)]
            for k, (_, end, part) in enumerate(found):
                stop = found[k + 1][0] if k + 1 < len(found) else b
                slot = next(
                    i
                    for i, blank in enumerate(part.blanks)
                    if printed.lines[blank] == printed.lines[part.start]
                )
                value = text[end:stop].strip()
                if value:
                    start = text.index(value, end)
                    kept.append(
                        Piece(
                            part.prompt.part_id,
                            "blank",
                            str(slot),
                            start,
                            start + len(value),
                            value,
                        )
                    )
            pieces = sorted(kept, key=lambda p: p.start)
    return pieces


def stray_doubts(printed: PrintedExam, aligned: CopyAlignment, text: str) -> dict[str, str]:
    """Parts a person must read because the copy reads a printed line out of its order
    (columns or pages read across each other) before their end: from there on, the writing
    the alignment places may be another part's."""
    stray = stray_lines(printed, aligned, text)
    if not stray:
        return {}
    first = stray[0][0]
    seen = [aligned.printed[j] for j, t in enumerate(aligned.tokens) if t.end <= first]
    at = max(seen, default=-1)
    reason = (
        "a printed line is read out of its order in this copy (columns or pages read across "
        "each other): read which part the writing from there on answers"
    )
    return {p.prompt.part_id: reason for p in printed.parts if p.found and p.end > at}


def unplaced_doubts(printed: PrintedExam, pieces: Sequence[Piece]) -> dict[str, str]:
    """Parts a person must read because writing near them cannot be given to one part: free
    writing under a printed line that holds several parts' blanks (``(a) ____  (b) ____``),
    outside every blank and without a label naming its part, may answer any of them."""
    doubts: dict[str, str] = {}
    lines: dict[int, list[str]] = {}
    for part in printed.parts:
        if part.found and not part.table and part.blanks:
            lines.setdefault(printed.lines[part.start], []).append(part.prompt.part_id)
    for group in lines.values():
        if len(group) < 2:
            continue
        if any(
            p.part in group and p.kind == "text" and not p.slot and re.search(r"\w", clean(p.text))
            for p in pieces
        ):
            reason = (
                f"writing under the line that holds the blanks of {', '.join(group)} is in "
                "none of them and names no part: a person must say which part it answers"
            )
            doubts.update(dict.fromkeys(group, reason))
    return doubts
