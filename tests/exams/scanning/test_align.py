from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from exams.scanning.align import Alignment, align_page, crop_region, find_markers, fit_alignment
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


def _markers_covered(page: Image.Image, names: tuple[str, ...]) -> Image.Image:
    """The page with the named corner markers painted over (a folded or written-over corner)."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    for name in names:
        cx, cy = marker_centres_mm()[name]
        r = MARKER_MM * PX_PER_MM
        draw.rectangle(
            (cx * PX_PER_MM - r, cy * PX_PER_MM - r, cx * PX_PER_MM + r, cy * PX_PER_MM + r),
            fill=255,
        )
    return page


def test_falls_back_to_qr_angle_when_markers_are_covered(clean_page):
    page = _markers_covered(clean_page, ("tl", "bl"))
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


# --- Alignment: the six numbers stored instead of an upright copy ------------------------

BOXES = [(0.1, 0.2, 0.6, 0.3), (0.0, 0.0, 0.25, 0.1), (0.55, 0.8, 1.0, 1.0)]


def _max_diff(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).max())


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_region_warped_alone_equals_the_same_region_of_the_whole_page(clean_page, turn):
    scan = _scanned(clean_page, 2.5, turn)
    fitted = fit_alignment(scan, rotation=turn)
    assert fitted.method == "markers"
    whole = fitted.warp(scan)
    for box in BOXES:
        # Sampled at the same points of the scan: equal up to float rounding.
        assert (
            _max_diff(fitted.warp(scan, box=box, inset=0.004), crop_region(whole, box, inset=0.004))
            <= 1
        )


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_the_quarter_turn_is_undone_pixel_for_pixel(turn):
    # A page-sized gradient with no markers: the alignment is the quarter turn alone.
    ramp = np.add.outer(np.arange(297) * 0.5, np.arange(210) * 0.3).astype(np.uint8)
    upright = Image.fromarray(ramp, "L")
    fitted = fit_alignment(upright.rotate(turn, expand=True), rotation=turn)
    assert fitted.method == "none"
    assert fitted.size == upright.size
    assert _max_diff(fitted.warp(upright.rotate(turn, expand=True)), upright) == 0


def test_an_alignment_reads_a_scan_decoded_at_half_size(clean_page):
    scan = _scanned(clean_page, -3.0, 90)
    fitted = fit_alignment(scan, rotation=90)
    half = scan.reduce(2)
    small = fitted.for_source(half.size).warp(half, scale=0.5)
    full = fitted.warp(scan).reduce(2)
    assert small.size == full.size
    diff = np.abs(np.asarray(small, np.float32) - np.asarray(full, np.float32))
    assert diff.mean() < 6


def test_warp_refuses_a_scan_of_another_size(clean_page):
    fitted = fit_alignment(clean_page)
    with pytest.raises(ValueError, match="alignment reads"):
        fitted.warp(clean_page.reduce(2))


def test_the_qr_angle_fallback_straightens_the_page(clean_page):
    page = _markers_covered(clean_page, ("tl", "bl"))
    scan = page.rotate(2, resample=Image.Resampling.BICUBIC, fillcolor=255).rotate(180, expand=True)
    fitted = fit_alignment(scan, rotation=180, qr_angle_deg=182.0)
    assert fitted.method == "qr-angle"
    diff = np.abs(np.asarray(fitted.warp(scan), np.float32) - np.asarray(page, np.float32))
    assert diff.mean() < 6


def test_an_alignment_survives_json(clean_page):
    fitted = fit_alignment(_scanned(clean_page, 1.0, 270), rotation=270)
    again = Alignment.from_json(fitted.to_json())
    assert again == fitted
    unfitted = fit_alignment(Image.new("L", (210, 297), 255))
    assert np.isnan(Alignment.from_json(unfitted.to_json()).residual_mm)


def test_the_identity_alignment_crops_without_resampling():
    page = Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 300), np.uint8), "L")
    same = Alignment.identity(page.size)
    assert _max_diff(same.warp(page, box=BOXES[0]), crop_region(page, BOXES[0])) == 0
