"""A re-scan of the same sheet is recognised; a different sheet for the same position is not."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from exams.scanning.align import align_page
from exams.scanning.copies import make_copies, render_template
from exams.scanning.fakescan import ScanDefects, fake_scan
from exams.scanning.layout import Region
from exams.scanning.qrcodes import decode_page
from exams.scanning.similarity import SAME_SHEET_THRESHOLD, ink_difference, same_sheet

REGIONS = [Region("1.a", 1, 0.1, 0.3, 0.6, 0.4)]


@pytest.fixture(scope="module", params=[1, 5, 9])
def aligned(request):
    printed = make_copies(render_template("T", REGIONS), exam_code="SIM", copies=2)
    # Two copies whose answers differ by one digit; one page fed twice.
    scan = fake_scan(
        printed,
        {(1, "1.a"): "126 x 126", (2, "1.a"): "128 x 128"},
        REGIONS,
        seed=request.param,
        dpi=100,
        defects=ScanDefects(dropped=0, duplicated=1, upside_down=1, shuffle=False),
    )
    out: dict[int, list[Image.Image]] = {}
    for page, jpeg in zip(scan.manifest.pages, scan.jpegs, strict=True):
        image = Image.open(io.BytesIO(jpeg))
        read = decode_page(image)
        out.setdefault(page.copy, []).append(
            align_page(image, rotation=read.rotation, qr_angle_deg=read.angle_deg).image
        )
    return out, scan.manifest


def test_a_sheet_fed_twice_is_the_same_sheet(aligned):
    pages, manifest = aligned
    [(copy, _)] = manifest.duplicated
    first, second = pages[copy]
    assert same_sheet(first, second)


def test_different_answers_on_the_same_page_are_different_sheets(aligned):
    pages, _ = aligned
    assert not same_sheet(pages[1][0], pages[2][0])
    assert ink_difference(pages[1][0], pages[2][0]) > 1.5 * SAME_SHEET_THRESHOLD
