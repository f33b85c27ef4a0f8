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
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, BinaryIO, cast

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


class ExpansionError(ScanInputError):
    """An upload whose pages add up to more pixels than allowed, in all or for its size in
    bytes: a small file that would cost hours of decoding (a decompression bomb)."""


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
    #: Pixels of all the pages together (A4 at 300 dpi is 8.7 Mpx: 5,700 pages).
    max_upload_pixels: int = 50_000_000_000
    #: Pixels per byte of the upload, beyond ``free_pixels`` that any upload may declare. A
    #: greyscale JPEG scan is 10-20 pixels a byte, a bilevel (CCITT G4) one 150-300 with its
    #: blank pages at ~3,000; a page of blank PNG squeezed into a ZIP is 100,000.
    max_pixels_per_byte: float = 1_000.0
    free_pixels: int = 1_000_000_000
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


@dataclass
class _Measure(_Budget):
    """The budget of :func:`measure`: pages, and pixels against the upload's size."""

    upload: str = "upload"
    upload_bytes: int = 0
    pixels: int = 0

    def take_pixels(self, w: float, h: float, where: str) -> None:
        limits = self.limits
        self.check_pixels(w, h, where)
        self.pixels += int(w * h)
        if self.pixels > limits.max_upload_pixels:
            raise ExpansionError(
                f"{self.upload}: its pages add up to more than "
                f"{limits.max_upload_pixels / 1e6:,.0f} megapixels; split it into smaller uploads"
            )
        allowed = limits.free_pixels + limits.max_pixels_per_byte * self.upload_bytes
        if self.pixels > allowed:
            raise ExpansionError(
                f"{self.upload}: its pages add up to more than {self.pixels / 1e6:,.0f} "
                f"megapixels (counted up to {where}) from a file of {_size(self.upload_bytes)}; "
                "scanned pages do not compress that much. Upload the files as they came from "
                "the scanner (blank or enlarged images, and decompression bombs, are refused)."
            )


@dataclass(frozen=True)
class UploadSize:
    """What an upload declares: its pages, and their pixels in all."""

    pages: int
    pixels: int


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


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
    with _opened(upload) as fh:
        if start == 0:  # a resumed split was measured when it began
            measure(fh, name=name, limits=limits)
        yield from _iter_file(fh, name, budget, counter, depth=0)


def measure(
    upload: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    name: str = "upload",
    limits: PageLimits | None = None,
) -> UploadSize:
    """The pages and pixels an upload declares, read from its headers only: no page is decoded
    or rendered, so a file past a limit is refused in a fraction of a second, before any
    work. :func:`iter_pages` calls it first.

    Raises
    ------
    ScanInputError
        What :func:`iter_pages` would raise for the file's structure and limits, and
        :class:`ExpansionError` for pixels past ``max_upload_pixels``, or past
        ``free_pixels + max_pixels_per_byte`` times the upload's size in bytes.
    """
    limits = limits or PageLimits()
    with _opened(upload) as fh:
        budget = _Measure(limits, upload=name, upload_bytes=fh.seek(0, io.SEEK_END))
        _measure_file(fh, name, budget, depth=0)
        fh.seek(0)
    return UploadSize(budget.pages, budget.pixels)


@contextmanager
def _opened(upload: bytes | str | os.PathLike[str] | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(upload, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(upload))
    elif isinstance(upload, str | os.PathLike):
        with open(upload, "rb") as fh:
            yield fh
    else:
        yield upload


def _kind(fh: BinaryIO, source: str, limits: PageLimits) -> str:
    """The file's type by its first bytes, after its size is checked."""
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
    return kind


def _measure_file(fh: BinaryIO, source: str, budget: _Measure, depth: int) -> None:
    kind = _kind(fh, source, budget.limits)
    if kind == "pdf":
        with _pdf_document(fh, source) as pdf:
            n = len(pdf)
            budget.take_pages(n, source)
            scale = budget.limits.render_dpi / 72.0
            for i in range(n):
                page = pdf[i]
                try:
                    img = _single_page_image(page)
                    if img is not None:
                        w, h = img.get_px_size()
                    else:
                        pw, ph = page.get_size()
                        w, h = pw * scale, ph * scale
                finally:
                    page.close()
                budget.take_pixels(w, h, f"{source}, page {i + 1}")
    elif kind == "zip":
        for where, member in _zip_members(fh, source, budget, depth):
            _measure_file(member, where, budget, depth + 1)
    else:
        with _image_file(fh, source) as img:
            n_frames = getattr(img, "n_frames", 1)
            budget.take_pages(n_frames, source)
            for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                where = source if n_frames == 1 else f"{source}, frame {number}"
                budget.take_pixels(*frame.size, where)


def _iter_file(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int], depth: int
) -> Iterator[PageImage]:
    kind = _kind(fh, source, budget.limits)
    if kind == "pdf":
        yield from _iter_pdf(fh, source, budget, counter)
    elif kind == "zip":
        yield from _iter_zip(fh, source, budget, counter, depth)
    else:
        yield from _iter_image(fh, source, budget, counter)


