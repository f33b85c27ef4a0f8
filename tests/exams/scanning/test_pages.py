from __future__ import annotations

import inspect
import io
import tracemalloc
import zipfile

import pytest
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from exams.scanning.copies import make_copies
from exams.scanning.pages import (
    ArchiveLimitError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ExpansionError,
    FileTooLargeError,
    ImageTooLargeError,
    PageLimits,
    ScanInputError,
    TooManyPagesError,
    UnsupportedFileTypeError,
    iter_pages,
    measure,
    sniff,
)


def _image_bytes(fmt: str, size=(200, 280), colour=200, **save) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, colour).save(buf, fmt, **save)
    return buf.getvalue()


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _pdf(pages: int = 1, size=(595, 842), **canvas_kw) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=size, **canvas_kw)
    for i in range(pages):
        c.drawString(72, 72, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------- good inputs
def test_scanner_pdf_pages_are_taken_out_as_their_jpeg(scan):
    pages = list(iter_pages(scan.pdf, name="tray.pdf"))
    assert len(pages) == len(scan.manifest.pages)
    assert [p.index for p in pages] == list(range(len(pages)))
    assert {p.method for p in pages} == {"embedded"}
    assert [p.encoded for p in pages] == scan.jpegs  # the same bytes, not re-encoded
    assert pages[0].dpi == pytest.approx(120, abs=1)
    assert pages[0].source == "tray.pdf"
    assert pages[0].number == 1


def test_reduced_page_is_half_size_and_grey(scan):
    page = next(iter_pages(scan.pdf))
    small = page.reduced()
    assert small.mode == "L"
    assert abs(small.width - page.image.width / 2) <= 1


def test_born_digital_pdf_is_rendered(printed):
    pages = list(iter_pages(printed.copies, limits=PageLimits(render_dpi=50)))
    assert len(pages) == 6
    assert {p.method for p in pages} == {"rendered"}
    w, h = pages[0].image.size
    assert abs(w - 595.28 * 50 / 72) <= 1
    assert abs(h - 841.89 * 50 / 72) <= 1


def test_png_jpeg_and_multiframe_tiff():
    tiff = io.BytesIO()
    frames = [Image.new("L", (100, 140), v) for v in (10, 120, 240)]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    assert [p.method for p in iter_pages(_image_bytes("PNG"))] == ["image"]
    (jpeg,) = iter_pages(_image_bytes("JPEG", dpi=(150, 150)))
    assert jpeg.encoded is not None
    assert jpeg.dpi == 150
    pages = list(iter_pages(tiff.getvalue(), name="scan.tif"))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.image.getpixel((0, 0)) for p in pages] == [10, 120, 240]


def test_zip_is_walked_in_name_order_recursively_skipping_metadata(printed):
    inner = _zip({"c.png": _image_bytes("PNG")})
    data = _zip(
        {
            "b/exam.pdf": printed.template,
            "a.jpg": _image_bytes("JPEG"),
            "__MACOSX/._a.jpg": b"junk",
            ".DS_Store": b"junk",
            "z.zip": inner,
        }
    )
    pages = list(iter_pages(data, name="batch.zip", limits=PageLimits(render_dpi=30)))
    assert [(p.source, p.number) for p in pages] == [
        ("batch.zip/a.jpg", 1),
        ("batch.zip/b/exam.pdf", 1),
        ("batch.zip/b/exam.pdf", 2),
        ("batch.zip/z.zip/c.png", 1),
    ]
    assert [p.index for p in pages] == [0, 1, 2, 3]


def test_a_resumed_split_starts_at_its_first_page_not_stored(printed, monkeypatch):
    import exams.scanning.pages as pages_module

    tiff = io.BytesIO()
    frames = [Image.new("L", (100, 140), v) for v in (10, 120, 240)]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    data = _zip({"a.pdf": printed.template, "b.tif": tiff.getvalue()})
    everything = list(iter_pages(data, limits=PageLimits(render_dpi=30)))
    rendered = []
    real = pages_module._pdf_page
    monkeypatch.setattr(
        pages_module,
        "_pdf_page",
        lambda page, number, *a: rendered.append(number) or real(page, number, *a),
    )
    rest = list(iter_pages(data, limits=PageLimits(render_dpi=30), start=3))
    assert [p.index for p in rest] == [3, 4]
    assert [(p.source, p.number) for p in rest] == [(p.source, p.number) for p in everything[3:]]
    assert [p.image.getpixel((0, 0)) for p in rest] == [120, 240]
    assert rendered == []  # the PDF's pages before the start are not rendered again
    assert list(iter_pages(data, limits=PageLimits(render_dpi=30), start=5)) == []


def test_a_pdf_is_read_from_its_path_on_demand(tmp_path, scan):
    path = tmp_path / "tray.pdf"
    path.write_bytes(scan.pdf)
    pages = iter_pages(path, name="tray.pdf")
    assert [p.encoded for p in pages] == scan.jpegs


