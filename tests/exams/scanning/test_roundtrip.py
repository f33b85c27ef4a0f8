"""Print -> write -> scan badly -> split -> read QR -> align: every page lands where it belongs."""

from __future__ import annotations

import numpy as np
import pytest

from exams.scanning.align import align_page, crop_region, find_markers
from exams.scanning.layout import A4_MM, marker_centres_mm
from exams.scanning.ocr import ink_crop
from exams.scanning.pages import iter_pages
from exams.scanning.placement import reconcile
from exams.scanning.qrcodes import decode_page


@pytest.fixture(scope="module")
def placed(scan):
    out = []
    for page in iter_pages(scan.pdf, name="scan.pdf"):
        read = decode_page(page.image, reduced=page.reduced())
        aligned = align_page(page.image, rotation=read.rotation, qr_angle_deg=read.angle_deg)
        out.append((page, read, aligned))
    return out


def test_every_page_is_placed_to_its_copy_and_page(scan, placed):
    assert len(placed) == len(scan.manifest.pages)
    for (_, read, _), planted in zip(placed, scan.manifest.pages, strict=True):
        assert read.ok, read.failure
        assert (read.payload.exam_code, read.payload.copy, read.payload.page) == (
            "DL24-MID",
            planted.copy,
            planted.page,
        )


def test_orientation_is_detected_and_undone(scan, placed):
    for (_, read, aligned), planted in zip(placed, scan.manifest.pages, strict=True):
        assert read.rotation == planted.rotation
        assert aligned.method == "markers"
        assert aligned.skew_deg == pytest.approx(planted.skew_deg, abs=0.3)
        # Upright: the QR reads at 0 degrees and the markers sit where they were printed.
        assert decode_page(aligned.image).rotation == 0
        px_per_mm = aligned.image.width / A4_MM[0]
        found = find_markers(np.asarray(aligned.image), px_per_mm)
        expected = marker_centres_mm()
        for name, (x, y) in found.items():
            assert abs(x / px_per_mm - expected[name][0]) < 1.0
            assert abs(y / px_per_mm - expected[name][1]) < 1.0


def test_missing_and_duplicated_pages_are_detectable(scan, placed):
    reads = [(page.index, read) for page, read, _ in placed]
    result = reconcile(reads, exam_code="DL24-MID", copies=[1, 2, 3], pages=2)
    assert result.missing == scan.manifest.missing
    assert tuple(result.duplicates) == scan.manifest.duplicated
    (positions,) = result.duplicates.values()
    assert scan.manifest.pages[positions[0]].duplicate
    assert result.unreadable == ()
    assert result.other_exam == ()
    assert result.unexpected == ()


def test_answer_crops_contain_the_planted_ink(scan, placed, printed):
    regions = {r.label: r for r in printed.regions}
    checked = 0
    for _, read, aligned in placed:
        for text in scan.manifest.texts:
            if (text.copy, text.page) != (read.payload.copy, read.payload.page):
                continue
            crop = crop_region(aligned.image, regions[text.label].box, inset=0.006)
            assert ink_crop(crop) is not None, f"no ink in {text.label} of copy {text.copy}"
            checked += 1
    assert checked >= len(scan.manifest.texts) - 3  # the missing page's answers are absent
