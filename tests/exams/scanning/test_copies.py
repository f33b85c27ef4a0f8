from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from exams.scanning.copies import Student, make_copies, render_template
from exams.scanning.layout import Region
from exams.scanning.qrcodes import QrPayload, decode_page


def _pages(pdf: bytes) -> list[tuple[str, QrPayload | None]]:
    doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            text = page.get_textpage().get_text_range()
            read = decode_page(page.render(scale=100 / 72, grayscale=True).to_pil())
            out.append((text, read.payload))
    finally:
        doc.close()
    return out


def test_rendered_template_has_one_page_per_region_page(printed):
    doc = pdfium.PdfDocument(printed.template)
    assert len(doc) == 2
    assert "Deep learning midterm" in doc[0].get_textpage().get_text_range()
    doc.close()


def test_copies_are_one_pdf_with_every_page_stamped_in_order(printed):
    pages = _pages(printed.copies)
    assert [(p.copy, p.page) for _, p in pages] == [(c, p) for c in (1, 2, 3) for p in (1, 2)]
    assert all(p.exam_code == "DL24-MID" for _, p in pages)
    # The template's own content survives under the stamps.
    assert all("Deep learning midterm" in text for text, p in pages if p.page == 1)
    assert "DL24-MID · copy 3 · page 2/2" in pages[-1][0]


def test_copies_are_personalised_and_numbered_from_first_copy(printed):
    students = [Student("Ada Lovelace", "s001"), None]
    pdf = make_copies(printed.template, exam_code="DL24-MID", copies=students, first_copy=41)
    pages = _pages(pdf)
    assert [(p.copy, p.page) for _, p in pages] == [(41, 1), (41, 2), (42, 1), (42, 2)]
    assert "Ada Lovelace" in pages[0][0]
    assert "s001" in pages[1][0]
    assert "Ada Lovelace" not in pages[2][0]


def test_any_template_pdf_is_accepted_and_key_is_used():
    template = render_template("Three pages", [Region("q", 3, 0.1, 0.1, 0.9, 0.2)])
    pdf = make_copies(template, exam_code="T3", copies=1, key=b"k")
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 3
    img = doc[2].render(scale=100 / 72).to_pil()
    doc.close()
    assert decode_page(img, key=b"k").payload == QrPayload("T3", 1, 3)
    assert not decode_page(img, key=b"other").ok


def test_zero_copies_is_an_error(printed):
    with pytest.raises(ValueError, match="at least one copy"):
        make_copies(printed.template, exam_code="X", copies=0)


@pytest.mark.parametrize(
    "args",
    [("q", 0, 0.1, 0.1, 0.2, 0.2), ("q", 1, 0.5, 0.1, 0.2, 0.2), ("q", 1, 0.1, 0.1, 0.2, 1.2)],
)
def test_regions_must_be_normalised(args):
    with pytest.raises(ValueError, match="region 'q'"):
        Region(*args)
