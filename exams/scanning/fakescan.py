"""Fake scans for demos and tests: write answers on printed copies and scan them badly.

Takes the printable copies PDF (copies.make_copies), writes each copy's answers into the
answer regions in a handwriting-style font, degrades every page the way a document feeder
does (small rotation and shift, blur, noise, grey paper, JPEG compression), turns pages
upside down, shuffles the stack, drops a page and feeds one twice, and writes a
scanner-style PDF: one greyscale JPEG per page, nothing else.

Fonts
    Handwriting fonts are found through fontconfig (``fc-list``) by family name. The Debian
    packages fonts-dkg-handwriting, fonts-breip, fonts-comic-neue and fonts-rufscript
    provide the defaults. Without them the generator falls back to DejaVu Sans Oblique,
    and then Pillow's built-in font, with per-character jitter. Fonts are not real hands:
    OCR figures measured on these pages are an upper bound for real handwriting.

Everything random comes from one ``random.Random(seed)`` and one NumPy generator seeded from
it, so a seed reproduces the same PDF bytes and the same manifest.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .layout import Region
from .qrcodes import decode_page

HANDWRITING_FAMILIES = ("DkgHandwriting", "Breip", "Comic Neue", "Rufscript")
FALLBACK_FAMILIES = ("DejaVu Sans",)
INKS = ((20, 30, 120), (15, 15, 20), (30, 50, 160))


@dataclass(frozen=True)
class ScanDefects:
    """How badly the fake scanner behaves. Angles in degrees, shifts in mm."""

    max_skew_deg: float = 2.5
    max_shift_mm: float = 2.0
    blur_radius: tuple[float, float] = (0.2, 0.8)
    noise_sigma: tuple[float, float] = (2.0, 8.0)
    jpeg_quality: tuple[int, int] = (45, 85)
    upside_down: int = 1  # pages turned 180 degrees
    quarter_turns: int = 0  # pages turned 90 or 270 degrees (fed sideways)
    dropped: int = 1  # pages missing from the stack
    duplicated: int = 1  # pages fed twice
    shuffle: bool = True


@dataclass(frozen=True)
class PlantedText:
    """One answer written on one page; ``box`` is where the ink went, normalised."""

    copy: int
    page: int
    label: str
    text: str
    font: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class ScannedPage:
    """One page of the fake scan, in scan order.

    ``rotation`` is the quarter turn applied (counter-clockwise on screen, the convention of
    ``qrcodes.QrRead.angle_deg``), ``skew_deg`` the small extra rotation on top of it.
    """

    position: int
    copy: int
    page: int
    rotation: int
    skew_deg: float
    duplicate: bool


@dataclass(frozen=True)
class FakeScanManifest:
    """What the generator planted, for tests and demos to check the pipeline against."""

    dpi: float
    pages: tuple[ScannedPage, ...]
    missing: tuple[tuple[int, int], ...]
    duplicated: tuple[tuple[int, int], ...]
    texts: tuple[PlantedText, ...]
    fonts: tuple[str, ...]

    def text_for(self, copy: int, label: str) -> str:
        return next(t.text for t in self.texts if t.copy == copy and t.label == label)


@dataclass
class FakeScan:
    pdf: bytes
    jpegs: list[bytes] = field(repr=False)
    manifest: FakeScanManifest


@cache
def _fontconfig_families() -> dict[str, list[str]]:
    if shutil.which("fc-list") is None:
        return {}
    out = subprocess.run(
        ["fc-list", ":", "family", "style", "file"], capture_output=True, text=True, check=False
    ).stdout
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        path, _, rest = line.partition(": ")
        family, _, style = rest.partition(":style=")
        # The first style name is the face's own ("Light,Regular" is a light face).
        if style.split(",")[0] in ("Regular", "Roman", "Medium", "Book", "Oblique"):
            found.setdefault(family.split(",")[0].strip(), []).append(path)
    return {k: sorted(v) for k, v in found.items()}


def handwriting_fonts(
    families: Sequence[str] = HANDWRITING_FAMILIES,
) -> list[tuple[str, str | None]]:
    """(family, file) for each installed family; a fallback entry if none is installed.

    A ``None`` file means Pillow's built-in font.
    """
    installed = _fontconfig_families()
    fonts: list[tuple[str, str | None]] = [(f, installed[f][0]) for f in families if f in installed]
    if fonts:
        return fonts
    for fam in FALLBACK_FAMILIES:
        if fam in installed:
            oblique = [p for p in installed[fam] if "Oblique" in p] or installed[fam]
            return [(fam + " (jittered)", oblique[0])]
    return [("Pillow default (jittered)", None)]


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def _write(
    page: Image.Image,
    text: str,
    box_px: tuple[int, int, int, int],
    font_path: str | None,
    rng: random.Random,
) -> tuple[int, int, int, int]:
    """Write ``text`` inside ``box_px`` character by character with jitter; return the ink box."""
    x0, y0, x1, y1 = box_px
    bh, bw = y1 - y0, x1 - x0
    size = max(10, int(bh * rng.uniform(0.38, 0.55)))
    font = _font(font_path, size)
    while font.getlength(text) * 1.1 > bw * 0.9 and size > 10:
        size -= 2
        font = _font(font_path, size)
    width = int(font.getlength(text) * 1.1) + size
    layer = Image.new("L", (width + size, size * 2), 0)
    draw = ImageDraw.Draw(layer)
    x = size / 2
    for ch in text:
        dy = rng.uniform(-0.06, 0.06) * size
        draw.text((x, size * 0.4 + dy), ch, font=font, fill=255)
        x += font.getlength(ch) * rng.uniform(0.98, 1.12)
    layer = layer.rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, expand=True)
    bbox = layer.getbbox()
    if bbox is None:
        return (x0, y0, x0, y0)
    layer = layer.crop(bbox)
    lw, lh = layer.size
    px = x0 + int(rng.uniform(0.04, max(0.05, 1 - lw / bw - 0.04)) * bw)
    py = y0 + max(2, int((bh - lh) * rng.uniform(0.3, 0.7)))
    ink = Image.new("RGB", layer.size, rng.choice(INKS))
    page.paste(ink, (px, py), layer)
    return (px, py, px + lw, py + lh)


def _degrade(
    page: Image.Image, rng: random.Random, nprng: np.random.Generator, dpi: float, d: ScanDefects
) -> tuple[Image.Image, float]:
    grey = page.convert("L")
    skew = rng.uniform(-d.max_skew_deg, d.max_skew_deg)
    shift = d.max_shift_mm / 25.4 * dpi
    grey = grey.rotate(
        skew,
        resample=Image.Resampling.BICUBIC,
        translate=(round(rng.uniform(-shift, shift)), round(rng.uniform(-shift, shift))),
        fillcolor=255,
    )
    grey = grey.filter(ImageFilter.GaussianBlur(rng.uniform(*d.blur_radius)))
    clean = np.asarray(grey, dtype=np.float64)
    paper = rng.uniform(225, 250)
    noisy = clean * (paper / 255.0) + nprng.normal(0.0, rng.uniform(*d.noise_sigma), clean.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), skew


def fake_scan(
    copies_pdf: bytes,
    answers: Mapping[tuple[int, str], str],
    regions: Sequence[Region],
    *,
    seed: int = 0,
    dpi: float = 150.0,
    defects: ScanDefects | None = None,
    key: bytes = b"",
    fonts: Sequence[tuple[str, str | None]] | None = None,
) -> FakeScan:
    """Write answers on the copies and produce a scanner-style PDF plus its manifest.

    Parameters
    ----------
    copies_pdf
        Output of copies.make_copies. Each page's (copy, page) is read from its QR code.
    answers
        Text per (copy number, region label); regions without an entry stay blank.
    regions
        The answer regions (normalised page coordinates).
    seed
        Seeds every random choice; the same inputs and seed give the same bytes.
    dpi
        Scan resolution (150-200 is what document scanners use for exams).
    defects
        What the scanner does wrong; see :class:`ScanDefects`.
    key
        The QR key the copies were made with.
    fonts
        (name, font file) pairs, one per copy in turn; default :func:`handwriting_fonts`.
    """
    d = defects or ScanDefects()
    rng = random.Random(seed)
    nprng = np.random.default_rng(rng.getrandbits(32))
    fonts = list(fonts or handwriting_fonts())
    written = _write_copies(copies_pdf, answers, regions, dpi=dpi, key=key, fonts=fonts, rng=rng)
    clean = written.pages

    order = list(range(len(clean)))
    dropped = sorted(rng.sample(order, min(d.dropped, len(order) - 1)))
    kept = [i for i in order if i not in dropped]
    twice = sorted(rng.sample(kept, min(d.duplicated, len(kept))))
    stack = kept + twice
    if d.shuffle:
        rng.shuffle(stack)
    turned = rng.sample(range(len(stack)), min(d.upside_down + d.quarter_turns, len(stack)))
    turns = {pos: 180 for pos in turned[: d.upside_down]}
    turns.update({pos: rng.choice((90, 270)) for pos in turned[d.upside_down :]})

    pages: list[ScannedPage] = []
    jpegs: list[bytes] = []
    seen: set[int] = set()
    for pos, i in enumerate(stack):
        copy, pno, img = clean[i]
        scanned, skew = _degrade(img, rng, nprng, dpi, d)
        rotation = turns.get(pos, 0)
        if rotation:
            scanned = scanned.rotate(rotation, expand=True)
        buf = io.BytesIO()
        scanned.save(buf, "JPEG", quality=rng.randint(*d.jpeg_quality), dpi=(dpi, dpi))
        jpegs.append(buf.getvalue())
        pages.append(ScannedPage(pos, copy, pno, rotation, skew, duplicate=i in seen))
        seen.add(i)

    manifest = FakeScanManifest(
        dpi=dpi,
        pages=tuple(pages),
        missing=tuple((clean[i][0], clean[i][1]) for i in dropped),
        duplicated=tuple((clean[i][0], clean[i][1]) for i in twice),
        texts=tuple(written.planted),
        fonts=tuple(sorted({f for f, _ in written.copy_font.values()})),
    )
    return FakeScan(scanner_pdf(jpegs, dpi), jpegs, manifest)


@dataclass
class _Written:
    """The copies with their answers written, before the scanner: (copy, page, image) per
    page in print order, the texts planted, and each copy's font."""

    pages: list[tuple[int, int, Image.Image]] = field(default_factory=list)
    planted: list[PlantedText] = field(default_factory=list)
    copy_font: dict[int, tuple[str, str | None]] = field(default_factory=dict)


