from __future__ import annotations

from collections import Counter

import pypdfium2 as pdfium
import pytest

from exams.scanning.fakescan import ScanDefects, fake_scan, handwriting_fonts


def test_manifest_accounts_for_every_printed_page(scan, printed):
    m = scan.manifest
    printed_pages = {(c, p) for c in (1, 2, 3) for p in (1, 2)}
    scanned = Counter((s.copy, s.page) for s in m.pages)
    assert len(m.missing) == 1
    assert len(m.duplicated) == 1
    assert set(scanned) == printed_pages - set(m.missing)
    assert [k for k, n in scanned.items() if n == 2] == list(m.duplicated)
    assert sum(s.duplicate for s in m.pages) == 1
    assert len(m.pages) == len(printed_pages)  # one dropped, one fed twice


def test_pages_are_turned_and_skewed_as_asked(scan):
    rotations = Counter(s.rotation for s in scan.manifest.pages)
    assert rotations[180] == 1
    assert rotations[90] + rotations[270] == 1
    assert all(abs(s.skew_deg) <= 3.0 for s in scan.manifest.pages)
    assert [s.position for s in scan.manifest.pages] == list(range(len(scan.manifest.pages)))


def test_every_answer_is_planted_inside_its_region(scan, printed):
    texts = {(t.copy, t.label): t for t in scan.manifest.texts}
    assert {k: t.text for k, t in texts.items()} == printed.answers
    regions = {r.label: r for r in printed.regions}
    for (_, label), t in texts.items():
        r = regions[label]
        x0, y0, x1, y1 = t.box
        assert r.x0 <= x0 < x1 <= r.x1
        assert r.y0 <= y0 < y1 <= r.y1
    assert scan.manifest.text_for(2, "1b") == "0.225"


def test_output_is_a_scanner_style_pdf_of_jpegs(scan):
    doc = pdfium.PdfDocument(scan.pdf)
    assert len(doc) == len(scan.jpegs) == len(scan.manifest.pages)
    assert all(j.startswith(b"\xff\xd8\xff") for j in scan.jpegs)
    w_pt, h_pt = doc[0].get_size()
    assert (w_pt, h_pt) == pytest.approx((595.3, 841.9), abs=1.5) or (h_pt, w_pt) == pytest.approx(
        (595.3, 841.9), abs=1.5
    )
    doc.close()


def test_same_seed_same_bytes_other_seed_other_stack(printed):
    d = ScanDefects(dropped=1, duplicated=1)
    a = fake_scan(printed.copies, printed.answers, printed.regions, seed=9, dpi=60, defects=d)
    b = fake_scan(printed.copies, printed.answers, printed.regions, seed=9, dpi=60, defects=d)
    c = fake_scan(printed.copies, printed.answers, printed.regions, seed=10, dpi=60, defects=d)
    assert a.manifest == b.manifest
    assert a.jpegs == b.jpegs
    assert a.pdf == b.pdf
    assert a.manifest.pages != c.manifest.pages


def test_handwriting_fonts_are_found_or_a_fallback_is_named():
    fonts = handwriting_fonts()
    assert fonts
    assert all(isinstance(name, str) for name, _ in fonts)
    assert handwriting_fonts(("No Such Family",))[0][0].endswith("(jittered)")
