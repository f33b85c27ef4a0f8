"""Split an uploaded scan into page images, one at a time, with limits a hostile file cannot pass.

Accepted: PDF (scanner-style: one image per page, or born-digital pages that are rendered),
PNG, JPEG, TIFF (every frame), and ZIP archives of those (nested up to a depth limit). The
type is sniffed from the first bytes, never taken from the file name.

A scanned PDF page is already an image: when a page holds a single image covering the page,
that image is taken out as it is (a JPEG stays the same JPEG bytes, so a reduced copy can be
decoded cheaply with Pillow's draft mode); only pages without one are rendered with pypdfium2
(PIPELINE-NOTES.md: ~4x faster, no quality loss).

``iter_pages`` is a generator: one page image is alive at a time, so a 5000-page upload does
not sit in memory. An error can therefore surface after some pages have been yielded; callers
should treat the upload as failed as a whole when iteration raises.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError


class ScanInputError(ValueError):
    """An upload that cannot be split into pages; ``str(err)`` is meant for the user."""


class EmptyFileError(ScanInputError):
    pass


class UnsupportedFileTypeError(ScanInputError):
    pass


class CorruptFileError(ScanInputError):
    pass


class EncryptedFileError(ScanInputError):
    pass


class FileTooLargeError(ScanInputError):
    pass


class TooManyPagesError(ScanInputError):
    pass


class ImageTooLargeError(ScanInputError):
    """A page whose pixel count exceeds the limit: a decompression or PDF bomb, or a mistake."""


class ArchiveLimitError(ScanInputError):
    """A ZIP archive with too many entries, too deep nesting, or a suspicious expansion ratio."""


@dataclass(frozen=True)
class PageLimits:
    """Limits applied while splitting one upload. Defaults suit a few thousand scanned pages.

    ``max_page_pixels`` is checked on every page before it is decoded or rendered. Pillow's
    own guard (``PIL.Image.MAX_IMAGE_PIXELS``, 89 Mpx by default, an error above twice that)
    still applies underneath and is reported as ImageTooLargeError too; a deployment that
    raises ``max_page_pixels`` past it must raise Pillow's setting as well. It is a process
    global, so this module leaves it alone.
    """

    max_file_bytes: int = 1024 * 1024 * 1024  # the upload, and each ZIP member
    max_pages: int = 10_000  # pages across the whole upload
    max_page_pixels: int = 60_000_000  # A4 at 600 dpi is 35 Mpx
    render_dpi: float = 200.0  # for pages that must be rendered
    max_zip_entries: int = 10_000
    max_zip_ratio: float = 200.0  # uncompressed / compressed, per member over 1 MiB
    max_zip_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_zip_depth: int = 2


@dataclass
class PageImage:
    """One page of the upload.

    ``index`` is the page's 0-based position in the whole upload, ``source`` the file it came
    from (``"batch.zip/tray2.pdf"``) and ``number`` its 1-based page or frame number in that
    file. ``method`` is ``"embedded"`` (image taken out of a PDF page), ``"rendered"`` (PDF
    page rendered) or ``"image"`` (an image file or TIFF frame). ``encoded`` holds the
    original JPEG bytes when there are any, to store the page without re-encoding it.
    """

    index: int
    source: str
    number: int
    method: str
    dpi: float | None
    encoded: bytes | None = None
    _image: Image.Image | None = field(default=None, repr=False)

    @cached_property
    def image(self) -> Image.Image:
        """The full-resolution page image."""
        if self._image is not None:
            return self._image
        assert self.encoded is not None
        img = Image.open(io.BytesIO(self.encoded))
        img.load()
        return img

    def reduced(self, factor: int = 2) -> Image.Image:
        """A greyscale copy ``factor`` times smaller; cheap for JPEG pages (draft mode)."""
        if self.encoded is not None and "image" not in self.__dict__:
            img = Image.open(io.BytesIO(self.encoded))
            if img.format == "JPEG":
                w, h = img.size
                img.draft("L", (w // factor, h // factor))
                return img.convert("L")
        return self.image.convert("L").reduce(factor)


@dataclass
class _Budget:
    limits: PageLimits
    pages: int = 0
    zip_bytes: int = 0
    #: Pages before this index are counted but neither decoded nor yielded (a resumed split).
    start: int = 0

    def take_pages(self, n: int, source: str) -> None:
        self.pages += n
        if self.pages > self.limits.max_pages:
            raise TooManyPagesError(
                f"{source}: the upload has more than {self.limits.max_pages} pages; "
                "split it into smaller uploads"
            )

    def check_pixels(self, w: float, h: float, source: str) -> None:
        if w * h > self.limits.max_page_pixels:
            raise ImageTooLargeError(
                f"{source}: a page of {int(w)} x {int(h)} pixels is larger than allowed "
                f"({self.limits.max_page_pixels / 1e6:.0f} megapixels)"
            )


def sniff(data: bytes) -> str | None:
    """The file type from its first bytes: "pdf", "png", "jpeg", "tiff", "zip" or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    # The PDF header may be preceded by junk; readers accept it within the first 1 KiB.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def _too_large(name: str, size: int, limits: PageLimits) -> str:
    return (
        f"{name}: the file is {size / 2**20:.0f} MiB, more than the "
        f"{limits.max_file_bytes / 2**20:.0f} MiB allowed"
    )


