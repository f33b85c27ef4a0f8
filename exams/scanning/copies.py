"""Printable copies: N copies of an exam as one PDF, every page stamped for scanning.

Each page gets, on top of the template's own content:
- a QR code (qrcodes.QrPayload) in the top-right area, on a white quiet zone;
- four solid corner markers for alignment (layout.py holds the geometry);
- a small human-readable line "EXAM · copy c · page p/n";
- optionally the student's name and number, top left.

Library choice (timings in docs/pipeline-measurements.md)
    reportlab (BSD) draws the stamps, vector QR modules included, and the rendered
    template; pypdfium2 (Apache-2.0/BSD-3), already needed to read scans, imports the
    template pages and lays each stamp page over its template page as a form XObject, so the
    template stays vector and its fonts are embedded once per copy, not rasterised. pikepdf
    (MPL-2.0, qpdf) could do the overlay too, but would add a second PDF engine for no gain;
    PyMuPDF is AGPL and excluded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
from reportlab.lib.colors import Color, black, white
from reportlab.pdfgen.canvas import Canvas

from .exam_text import PlacedLine
from .layout import (
    A4_MM,
    MARKER_MM,
    PT_PER_MM,
    Region,
    marker_centres_mm,
    qr_box_mm,
)
from .qrcodes import QrPayload, qr_matrix

# Box outlines in a light "dropout" grey: visible to students, removed by the ink threshold
# before transcription (ocr.ink_crop).
BOX_GREY = Color(0.72, 0.72, 0.72)
_CHUNK_PAGES = 48


@dataclass(frozen=True)
class Student:
    name: str
    number: str


def render_template(
    title: str,
    regions: Sequence[Region],
    *,
    pages: int | None = None,
    subtitle: str = "",
    page_mm: tuple[float, float] = A4_MM,
    text: Sequence[PlacedLine] = (),
) -> bytes:
    """A blank exam PDF: title on page 1, the exam's ``text`` laid out (``exam_text``), and
    each answer region as a grey box with its caption (else its label) above it.

    ``pages`` defaults to the highest page any region or line of text is on.
    """
    n_pages = max([pages or 0, *(r.page for r in regions), *(t.page for t in text)]) or 1
    w_mm, h_mm = page_mm
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(w_mm * PT_PER_MM, h_mm * PT_PER_MM), invariant=True)
    c.setTitle(title)
    for page in range(1, n_pages + 1):
        if page == 1:
            c.setFont("Helvetica-Bold", 16)
            c.drawString(25 * PT_PER_MM, (h_mm - 42) * PT_PER_MM, title)
            if subtitle:
                c.setFont("Helvetica", 10)
                c.drawString(25 * PT_PER_MM, (h_mm - 49) * PT_PER_MM, subtitle)
        for line in text:
            if line.page == page:
                c.setFont("Helvetica-Bold" if line.bold else "Helvetica", line.size)
                c.drawString(line.x_mm * PT_PER_MM, (h_mm - line.y_mm) * PT_PER_MM, line.text)
        for region in regions:
            if region.page != page:
                continue
            x0, y0 = region.x0 * w_mm, region.y0 * h_mm
            x1, y1 = region.x1 * w_mm, region.y1 * h_mm
            c.setStrokeColor(BOX_GREY)
            c.setLineWidth(0.8)
            c.rect(
                x0 * PT_PER_MM,
                (h_mm - y1) * PT_PER_MM,
                (x1 - x0) * PT_PER_MM,
                (y1 - y0) * PT_PER_MM,
            )
            c.setFillColor(Color(0.45, 0.45, 0.45))
            c.setFont("Helvetica", 8)
            c.drawString(
                x0 * PT_PER_MM, (h_mm - y0 + 1.2) * PT_PER_MM, region.caption or region.label
            )
            c.setFillColor(black)
        c.showPage()
    c.save()
    return buf.getvalue()


def _draw_stamp(
    c: Canvas,
    payload: QrPayload,
    *,
    n_pages: int,
    page_mm: tuple[float, float],
    key: bytes,
    student: Student | None,
) -> None:
    _, h_mm = page_mm

    def y(mm: float) -> float:  # mm from the top -> points from the bottom
        return (h_mm - mm) * PT_PER_MM

    # Corner markers.
    c.setFillColor(black)
    half = MARKER_MM / 2
    for cx, cy in marker_centres_mm(page_mm).values():
        c.rect(
            (cx - half) * PT_PER_MM,
            y(cy + half),
            MARKER_MM * PT_PER_MM,
            MARKER_MM * PT_PER_MM,
            stroke=0,
            fill=1,
        )

    # QR code: white quiet zone of 4 modules, then the dark modules as one path.
    matrix = qr_matrix(payload.encode(key))
    x0, y0, x1, _ = qr_box_mm(page_mm)
    n = len(matrix)
    module = (x1 - x0) / (n + 8)
    c.setFillColor(white)
    c.rect(
        x0 * PT_PER_MM,
        y(y0 + (x1 - x0)),
        (x1 - x0) * PT_PER_MM,
        (x1 - x0) * PT_PER_MM,
        stroke=0,
        fill=1,
    )
    c.setFillColor(black)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if not row[col]:
                col += 1
                continue
            run = col
            while run < n and row[run]:
                run += 1
            # One rectangle per horizontal run of dark modules: fewer path operators.
            mx, my = x0 + (col + 4) * module, y0 + (r + 4) * module
            path.rect(
                mx * PT_PER_MM, y(my + module), (run - col) * module * PT_PER_MM, module * PT_PER_MM
            )
            col = run
    c.drawPath(path, stroke=0, fill=1)

    c.setFont("Helvetica", 7)
    label = f"{payload.exam_code} · copy {payload.copy} · page {payload.page}/{n_pages}"
    c.drawRightString(x1 * PT_PER_MM, y(y0 + (x1 - x0) + 3), label)
    if student is not None:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(28 * PT_PER_MM, y(14), f"{student.name}  ({student.number})")


def make_copies(
    template_pdf: bytes,
    *,
    exam_code: str,
    copies: int | Sequence[Student | None],
    key: bytes = b"",
    first_copy: int = 1,
) -> bytes:
    """Stamp ``copies`` copies of ``template_pdf`` into one printable PDF.

    Parameters
    ----------
    template_pdf
        The blank exam (any number of pages), e.g. from :func:`render_template`.
    exam_code
        Short exam code for the QR payload (upper case, digits, '-').
    copies
        A number of anonymous copies, or one entry per copy: a Student to personalise
        the copy, or None.
    key
        HMAC key for the QR check value (qrcodes.QrPayload.encode).
    first_copy
        Number of the first copy, to print a second batch that continues the numbering.

    Returns
    -------
    bytes
        The PDF, copies in order, pages in template order inside each copy.
    """
    students: list[Student | None] = [None] * copies if isinstance(copies, int) else list(copies)
    if not students:
        raise ValueError("at least one copy is needed")
    template = pdfium.PdfDocument(template_pdf)
    try:
        n_pages = len(template)
        sizes = [template[i].get_size() for i in range(n_pages)]
        stamps_buf = io.BytesIO()
        c = Canvas(stamps_buf, invariant=True)
        for offset, student in enumerate(students):
            for p, (w_pt, h_pt) in enumerate(sizes, start=1):
                c.setPageSize((w_pt, h_pt))
                _draw_stamp(
                    c,
                    QrPayload(exam_code, first_copy + offset, p),
                    n_pages=n_pages,
                    page_mm=(w_pt / PT_PER_MM, h_pt / PT_PER_MM),
                    key=key,
                    student=student,
                )
                c.showPage()
        c.save()
        stamps = pdfium.PdfDocument(stamps_buf.getvalue())
        out = pdfium.PdfDocument.new()
        try:
            # pdfium's content generation slows down as a document fills with form XObjects
            # (quadratic: 400 pages took 13 s in one document), so stamp in chunks of about
            # 48 pages and append each chunk: linear, 1600 pages in ~4 s.
            per_chunk = max(1, _CHUNK_PAGES // n_pages)
            for first in range(0, len(students), per_chunk):
                chunk = pdfium.PdfDocument.new()
                try:
                    for _ in range(first, min(first + per_chunk, len(students))):
                        chunk.import_pages(template)
                    for k in range(len(chunk)):
                        page = chunk[k]
                        xobject = stamps.page_as_xobject(first * n_pages + k, chunk)
                        page.insert_obj(xobject.as_pageobject())
                        page.gen_content()
                        page.close()
                    out.import_pages(chunk)
                finally:
                    chunk.close()
            buf = io.BytesIO()
            out.save(buf)
            return buf.getvalue()
        finally:
            out.close()
            stamps.close()
    finally:
        template.close()
