"""The text layer of a PDF as positioned lines: what is printed where, page by page.

Library choice
    pypdfium2 (Apache-2.0/BSD-3), which renders the exam's template pages for the regions
    editor and reads the scans already, also reads the text layer with each run's box
    (``PdfTextPage.get_rect``, ``get_text_bounded``). Reading the text with the engine that
    draws the pages means a line's box is where the instructor sees it. pdfplumber (on
    pdfminer.six, pure Python) and pypdf are both well kept, but each would be a second PDF
    parser with its own idea of the page's geometry, for no gain here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

__all__ = ["TextLine", "pdf_lines"]


@dataclass(frozen=True)
class TextLine:
    """One printed line: its 1-based page, its text, and its box in page-normalised
    coordinates (x to the right, y downwards, both from 0 to 1, as answer regions)."""

    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def _page_runs(page: pdfium.PdfPage) -> list[tuple[str, float, float, float, float]]:
    """The page's text runs as (text, left, top, right, bottom) in points from the top-left."""
    _, height = page.get_size()
    textpage = page.get_textpage()
    try:
        runs = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = textpage.get_text_bounded(left, bottom, right, top)
            text = " ".join(text.split())
            if text:
                runs.append((text, left, height - top, right, height - bottom))
        return runs
    finally:
        textpage.close()


def _lines_of(runs: list[tuple[str, float, float, float, float]]) -> list[list[tuple]]:
    """Runs grouped into lines: a run joins a line when their vertical extents overlap by
    half the smaller height (a subscript or a bold word stays on its line)."""
    lines: list[list[tuple]] = []
    for run in sorted(runs, key=lambda r: ((r[2] + r[4]) / 2, r[1])):
        _, _, top, _, bottom = run
        if lines:
            line_top = min(r[2] for r in lines[-1])
            line_bottom = max(r[4] for r in lines[-1])
            overlap = min(bottom, line_bottom) - max(top, line_top)
            if overlap >= 0.5 * min(bottom - top, line_bottom - line_top):
                lines[-1].append(run)
                continue
        lines.append([run])
    return lines


def pdf_lines(data: bytes) -> list[TextLine]:
    """Every line of the PDF's text layer in reading order (pages, then top to bottom).

    Empty for a PDF without a text layer (a scan). Raises ``pypdfium2.PdfiumError`` for a file
    that is not a readable PDF.
    """
    document = pdfium.PdfDocument(data)
    try:
        out: list[TextLine] = []
        for number in range(len(document)):
            page = document[number]
            try:
                width, height = page.get_size()
                runs = _page_runs(page)
            finally:
                page.close()
            for line in _lines_of(runs):
                line.sort(key=lambda r: r[1])
                out.append(
                    TextLine(
                        page=number + 1,
                        text=" ".join(r[0] for r in line),
                        x0=round(max(0.0, min(r[1] for r in line) / width), 4),
                        y0=round(max(0.0, min(r[2] for r in line) / height), 4),
                        x1=round(min(1.0, max(r[3] for r in line) / width), 4),
                        y1=round(min(1.0, max(r[4] for r in line) / height), 4),
                    )
                )
        return out
    finally:
        document.close()