def _write_copies(
    copies_pdf: bytes,
    answers: Mapping[tuple[int, str], str],
    regions: Sequence[Region],
    *,
    dpi: float,
    key: bytes,
    fonts: list[tuple[str, str | None]],
    rng: random.Random,
) -> _Written:
    """Render each printed page, read its QR code and write the copy's answers in its
    regions, in the copy's handwriting font."""
    font_offset = rng.randrange(len(fonts))
    by_page: dict[int, list[Region]] = {}
    for r in regions:
        by_page.setdefault(r.page, []).append(r)
    out = _Written()
    doc = pdfium.PdfDocument(copies_pdf)
    try:
        for i in range(len(doc)):
            page = doc[i]
            img = page.render(scale=dpi / 72.0).to_pil().convert("RGB")
            page.close()
            read = decode_page(img, key=key)
            if read.payload is None:
                raise ValueError(f"page {i + 1} of the copies PDF has no readable QR code")
            copy, pno = read.payload.copy, read.payload.page
            # Round robin over the fonts from a seeded start: every font gets its share of
            # copies, so accuracy measured over a few copies is not one font's.
            fam, path = out.copy_font.setdefault(copy, fonts[(copy - 1 + font_offset) % len(fonts)])
            w, h = img.size
            for region in by_page.get(pno, []):
                text = answers.get((copy, region.label))
                if not text:
                    continue
                box = (
                    int(region.x0 * w),
                    int(region.y0 * h),
                    int(region.x1 * w),
                    int(region.y1 * h),
                )
                ink = _write(img, text, box, path, rng)
                where = (ink[0] / w, ink[1] / h, ink[2] / w, ink[3] / h)
                out.planted.append(PlantedText(copy, pno, region.label, text, fam, where))
            out.pages.append((copy, pno, img))
    finally:
        doc.close()
    return out