@contextmanager
def _pdf_document(fh: BinaryIO, source: str) -> Iterator[pdfium.PdfDocument]:
    """The PDF opened, unless it is damaged, encrypted or has no page."""
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
        if len(pdf) == 0:
            raise CorruptFileError(f"{source}: the PDF has no pages")
        yield pdf
    finally:
        pdf.close()


def _iter_pdf(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int]
) -> Iterator[PageImage]:
    with _pdf_document(fh, source) as pdf:
        n = len(pdf)
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


class _Lent:
    """A file lent to Pillow, which closes the file of an image it closes: this one stays
    open for its owner (``measure`` reads an upload before ``iter_pages`` does)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def __getattr__(self, name: str) -> object:
        return getattr(self._fh, name)

    def close(self) -> None:
        pass


@contextmanager
def _image_file(fh: BinaryIO, source: str) -> Iterator[Image.Image]:
    """The image opened (its header read, no pixel decoded); damage and bombs found while it
    is used are reported as such."""
    try:
        img = Image.open(cast(BinaryIO, _Lent(fh)))
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{source}: the image is too large to open safely") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise CorruptFileError(f"{source}: the image is damaged and cannot be read") from exc
    try:
        yield img
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{source}: the image is too large to open safely") from exc
    except (OSError, SyntaxError) as exc:
        raise CorruptFileError(f"{source}: the image is damaged and cannot be read") from exc
    finally:
        img.close()


def _iter_image(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int]
) -> Iterator[PageImage]:
    with _image_file(fh, source) as img:
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


def _iter_zip(
    fh: BinaryIO, source: str, budget: _Budget, counter: Iterator[int], depth: int
) -> Iterator[PageImage]:
    for where, member in _zip_members(fh, source, budget, depth):
        yield from _iter_file(member, where, budget, counter, depth + 1)


#: A ZIP member up to this size is held in memory; a larger one goes to an anonymous
#: temporary file (no name on disk: it disappears with the process, even a killed one).
_MEMBER_IN_MEMORY = 2 * 2**20


def _zip_members(
    fh: BinaryIO, source: str, budget: _Budget, depth: int
) -> Iterator[tuple[str, BinaryIO]]:
    """Each member of a ZIP archive, in name order, streamed into a temporary file of its own
    (never read whole into memory), after the archive's limits are checked. A member's file
    lives until the next member is asked for."""
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
            with tempfile.SpooledTemporaryFile(max_size=_MEMBER_IN_MEMORY) as member:
                # Declared sizes can lie: count what comes out, never more than the limits.
                budget.zip_bytes += _copy_member(zf, info, member, where, budget)
                member.seek(0)
                yield where, cast(BinaryIO, member)


def _copy_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes], where: str, budget: _Budget
) -> int:
    limits = budget.limits
    room = limits.max_zip_total_bytes - budget.zip_bytes
    copied = 0
    try:
        with zf.open(info) as member:
            while chunk := member.read(2**20):
                copied += len(chunk)
                if copied > limits.max_file_bytes:
                    raise FileTooLargeError(_too_large(where, copied, limits))
                if copied > room:
                    raise ArchiveLimitError(f"{where}: the archive expands to more than allowed")
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CorruptFileError(f"{where}: the archive member is damaged") from exc
    return copied


def _is_metadata(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith(".") or base == "Thumbs.db"
