from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
import segno
from PIL import Image

from exams.scanning.qrcodes import (
    QrFailure,
    QrPayload,
    QrPayloadError,
    _rotate_points,
    decode_page,
)


def _page(pdf: bytes, index: int, dpi: float = 100) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def _paste_qr(text: str, size=(800, 1100), at=(550, 60)) -> Image.Image:
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=5, border=4)
    page = Image.new("L", size, 255)
    page.paste(Image.open(buf).convert("L"), at)
    return page


def test_payload_round_trips_through_its_text():
    payload = QrPayload("DL24-MID", 17, 3)
    text = payload.encode(b"secret")
    assert text.startswith("GB1:DL24-MID:17:3:")
    assert QrPayload.parse(text, b"secret") == payload


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace(":17:", ":18:"),  # copy number misread or edited
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # check value misread
        lambda t: "hello world",
    ],
)
def test_parse_rejects_tampered_or_foreign_text(mangle):
    text = QrPayload("DL24-MID", 17, 3).encode()
    with pytest.raises(QrPayloadError):
        QrPayload.parse(mangle(text))


def test_parse_rejects_a_code_made_with_another_key():
    with pytest.raises(QrPayloadError):
        QrPayload.parse(QrPayload("X1", 1, 1).encode(b"one"), b"two")


@pytest.mark.parametrize("code", ["", "lower", "WAY-TOO-LONG-CODE-X", "A:B"])
def test_payload_rejects_bad_exam_codes(code):
    with pytest.raises(ValueError, match="exam code"):
        QrPayload(code, 1, 1)


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_decode_reads_payload_and_quarter_turn(printed, turn):
    page = _page(printed.copies, 3)  # copy 2, page 2
    read = decode_page(page.rotate(turn, expand=True))
    assert read.payload == QrPayload("DL24-MID", 2, 2)
    assert read.failure is None
    assert read.rotation == turn
    assert len(read.corners) == 4


def test_decode_reports_small_skew_angle(printed):
    page = _page(printed.copies, 0, dpi=150).rotate(
        4, resample=Image.Resampling.BICUBIC, fillcolor=255
    )
    read = decode_page(page)
    assert read.rotation == 0
    assert read.angle_deg == pytest.approx(4, abs=1.5)


def test_blank_page_is_not_found():
    read = decode_page(Image.new("L", (600, 800), 255))
    assert not read.ok
    assert read.failure is QrFailure.NOT_FOUND


def test_foreign_qr_is_reported_as_foreign():
    read = decode_page(_paste_qr("https://example.org/not-ours"))
    assert read.failure is QrFailure.FOREIGN


def test_wrong_check_value_is_reported():
    text = QrPayload("DL24-MID", 2, 1).encode(b"right")
    read = decode_page(_paste_qr(text), key=b"wrong")
    assert read.failure is QrFailure.BAD_CHECK


def test_two_different_codes_on_one_page_conflict():
    page = _paste_qr(QrPayload("DL24-MID", 1, 1).encode())
    other = _paste_qr(QrPayload("DL24-MID", 2, 1).encode(), at=(60, 700))
    page.paste(other.crop((0, 650, 400, 1100)), (0, 650))
    read = decode_page(page)
    assert read.failure is QrFailure.CONFLICT
    assert read.payload is None


def test_falls_back_to_full_resolution_when_reduced_image_is_useless(printed):
    page = _page(printed.copies, 0, dpi=150)
    read = decode_page(page, reduced=Image.new("L", (page.width // 2, page.height // 2), 255))
    assert read.ok
    assert read.strategy == "full"


@pytest.mark.parametrize("angle", [30.0, -20.0, 90.0])
def test_points_found_in_a_turned_copy_map_back_to_the_page(angle):
    # A marked pixel is found in the turned image and must map back to where it was.
    page = Image.new("L", (300, 200), 255)
    page.putpixel((250, 40), 0)
    turned = page.rotate(angle, expand=True, fillcolor=255)
    ys, xs = np.nonzero(np.asarray(turned) < 128)
    ((x, y),) = _rotate_points([(xs.mean() + 0.5, ys.mean() + 0.5)], angle, page.size, turned.size)
    assert (x, y) == pytest.approx((250.5, 40.5), abs=1.0)


def test_rotated_page_reports_its_angle_and_corners_in_page_pixels(printed):
    page = _page(printed.copies, 0, dpi=150).rotate(
        30, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=255
    )
    read = decode_page(page)
    assert read.payload == QrPayload("DL24-MID", 1, 1)
    assert read.angle_deg == pytest.approx(30, abs=2)
    xs = [x for x, _ in read.corners]
    ys = [y for _, y in read.corners]
    box = (min(xs) - 40, min(ys) - 40, max(xs) + 40, max(ys) + 40)
    assert decode_page(page.crop(box)).payload == read.payload
