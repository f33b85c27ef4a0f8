"""Answer areas found on a blank exam's printed text: where each part's answer is written.

A blank exam prints each part's label and prompt, then leaves room for the answer until the
next part (or question) begins. Given the exam's lines with their boxes (``pdftext.pdf_lines``
for a PDF's text layer), the printed numbering is read with ``autocheck.structure`` and each
part's area runs from below the last printed line of its block to the top of the next part's
label, across the text's width. The areas are proposals: the instructor confirms or adjusts
them in the regions editor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from autocheck.structure import propose_structure

from .layout import A4_MM, MARKER_MARGIN_Y_MM, MARKER_MM, QR_TOP_MM, Region
from .pdftext import TextLine

__all__ = ["FoundArea", "PartLabel", "find_answer_areas", "label_key"]

_, _H_MM = A4_MM
#: The top of a page down to below the QR code and its line of text: no answer goes there.
TOP_LIMIT = round((QR_TOP_MM + 22.0 + 6.0) / _H_MM, 4)
#: The bottom of a page from the corner marks down: no answer goes there.
BOTTOM_LIMIT = round(1 - (MARKER_MARGIN_Y_MM + MARKER_MM + 2.0) / _H_MM, 4)
#: The answer area's left and right limits: clear of the corner marks (15 mm + 5 mm).
LEFT_LIMIT, RIGHT_LIMIT = 0.1, 0.9
#: A header or footer (page number, course line) lies above or below these.
HEADER_BAND, FOOTER_BAND = 0.06, 0.94
#: An area lower than this (about 15 mm of an A4 page) is no room for an answer.
MIN_HEIGHT = 0.05
#: Space kept between print and the area's edge (about 2 mm).
GAP = 0.007


@dataclass(frozen=True)
class PartLabel:
    """An exam part to find: its id, printed label and question number."""

    part_id: str
    label: str
    question: str


@dataclass(frozen=True)
class FoundArea:
    """Where a part's answer goes, or why none was found (``region`` None, ``reason`` set).

    ``how`` says what the area lies below: ``"prompt"`` (the part's printed text),
    ``"label"`` (its label line, when printed options or a table fill the part), or
    ``"next page"`` (the prompt ends at the foot of a page)."""

    part_id: str
    region: Region | None
    how: str = ""
    reason: str = ""


def label_key(question: str, label: str) -> str:
    """A printed label reduced to what tells it from its question's other parts:
    ``"4(a)"``, ``"(a)"`` and ``"Q4.a"`` in question 4 are all ``"a"``."""
    key = re.sub(r"[^0-9a-z]", "", label.lower())
    if re.match(r"q\d", key):
        key = key[1:]
    number = re.sub(r"[^0-9a-z]", "", question.lower())
    if number and key.startswith(number) and len(key) > len(number):
        key = key[len(number) :]
    return key


def _is_furniture(line: TextLine) -> bool:
    """A running header or footer (page number, course line): not part of any prompt."""
    return line.y1 <= HEADER_BAND or line.y0 >= FOOTER_BAND


def _match(parts: Sequence[PartLabel], text: str) -> tuple[dict[str, int], list[int]]:
    """Each part's label line (0-based index into the lines) and every line a part or
    question starts on (the blocks' boundaries)."""
    proposed = propose_structure(text)
    by_id = {p.part_id: p.line - 1 for p in proposed.parts}
    by_label = {
        (q.number, label_key(q.number, p.label)): p.line - 1
        for q in proposed.questions
        for p in q.parts
    }
    found: dict[str, int] = {}
    for part in parts:
        line = by_id.get(part.part_id.lower())
        if line is None:
            line = by_label.get((part.question, label_key(part.question, part.label)))
        if line is not None:
            found[part.part_id] = line
    if not found and len(proposed.parts) == len(parts):
        # Ids and labels differ everywhere (a key's own ids): the printed order decides.
        found = {part.part_id: p.line - 1 for part, p in zip(parts, proposed.parts, strict=True)}
    starts = {p.line - 1 for p in proposed.parts} | {q.line - 1 for q in proposed.questions}
    return found, sorted(starts | set(found.values()))


def _area(
    lines: Sequence[TextLine], start: int, end: int, x: tuple[float, float], pages: int
) -> tuple[Region | None, str]:
    """The area of the block ``lines[start:end]`` (``end`` the next part's label line or
    ``len(lines)``), and how it was found."""
    block = [line for line in lines[start:end] if not _is_furniture(line)] or [lines[start]]
    label_line, last = block[0], block[-1]
    following = lines[end] if end < len(lines) else None

    def below(line: TextLine, page_end: float) -> Region | None:
        top = max(line.y1 + GAP, TOP_LIMIT)
        bottom = min(page_end, BOTTOM_LIMIT)
        if bottom - top < MIN_HEIGHT:
            return None
        return Region("", line.page, x[0], round(top, 4), x[1], round(bottom, 4))

    def page_end(page: int) -> float:
        if following is not None and following.page == page:
            return following.y0 - GAP
        return BOTTOM_LIMIT

    here = below(last, page_end(last.page))
    there = None
    if following is not None and following.page == last.page + 1:
        # The next part starts on the next page: the room at its top may be this part's.
        bottom = round(following.y0 - GAP, 4)
        if bottom - TOP_LIMIT >= MIN_HEIGHT:
            there = Region("", following.page, x[0], TOP_LIMIT, x[1], bottom)
    elif following is None and here is None and last.page < pages:
        # The last part's prompt ends at the foot of a page: the next page is its answer's.
        there = Region("", last.page + 1, x[0], TOP_LIMIT, x[1], BOTTOM_LIMIT)
    if there is not None and (here is None or there.y1 - there.y0 > here.y1 - here.y0):
        return there, "next page"
    if here is not None:
        return here, "prompt"
    region = below(label_line, page_end(label_line.page)) if label_line is not last else None
    if region is not None:
        return region, "label"
    return None, "no room is left below its prompt before the next part"


def find_answer_areas(
    lines: Sequence[TextLine], parts: Sequence[PartLabel], *, pages: int = 0
) -> list[FoundArea]:
    """Each part's answer area on the printed page, in the order of ``parts``; ``pages`` is
    the document's page count (its last pages may hold no text).

    A part whose label is not printed, or whose prompt leaves no room before the next part,
    gets ``region`` None with the reason. The areas span the printed text's width, kept clear
    of the QR code and the corner marks that printing stamps on every page.
    """
    if not lines:
        return [FoundArea(p.part_id, None, reason="the PDF has no text layer") for p in parts]
    body = [line for line in lines if not _is_furniture(line)] or list(lines)
    x = (
        round(max(LEFT_LIMIT, min(line.x0 for line in body) - GAP), 4),
        round(min(RIGHT_LIMIT, max(line.x1 for line in body) + GAP), 4),
    )
    found, starts = _match(parts, "\n".join(line.text for line in lines))
    out = []
    for part in parts:
        start = found.get(part.part_id)
        if start is None:
            out.append(
                FoundArea(part.part_id, None, reason=f"its label {part.label!r} is not printed")
            )
            continue
        end = next((s for s in starts if s > start), len(lines))
        region, how = _area(lines, start, end, x, max(pages, lines[-1].page))
        if region is None:
            out.append(FoundArea(part.part_id, None, reason=how))
        else:
            labelled = Region(part.part_id, region.page, *region.box)
            out.append(FoundArea(part.part_id, labelled, how=how))
    return out