def test_paths_and_file_objects_are_accepted(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(_image_bytes("PNG"))
    assert len(list(iter_pages(path))) == 1
    with open(path, "rb") as fh:
        assert len(list(iter_pages(fh))) == 1


def test_pages_are_yielded_lazily(scan):
    pages = iter_pages(scan.pdf)
    assert inspect.isgenerator(pages)
    first = next(pages)
    assert first.index == 0
    pages.close()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7", "pdf"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"II*\x00", "tiff"),
        (b"PK\x03\x04", "zip"),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_uses_magic_bytes(data, kind):
    assert sniff(data) == kind


# ---------------------------------------------------------------- bad inputs
def _error(data, **kw) -> ScanInputError:
    with pytest.raises(ScanInputError) as info:
        list(iter_pages(data, name="upload.pdf", **kw))
    assert isinstance(info.value, ValueError)
    assert "upload.pdf" in str(info.value)
    return info.value


def test_empty_file():
    assert isinstance(_error(b""), EmptyFileError)


def test_wrong_file_type_whatever_the_name():
    err = _error(b"Dear instructor, here are my answers")
    assert isinstance(err, UnsupportedFileTypeError)
    assert "not a PDF" in str(err)


def test_gif_is_not_accepted():
    assert isinstance(_error(_image_bytes("GIF")), UnsupportedFileTypeError)


def test_corrupt_pdf():
    assert isinstance(_error(b"%PDF-1.7\n" + bytes(range(256)) * 20), CorruptFileError)


def test_corrupt_image():
    png = _image_bytes("PNG")
    assert isinstance(_error(png[:60]), CorruptFileError)


def test_password_protected_pdf():
    err = _error(_pdf(encrypt="user-password"))
    assert isinstance(err, EncryptedFileError)
    assert "password" in str(err)


def test_encrypted_pdf_even_without_user_password():
    enc = StandardEncryption("", ownerPassword="owner", canPrint=0)
    assert isinstance(_error(_pdf(encrypt=enc)), EncryptedFileError)


def test_file_over_the_size_limit(tmp_path):
    data = _image_bytes("PNG")
    assert isinstance(_error(data, limits=PageLimits(max_file_bytes=50)), FileTooLargeError)
    path = tmp_path / "upload.pdf"
    path.write_bytes(data)
    with pytest.raises(FileTooLargeError):
        list(iter_pages(path, limits=PageLimits(max_file_bytes=50)))


def test_too_many_pages_is_refused_before_any_page_is_yielded():
    pages = iter_pages(_pdf(pages=5), name="upload.pdf", limits=PageLimits(max_pages=4))
    with pytest.raises(TooManyPagesError, match="more than 4 pages"):
        next(pages)


def test_page_limit_counts_across_a_zip():
    data = _zip({f"{i}.png": _image_bytes("PNG") for i in range(5)})
    assert isinstance(_error(data, limits=PageLimits(max_pages=3)), TooManyPagesError)


def test_pdf_page_too_large_to_render_is_a_bomb():
    # A 200-inch page at 200 dpi would be 1.6 gigapixels: refused before rendering.
    assert isinstance(_error(_pdf(size=(14400, 14400))), ImageTooLargeError)


def test_image_over_the_pixel_limit():
    png = _image_bytes("PNG", size=(3000, 3000), colour=255)
    err = _error(png, limits=PageLimits(max_page_pixels=5_000_000))
    assert isinstance(err, ImageTooLargeError)
    assert "megapixels" in str(err)


def test_decompression_bomb_png_stopped_by_pillow():
    buf = io.BytesIO()
    Image.new("1", (14000, 14000), 1).save(buf, "PNG")  # 196 Mpx, a few KiB
    assert isinstance(
        _error(buf.getvalue(), limits=PageLimits(max_page_pixels=10**9)), ImageTooLargeError
    )


def test_zip_bomb_ratio():
    data = _zip({"page.png": b"\x89PNG\r\n\x1a\n" + bytes(20 * 2**20)})
    err = _error(data)
    assert isinstance(err, ArchiveLimitError)
    assert "ZIP bomb" in str(err)


def test_zip_entry_count_limit():
    data = _zip({f"{i}.png": _image_bytes("PNG") for i in range(6)})
    assert isinstance(_error(data, limits=PageLimits(max_zip_entries=5)), ArchiveLimitError)


def test_zip_nesting_limit():
    data = _zip({"a.zip": _zip({"b.zip": _zip({"c.png": _image_bytes("PNG")})})})
    assert isinstance(_error(data, limits=PageLimits(max_zip_depth=2)), ArchiveLimitError)


def test_unsupported_member_in_zip_is_named():
    err = _error(_zip({"notes.txt": b"hello"}))
    assert isinstance(err, UnsupportedFileTypeError)
    assert "notes.txt" in str(err)


def test_empty_zip():
    assert isinstance(_error(_zip({})), EmptyFileError)


def test_scanned_template_with_vector_stamps_is_rendered_not_extracted(scan):
    # A "template" that is itself one scanned JPEG per page: the stamped copies hold the
    # image plus vector stamps, so the embedded image alone would lose the QR code.
    copies = make_copies(scan.pdf, exam_code="SCANNED", copies=1)
    pages = list(iter_pages(copies, limits=PageLimits(render_dpi=60)))
    assert {p.method for p in pages} == {"rendered"}


def test_embedded_jpeg_over_the_pixel_limit_is_refused(scan):
    err = _error(scan.pdf, limits=PageLimits(max_page_pixels=500_000))
    assert isinstance(err, ImageTooLargeError)
    assert "page 1" in str(err)


def test_non_jpeg_page_image_is_taken_out_decoded():
    # A Flate-compressed greyscale page image, as some scanners write for black-and-white.
    page = Image.new("L", (620, 877), 255)
    page.paste(0, (100, 100, 200, 180))
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(595, 842))
    c.drawImage(ImageReader(page), 0, 0, 595, 842)
    c.showPage()
    c.save()
    (got,) = iter_pages(buf.getvalue())
    assert got.method == "embedded"
    assert got.encoded is None
    assert got.image.size == (620, 877)
    assert got.image.convert("L").getpixel((150, 140)) < 50