def iter_pages(
    upload: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    name: str = "upload",
    limits: PageLimits | None = None,
    start: int = 0,
) -> Iterator[PageImage]:
    """Yield the pages of an uploaded file in order, from the page of index ``start`` on.

    Parameters
    ----------
    upload
        The file's bytes, a path, or a seekable binary file object. A path or file object
        is not read into memory as a whole: pdfium reads a PDF from it on demand.
    name
        The name shown in error messages and ``PageImage.source``.
    limits
        Size, page and archive limits; see :class:`PageLimits`.
    start
        Index of the first page to yield: the pages before it (already stored by an earlier
        part of the split) are skipped without being decoded or rendered.

    Raises
    ------
    ScanInputError
        One of its subclasses, with a message a user can act on.
    """
    limits = limits or PageLimits()
    budget = _Budget(limits, start=start)
    counter = iter(range(limits.max_pages + 1))
    if isinstance(upload, bytes | bytearray | memoryview):
        yield from _iter_file(io.BytesIO(bytes(upload)), name, budget, counter, depth=0)
    elif isinstance(upload, str | os.PathLike):
        with open(upload, "rb") as fh:
            yield from _iter_file(fh, name, budget, counter, depth=0)
    else:
        yield from _iter_file(upload, name, budget, counter, depth=0)


def _iter_file(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int], depth: int
) -> Iterator[PageImage]:
    limits = budget.limits
    size = fh.seek(0, io.SEEK_END)
    if size == 0:
        raise EmptyFileError(f"{source}: the file is empty")
    if size > limits.max_file_bytes:
        raise FileTooLargeError(_too_large(source, size, limits))
    fh.seek(0)
    kind = sniff(fh.read(1024))
    fh.seek(0)
    if kind is None:
        raise UnsupportedFileTypeError(
            f"{source}: not a PDF, PNG, JPEG, TIFF or ZIP file (whatever its name says)"
        )
    if kind == "pdf":
        yield from _iter_pdf(fh, source, budget, counter)
    elif kind == "zip":
        yield from _iter_zip(fh, source, budget, counter, depth)
    else:
        yield from _iter_image(fh, source, budget, counter)


def _iter_pdf(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int]
) -> Iterator[PageImage]:
    try:
        pdf = pdfium.PdfDocument(fh)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedFileError(
                f"{source}: the PDF is password-protected; upload an unprotected copy"
            ) from exc
        raise CorruptFileError(f"{source}: the PDF is damaged and cannot be read") from exc
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            raise EncryptedFileError(f"{source}: the PDF is encrypted; upload an unprotected copy")
        n = len(pdf)
        if n == 0:
            raise CorruptFileError(f"{source}: the PDF has no pages")
        budget.take_pages(n, source)
        for i in range(n):
            index = next(counter)
            if index < budget.start:
                continue
            page = pdf[i]
            try:
                yield _pdf_page(page, i + 1, source, budget, index)
            finally:
                page.close()
    finally:
        pdf.close()


def _single_page_image(page: pdfium.PdfPage) -> pdfium.PdfImage | None:
    """The page's only image if it covers the page without rotation or flip and nothing but
    text is drawn with it (scanners add an invisible OCR text layer; vector stamps, as on a
    printable copy of a scanned template, mean the page must be rendered)."""
    images = []
    for obj in page.get_objects():
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(obj)
        elif obj.type in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_SHADING):
            return None
    if len(images) != 1:
        return None
    img = images[0]
    m = img.get_matrix()
    if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:
        return None
    left, bottom, right, top = img.get_bounds()
    pw, ph = page.get_size()
    if (right - left) * (top - bottom) < 0.9 * pw * ph:
        return None
    return img


