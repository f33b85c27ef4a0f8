from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from exams.scanning.align import align_page, crop_region, find_markers
from exams.scanning.layout import A4_MM, MARKER_MM, marker_centres_mm

DPI = 100
PX_PER_MM = DPI / 25.4


@pytest.fixture(scope="module")
def clean_page(printed) -> Image.Image:
    doc = pdfium.PdfDocument(printed.copies)
    try:
        return doc[0].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def _scanned(page: Image.Image, skew: float, turn: int, shift=(6, -4)) -> Image.Image:
    out = page.rotate(skew, resample=Image.Resampling.BICUBIC, translate=shift, fillcolor=255)
    return out.rotate(turn, expand=True) if turn else out


def _marker_errors_mm(image: Image.Image) -> list[float]:
    px_per_mm = image.width / A4_MM[0]
    found = find_markers(np.asarray(image), px_per_mm)
    assert set(found) == {"tl", "tr", "br", "bl"}
    expected = marker_centres_mm()
    return [
        float(
            np.hypot(
                found[k][0] / px_per_mm - expected[k][0], found[k][1] / px_per_mm - expected[k][1]
            )
        )
        for k in found
    ]


def test_markers_are_found_where_they_were_printed(clean_page):
    assert max(_marker_errors_mm(clean_page)) < 0.5


@pytest.mark.parametrize("skew", [-5.0, -2.0, 0.0, 1.0, 3.5, 5.0])
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_align_undoes_quarter_turn_skew_and_shift(clean_page, skew, turn):
    aligned = align_page(_scanned(clean_page, skew, turn), rotation=turn)
    assert aligned.method == "markers"
    assert len(aligned.markers) >= 3
    assert aligned.skew_deg == pytest.approx(skew, abs=0.2)
    assert aligned.image.size == clean_page.size
    assert max(_marker_errors_mm(aligned.image)) < 0.8


def test_aligned_page_matches_the_printed_page(clean_page):
    aligned = align_page(_scanned(clean_page, 3.0, 180), rotation=180).image
    a = np.asarray(aligned, np.float32)
    b = np.asarray(clean_page, np.float32)
    # Mean absolute difference of a good registration is small (resampling blur only).
    assert np.abs(a - b).mean() < 6


def test_falls_back_to_qr_angle_when_markers_are_covered(clean_page):
    page = clean_page.copy()
    draw = ImageDraw.Draw(page)
    for name in ("tl", "bl"):
        cx, cy = marker_centres_mm()[name]
        r = MARKER_MM * PX_PER_MM
        draw.rectangle(
            (cx * PX_PER_MM - r, cy * PX_PER_MM - r, cx * PX_PER_MM + r, cy * PX_PER_MM + r),
            fill=255,
        )
    aligned = align_page(page.rotate(2, fillcolor=255), rotation=0, qr_angle_deg=2.0)
    assert aligned.method == "qr-angle"
    assert aligned.skew_deg == pytest.approx(2.0)


def test_black_scanner_border_is_not_taken_for_a_marker(clean_page):
    page = clean_page.copy()
    ImageDraw.Draw(page).rectangle((0, 0, page.width, 12), fill=0)  # dark strip along the top
    aligned = align_page(page, rotation=0)
    assert aligned.method == "markers"
    assert aligned.residual_mm < 0.5


def test_crop_region_uses_normalised_coordinates():
    page = Image.new("L", (1000, 2000), 255)
    crop = crop_region(page, (0.1, 0.25, 0.5, 0.3))
    assert crop.size == (400, 100)
    assert crop_region(page, (0.1, 0.25, 0.5, 0.3), inset=0.01).size == (380, 80)