def scanner_pdf(jpegs: Sequence[bytes], dpi: float) -> bytes:
    """A PDF with one full-page JPEG per page, embedded as is (DCTDecode), like a scanner's."""
    pdf = pdfium.PdfDocument.new()
    try:
        for data in jpegs:
            with Image.open(io.BytesIO(data)) as im:
                w_px, h_px = im.size
            w_pt, h_pt = w_px / dpi * 72.0, h_px / dpi * 72.0
            page = pdf.new_page(w_pt, h_pt)
            obj = pdfium.PdfImage.new(pdf)
            obj.load_jpeg(io.BytesIO(data), inline=True)
            obj.set_matrix(pdfium.PdfMatrix().scale(w_pt, h_pt))
            page.insert_obj(obj)
            page.gen_content()
            page.close()
        buf = io.BytesIO()
        pdf.save(buf)
    finally:
        pdf.close()
    # pdfium writes the clock into /CreationDate and a random file /ID; replace both with
    # values of the same length (the xref offsets stay valid) so a seed gives the same bytes.
    digest = hashlib.md5(b"".join(jpegs), usedforsecurity=False).hexdigest().upper().encode()
    out = re.sub(
        rb"/CreationDate\(D:\d{14}", b"/CreationDate(D:20000101000000", buf.getvalue(), count=1
    )
    return re.sub(
        rb"/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]",
        b"/ID[<" + digest + b"><" + digest + b">]",
        out,
    )