def _pdf_page(
    page: pdfium.PdfPage, number: int, source: str, budget: _Budget, index: int
) -> PageImage:
    where = f"{source}, page {number}"
    pw, ph = page.get_size()
    rotation = page.get_rotation()
    img_obj = _single_page_image(page)
    if img_obj is not None:
        w_px, h_px = img_obj.get_px_size()
        budget.check_pixels(w_px, h_px, where)
        dpi = w_px / (pw / 72.0)
        if img_obj.get_filters() == ["DCTDecode"] and rotation == 0:
            buf = io.BytesIO()
            img_obj.extract(buf)
            # The JPEG's own header may claim a larger size than the PDF says: check it too
            # (Image.open reads only the header).
            try:
                with Image.open(io.BytesIO(buf.getvalue())) as header:
                    budget.check_pixels(*header.size, where)
            except Image.DecompressionBombError as exc:
                raise ImageTooLargeError(
                    f"{where}: the page image is too large to open safely"
                ) from exc
            except (UnidentifiedImageError, OSError) as exc:
                raise CorruptFileError(f"{where}: the page image is damaged") from exc
            return PageImage(index, source, number, "embedded", dpi, encoded=buf.getvalue())
        try:
            pil = img_obj.get_bitmap(render=False).to_pil()
        except pdfium.PdfiumError:
            pil = None
        if pil is not None:
            if rotation:
                # /Rotate turns the page clockwise when displayed.
                pil = pil.rotate(-rotation, expand=True)
            return PageImage(index, source, number, "embedded", dpi, _image=pil)
    scale = budget.limits.render_dpi / 72.0
    budget.check_pixels(pw * scale, ph * scale, where)
    try:
        pil = page.render(scale=scale, grayscale=True, may_draw_forms=False).to_pil()
    except pdfium.PdfiumError as exc:
        raise CorruptFileError(f"{where}: the page cannot be rendered") from exc
    return PageImage(index, source, number, "rendered", budget.limits.render_dpi, _image=pil)


def _iter_image(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int]
) -> Iterator[PageImage]:
    try:
        img = Image.open(fh)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{source}: the image is too large to open safely") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise CorruptFileError(f"{source}: the image is damaged and cannot be read") from exc
    try:
        n_frames = getattr(img, "n_frames", 1)
        budget.take_pages(n_frames, source)
        for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
            index = next(counter)
            if index < budget.start:
                continue
            where = source if n_frames == 1 else f"{source}, frame {number}"
            budget.check_pixels(*frame.size, where)
            dpi = frame.info.get("dpi", (None,))[0]
            try:
                if n_frames == 1 and img.format == "JPEG" and img.getexif().get(0x0112, 1) == 1:
                    # Upright JPEG (no EXIF rotation): keep its bytes for draft-mode reduction.
                    fh.seek(0)
                    encoded = fh.read()
                    yield PageImage(index, source, number, "image", dpi, encoded=encoded)
                    continue
                page = ImageOps.exif_transpose(frame.copy())
                page.load()
            except (OSError, SyntaxError, ValueError) as exc:
                raise CorruptFileError(f"{where}: the image is damaged and cannot be read") from exc
            yield PageImage(index, source, number, "image", dpi, _image=page)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{source}: the image is too large to open safely") from exc
    except (OSError, SyntaxError) as exc:
        raise CorruptFileError(f"{source}: the image is damaged and cannot be read") from exc
    finally:
        img.close()


def _iter_zip(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int], depth: int
) -> Iterator[PageImage]:
    limits = budget.limits
    if depth >= limits.max_zip_depth:
        raise ArchiveLimitError(f"{source}: archives nested more than {limits.max_zip_depth} deep")
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptFileError(f"{source}: the ZIP archive is damaged") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            raise ArchiveLimitError(
                f"{source}: {len(infos)} files in the archive, more than {limits.max_zip_entries}"
            )
        members = sorted(
            (i for i in infos if not i.is_dir() and not _is_metadata(i.filename)),
            key=lambda i: i.filename,
        )
        if not members:
            raise EmptyFileError(f"{source}: the ZIP archive holds no files")
        for info in members:
            where = f"{source}/{info.filename}"
            if info.flag_bits & 0x1:
                raise EncryptedFileError(f"{where}: the archive member is password-protected")
            if info.file_size > limits.max_file_bytes:
                raise FileTooLargeError(_too_large(where, info.file_size, limits))
            if info.file_size > 2**20 and info.file_size > limits.max_zip_ratio * max(
                info.compress_size, 1
            ):
                raise ArchiveLimitError(
                    f"{where}: expands {info.file_size / max(info.compress_size, 1):.0f} times; "
                    "this looks like a ZIP bomb"
                )
            budget.zip_bytes += info.file_size
            if budget.zip_bytes > limits.max_zip_total_bytes:
                raise ArchiveLimitError(f"{source}: the archive expands to more than allowed")
            try:
                with zf.open(info) as member:
                    # Declared sizes can lie: never read more than the limit.
                    content = member.read(limits.max_file_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise CorruptFileError(f"{where}: the archive member is damaged") from exc
            yield from _iter_file(io.BytesIO(content), where, budget, counter, depth + 1)


def _is_metadata(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith(".") or base == "Thumbs.db"
