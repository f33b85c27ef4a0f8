"""Geometry shared by the printed copies and the scan alignment.

Everything the printer draws and the aligner looks for is defined here once, in millimetres
from the page's top-left corner (y grows downwards, as in images). Answer regions are given
in normalised page coordinates: ``x`` in [0, 1] left to right, ``y`` in [0, 1] top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH

# Solid black squares, one per corner. They are the only solid blobs of this size on the
# page (a QR finder pattern is a ring, about 2/3 ink), which is what align.py relies on.
# A page fed 5 degrees askew moves its corners sideways by up to 12 mm (A4 half-height x
# sin 5 degrees), and a feeder crops what leaves the scan area: the horizontal margin is the
# larger one so the markers stay on the scan.
MARKER_MM = 5.0
MARKER_MARGIN_X_MM = 15.0
MARKER_MARGIN_Y_MM = 10.0

# The QR code sits in the top-right area, far enough from the top-right marker that the
# marker's search window (align.MARKER_WINDOW_MM) never contains QR modules.
QR_SIZE_MM = 22.0
QR_RIGHT_MM = 40.0  # distance of the QR's right edge from the page's right edge
QR_TOP_MM = 8.0


@dataclass(frozen=True)
class Region:
    """A rectangle on one page in normalised coordinates (page is 1-based). ``label`` names
    it (a part id); ``caption`` is what is printed above the box, when not the label (the
    part's printed label, ``4(a)``)."""

    label: str
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    caption: str = ""

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError(f"region {self.label!r}: page numbers start at 1")
        if not (0.0 <= self.x0 < self.x1 <= 1.0 and 0.0 <= self.y0 < self.y1 <= 1.0):
            raise ValueError(f"region {self.label!r}: coordinates must satisfy 0 <= x0 < x1 <= 1")

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


def marker_centres_mm(page_mm: tuple[float, float] = A4_MM) -> dict[str, tuple[float, float]]:
    """Centres of the four corner markers in mm, keyed tl, tr, br, bl."""
    w, h = page_mm
    cx = MARKER_MARGIN_X_MM + MARKER_MM / 2
    cy = MARKER_MARGIN_Y_MM + MARKER_MM / 2
    return {"tl": (cx, cy), "tr": (w - cx, cy), "br": (w - cx, h - cy), "bl": (cx, h - cy)}


def qr_box_mm(page_mm: tuple[float, float] = A4_MM) -> tuple[float, float, float, float]:
    """The QR code's box (x0, y0, x1, y1) in mm from the top-left corner."""
    w, _ = page_mm
    x1 = w - QR_RIGHT_MM
    return (x1 - QR_SIZE_MM, QR_TOP_MM, x1, QR_TOP_MM + QR_SIZE_MM)


#: The student-number box printed on page 1 of every rendered template (``copies``), read to
#: match an anonymous copy to its student (``exams.pipeline.identification``).
STUDENT_NUMBER_REGION = Region("student number", 1, 0.12, 0.19, 0.62, 0.235)
