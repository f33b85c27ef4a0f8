"""An exam made from text, laid out for print: each paragraph of question text in order, and
after each part's text the room for its answer, which becomes the part's answer region.

The layout is a pure function of the paragraphs, so the template printed later and the
regions proposed when the exam was made agree to the millimetre.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.lib.utils import simpleSplit

from .layout import A4_MM, Region

if TYPE_CHECKING:
    from .answer_areas import PartLabel

__all__ = [
    "Paragraph",
    "PlacedLine",
    "TextLayout",
    "answer_height_mm",
    "layout_text",
    "paragraphs_from_text",
    "plain_text",
]

#: Text column in mm from the page's left edge, clear of the corner marks.
LEFT_MM, RIGHT_MM = 25.0, 185.0
#: Where text starts: on page 1 below the title and the student-number box, elsewhere below
#: the QR code; and where it must end, above the bottom corner marks.
FIRST_TOP_MM, TOP_MM, BOTTOM_MM = 76.0, 38.0, 278.0
BODY_PT, HEADING_PT = 10.0, 12.0
PARAGRAPH_GAP_MM = 2.0
LABEL_MM = 3.5


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of printed text; ``answer_for`` a part id when the room for that part's
    answer follows it, ``answer_mm`` that room's height."""

    text: str
    heading: bool = False
    answer_for: str = ""
    answer_mm: float = 0.0


@dataclass(frozen=True)
class PlacedLine:
    """A line of text where it is printed: page, left edge and baseline in mm from the top."""

    page: int
    x_mm: float
    y_mm: float
    text: str
    bold: bool
    size: float


@dataclass(frozen=True)
class TextLayout:
    pages: int
    lines: tuple[PlacedLine, ...]
    #: One per part, labelled with the part id.
    regions: tuple[Region, ...]


def answer_height_mm(points: float) -> float:
    """Room for an answer worth ``points``: 30 mm, and 6 mm more per point up to 110 mm."""
    return max(30.0, min(110.0, 18.0 + 6.0 * points))


_LATEX = [
    (r"\\(?:text|textbf|textit|mathrm|mathbf|operatorname|emph)\s*\{([^{}]*)\}", r"\1"),
    (r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)"),
    (r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)"),
    (r"\\(?:left|right|big|Big|bigg|displaystyle|,|;|!|quad|qquad)", " "),
    (r"\\(?:times)", "\u00d7"),
    (r"\\(?:cdot)", "\u00b7"),
    (r"\\(?:leq?|leqslant)", "<="),
    (r"\\(?:geq?|geqslant)", ">="),
    (r"\\(?:neq|ne)", "!="),
    (r"\\(?:to|rightarrow)", "->"),
    (r"\\pm", "\u00b1"),
    (r"\\partial\s*", "d"),
    (r"\\(?:ldots|cdots|dots)", "..."),
    (r"\\([A-Za-z]+)", r"\1"),
    (r"[{}]", ""),
]


def plain_text(markdown: str) -> str:
    """A line of Markdown with LaTeX as plain text the standard PDF fonts can print:
    emphasis and ``$`` dropped, common commands spelled out (``\\frac{a}{b}`` as
    ``(a)/(b)``, ``\\times`` as ``×``), anything else outside Latin-1 as ``?``."""
    text = re.sub(r"^\s*(?:#+|>|[-*+](?=\s))\s*", "", markdown)
    text = text.replace("$", "").replace("**", "").replace("__", "").replace("\\_", "_")
    for pattern, replacement in _LATEX:
        text = re.sub(pattern, replacement, text)
    text = " ".join(text.split())
    return text.encode("cp1252", "replace").decode("cp1252")


class _Cursor:
    """Where the next line goes; starts a new page when the next thing does not fit."""

    def __init__(self) -> None:
        self.page, self.y = 1, FIRST_TOP_MM

    def room(self, height: float) -> None:
        if self.y + height > BOTTOM_MM:
            self.page, self.y = self.page + 1, TOP_MM