# ---------------------------------------------------------------- amplification (issue 13)
def _blank_png_zip(pages: int = 40, size=(7000, 8500)) -> bytes:
    """The issue's amplification: blank 59.5-megapixel pages, a few KB each once zipped."""
    buf = io.BytesIO()
    Image.new("1", size, 1).save(buf, "PNG", optimize=True)
    return _zip({f"p{i:03d}.png": buf.getvalue() for i in range(pages)})


def test_a_small_zip_of_huge_blank_pages_is_refused_before_any_page_is_decoded():
    data = _blank_png_zip()
    assert len(data) < 27_000
    with pytest.raises(ExpansionError) as info:
        measure(data, name="pages.zip")
    message = str(info.value)
    assert message.startswith("pages.zip: its pages add up to more than 1,0")
    assert "scanned pages do not compress that much" in message
    # iter_pages measures first: not one page is decoded.
    pages = iter_pages(data, name="pages.zip")
    with pytest.raises(ExpansionError):
        next(pages)


def test_a_thousand_page_blank_pdf_is_refused_for_its_size():
    with pytest.raises(ExpansionError, match="from a file of"):
        measure(_pdf(pages=1000, size=(595, 842)).replace(b"page ", b"     "))


def test_measure_counts_pages_and_pixels_from_headers(scan):
    size = measure(scan.pdf)
    assert size.pages == len(scan.manifest.pages)
    first = Image.open(io.BytesIO(scan.jpegs[0]))
    assert size.pixels == first.size[0] * first.size[1] * size.pages
    tiff = io.BytesIO()
    frames = [Image.new("L", (100, 50)), Image.new("L", (30, 20))]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    both = measure(_zip({"a.tif": tiff.getvalue(), "b.pdf": _pdf(pages=2, size=(72, 36))}))
    assert both.pages == 4
    assert both.pixels == 100 * 50 + 30 * 20 + 2 * (200 * 100)  # 1 x 0.5 inch at 200 dpi


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (PageLimits(max_upload_pixels=10**6), "add up to more than 1 megapixels; split it"),
        (PageLimits(free_pixels=0, max_pixels_per_byte=1.0), "scanned pages do not compress"),
    ],
)
def test_the_pixels_of_all_pages_are_bounded(scan, limits, message):
    with pytest.raises(ExpansionError, match=message):
        list(iter_pages(scan.pdf, name="tray.pdf", limits=limits))


def test_real_scans_are_far_below_the_pixels_per_byte_bound(scan):
    size = measure(scan.pdf)
    assert size.pixels / len(scan.pdf) < PageLimits().max_pixels_per_byte / 10


def test_zip_members_are_streamed_not_read_whole(scan):
    """A ZIP holding a 20 MB PDF: the member goes to a temporary file and pdfium reads the
    page it needs from it; Python never holds the member's bytes."""
    big = scan.pdf + b"%" + bytes(20 * 2**20)  # bytes after %%EOF: still the same PDF
    data = _zip({"tray.pdf": big}, compression=zipfile.ZIP_STORED)
    tracemalloc.start()
    try:
        pages = iter_pages(data, name="batch.zip")
        first = next(pages)
        _, peak = tracemalloc.get_traced_memory()
        pages.close()
    finally:
        tracemalloc.stop()
    assert first.source == "batch.zip/tray.pdf"
    assert peak < 8 * 2**20  # before: the member, 20 MB, read into one bytes object