def layout_text(
    paragraphs: Sequence[Paragraph], page_mm: tuple[float, float] = A4_MM
) -> TextLayout:
    """Lay the paragraphs out down A4 pages, each part's answer room after its text.

    A paragraph is wrapped to the text column and may continue on the next page; an answer
    room is never split (it moves to the next page whole, as an exam's box would).
    """
    w_mm, h_mm = page_mm
    cursor = _Cursor()
    lines: list[PlacedLine] = []
    regions: list[Region] = []
    width_pt = (RIGHT_MM - LEFT_MM) * 72 / 25.4
    for paragraph in paragraphs:
        size = HEADING_PT if paragraph.heading else BODY_PT
        font = "Helvetica-Bold" if paragraph.heading else "Helvetica"
        step = size * 1.35 * 25.4 / 72
        text = plain_text(paragraph.text)
        for line in simpleSplit(text, font, size, width_pt) if text else []:
            cursor.room(step)
            cursor.y += step
            lines.append(PlacedLine(cursor.page, LEFT_MM, cursor.y, line, paragraph.heading, size))
        cursor.y += PARAGRAPH_GAP_MM
        if paragraph.answer_for:
            cursor.room(paragraph.answer_mm + LABEL_MM)
            cursor.y += LABEL_MM  # the box's printed label sits above it
            top = cursor.y
            cursor.y += paragraph.answer_mm
            regions.append(
                Region(
                    paragraph.answer_for,
                    cursor.page,
                    round(LEFT_MM / w_mm, 4),
                    round(top / h_mm, 4),
                    round(RIGHT_MM / w_mm, 4),
                    round(cursor.y / h_mm, 4),
                )
            )
            cursor.y += PARAGRAPH_GAP_MM
    return TextLayout(pages=cursor.page, lines=tuple(lines), regions=tuple(regions))


def paragraphs_from_text(text: str, parts: Sequence[tuple[PartLabel, float]]) -> list[Paragraph]:
    """An exam's text (Markdown with LaTeX) as paragraphs to lay out, each part's answer room
    (``answer_height_mm`` of its points) after the last line of its text.

    ``parts`` are the exam's parts with their points; each is placed where the text prints
    its label (by part id, else by question and label: the key's ``4.conv11`` labelled
    ``4(a)``). The text's own title (a first ``# `` heading) is left out: the template
    prints the exam's title.
    """
    from autocheck.structure import propose_structure

    from .answer_areas import label_key

    lines = text.replace("\r\n", "\n").split("\n")
    proposed = propose_structure(text)
    by_id = {label.part_id: (label, points) for label, points in parts}
    by_label = {
        (label.question, label_key(label.question, label.label)): (label, points)
        for label, points in parts
    }
    starts: dict[int, tuple[PartLabel, float] | None] = {
        q.line - 1: None for q in proposed.questions
    }
    for question in proposed.questions:
        for printed in question.parts:
            key = (question.number, label_key(question.number, printed.label))
            starts[printed.line - 1] = by_id.get(printed.part_id) or by_label.get(key)
    first = min(starts, default=len(lines))
    headings = {q.line - 1 for q in proposed.questions}
    paragraphs: list[Paragraph] = []
    owner: tuple[PartLabel, float] | None = None
    for index, line in enumerate([*lines, ""]):
        if index in starts or index == len(lines):
            if owner is not None and paragraphs:
                last = paragraphs[-1]
                height = answer_height_mm(owner[1])
                paragraphs[-1] = Paragraph(last.text, last.heading, owner[0].part_id, height)
            owner = starts.get(index)
        if index == len(lines) or not line.strip():
            continue
        if index < first and line.lstrip().startswith("# "):
            continue  # the exam's title: printed at the top of page 1 already
        heading = index in headings or line.lstrip().startswith("#")
        paragraphs.append(Paragraph(line, heading=heading))
    return paragraphs
