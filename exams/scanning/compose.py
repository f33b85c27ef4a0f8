"""Compose answer regions as students write them, from real handwritten digits.

Every digit comes from :mod:`exams.scanning.handwriting` (real MNIST training-side digits,
one split per answer). Symbols no digit set has (``. , - + x = % ( ) [ ] / ·``) are pen
strokes with jitter, drawn with a pen as wide as the digits' strokes; letters and Greek come
from the handwriting fonts (Greek from DejaVu Sans, which the handwriting fonts lack). Answers
are drawn at scan scale (a 150-200 dpi crop: digits 25-45 px high) and then damaged as a
scanner does (:func:`damage`: blur, noise, specks, JPEG, light scans).

:func:`compose` makes one answer region of a given kind with its truth: the final value in the
form the key expects and what each written line says. The training script, the reading
benchmark and the tests all draw from here, seeded, so a seed gives the same images.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .fakescan import handwriting_fonts
from .handwriting import DigitBank

#: Answer kinds :func:`compose` makes: one line, then several lines.
ONE_LINE_KINDS = ("integer", "decimal", "negative", "shape", "percent", "working")
MULTI_LINE_KINDS = ("vector", "matrix", "fraction", "working_lines", "crossed_out", "boxed")
KINDS = ONE_LINE_KINDS + MULTI_LINE_KINDS
QUALITIES = ("clean", "light", "heavy")
_LETTERS = "NWHLPKSCyznkhwabcdxp"
_GREEK = "αβησλμθ"


@dataclass(frozen=True)
class Composed:
    """One answer region and its truth."""

    image: Image.Image
    #: The final value as the key expects it ("4960", "62 x 62 x 16", "[1, 2, 3]", "3/4").
    answer: str
    #: What each written line says, top to bottom, without spaces (struck-out lines included).
    lines: tuple[str, ...]
    kind: str
    quality: str


# --------------------------------------------------------------------------- glyphs
@dataclass
class _Glyph:
    ink: np.ndarray  # float32 in [0, 1]
    top: float  # y of the array's first row, digit top = 0, baseline = height
    gap: float = 1.0  # spacing factor before this glyph


def _digit(bank: DigitBank, d: int, h: float, rng: np.random.Generator) -> _Glyph:
    img = bank.pick(d, rng).astype(np.float32) / 255.0
    ys, xs = np.nonzero(img > 0.12)
    img = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    gh = h * rng.uniform(0.88, 1.05)
    scale = gh / img.shape[0]
    gw = max(2, round(img.shape[1] * scale * rng.uniform(0.85, 1.15)))
    out = cv2.resize(img, (gw, max(2, round(gh))), interpolation=cv2.INTER_CUBIC)
    out = _shear(np.clip(out, 0, 1), rng.uniform(-0.18, 0.18))
    return _Glyph(out, h - out.shape[0] + rng.normal(0, 0.03 * h))


def _shear(ink: np.ndarray, k: float) -> np.ndarray:
    """Slant: positive ``k`` leans the top to the right by ``k`` times the height."""
    hh, ww = ink.shape
    m = np.array([[1, -k, max(0.0, k) * hh], [0, 1, 0]], dtype=np.float32)
    return cv2.warpAffine(ink, m, (ww + math.ceil(abs(k) * hh), hh), flags=cv2.INTER_LINEAR)


def _strokes(
    paths: list[list[tuple[float, float]]],
    box: tuple[float, float],
    pen: float,
    rng: np.random.Generator,
    h: float,
) -> np.ndarray:
    """Polylines (in units of the glyph box, 0..1) drawn with a jittered pen, 2x supersampled."""
    bw, bh = box
    ss = 2
    margin = pen * 1.5
    width = math.ceil(bw + 2 * margin)
    height = math.ceil(bh + 2 * margin)
    canvas = np.zeros((height * ss, width * ss), np.uint8)
    for path in paths:
        pts = []
        for u, v in path:
            x = margin + u * bw + rng.normal(0, 0.025 * h)
            y = margin + v * bh + rng.normal(0, 0.025 * h)
            pts.append((x * ss, y * ss))
        arr = np.round(np.asarray(pts)).astype(np.int32).reshape(-1, 1, 2)
        thick = max(1, round(pen * ss * rng.uniform(0.85, 1.15)))
        cv2.polylines(canvas, [arr], False, 255, thick, lineType=cv2.LINE_AA)
    small = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


def _arc(end: float, bulge: float, n: int = 9) -> list[tuple[float, float]]:
    """A parenthesis from top to bottom: ends at x = ``end``, middle at x = ``bulge``."""
    return [(end + (bulge - end) * math.sin(math.pi * i / (n - 1)), i / (n - 1)) for i in range(n)]


def _symbol(ch: str, h: float, pen: float, rng: np.random.Generator) -> _Glyph:
    """A pen-stroke symbol; ``top`` places it against the digits (top 0, baseline h)."""
    r = rng.uniform
    if ch in ".·":
        size = pen * r(1.0, 1.6)
        ink = _strokes([[(0.5, 0.5), (0.55, 0.55)]], (size, size), size, rng, 0.2 * h)
        centre = h - size / 2 if ch == "." else h * r(0.45, 0.6)
        return _Glyph(ink, centre - ink.shape[0] / 2, gap=0.6)
    if ch == ",":
        w, hh = pen * 1.2, 0.25 * h
        ink = _strokes([[(0.7, 0.0), (0.75, 0.3), (0.3, 1.0)]], (w, hh), pen * 1.1, rng, 0.2 * h)
        return _Glyph(ink, h - 0.1 * h - pen, gap=0.5)
    if ch in "-+":
        w = h * r(0.3, 0.55)
        paths = [[(0.0, 0.5), (0.5, 0.5 + r(-0.1, 0.1)), (1.0, 0.5)]]
        if ch == "+":
            paths.append([(0.5, 0.0), (0.5, 1.0)])
        ink = _strokes(paths, (w, w if ch == "+" else 1), pen, rng, h)
        return _Glyph(ink, h * r(0.42, 0.6) - ink.shape[0] / 2)
    if ch == "x":
        w = h * r(0.3, 0.5)
        paths = [[(0, 0), (1, 1)], [(1, 0), (0, 1)]]
        ink = _strokes(paths, (w, w * r(0.8, 1.1)), pen, rng, h)
        return _Glyph(ink, h * r(0.5, 0.65) - ink.shape[0] / 2)
    if ch == "=":
        w, gap = h * r(0.35, 0.6), h * r(0.18, 0.3)
        paths = [[(0, 0), (1, r(-0.1, 0.1))], [(0, 1), (1, 1 + r(-0.1, 0.1))]]
        ink = _strokes(paths, (w, gap), pen, rng, h)
        return _Glyph(ink, h * r(0.45, 0.6) - ink.shape[0] / 2)
    if ch == "%":
        s = h * r(0.75, 0.95)
        c = 0.28
        ring = [
            (c / 2 + c / 2 * math.cos(a), c / 2 + c / 2 * math.sin(a))
            for a in np.linspace(0, 2 * math.pi, 10)
        ]
        ring2 = [(1 - c + x, 1 - c + y) for x, y in ring]
        ink = _strokes([ring, [(0.95, 0.0), (0.05, 1.0)], ring2], (s * 0.8, s), pen * 0.9, rng, h)
        return _Glyph(ink, h - ink.shape[0] + pen)
    if ch in "()":
        hh, w = h * r(1.1, 1.3), h * r(0.18, 0.3)
        path = _arc(1.0, 0.0) if ch == "(" else _arc(0.0, 1.0)
        ink = _strokes([path], (w, hh), pen, rng, h)
        return _Glyph(ink, -(hh - h) / 2 - pen * 1.5)
    if ch in "[]":
        hh, w = h * r(1.1, 1.3), h * r(0.15, 0.25)
        path = [(1, 0), (0, 0), (0, 1), (1, 1)] if ch == "[" else [(0, 0), (1, 0), (1, 1), (0, 1)]
        ink = _strokes([path], (w, hh), pen, rng, h)
        return _Glyph(ink, -(hh - h) / 2 - pen * 1.5)
    if ch == "/":
        w = h * r(0.3, 0.5)
        ink = _strokes([[(1, 0), (0, 1)]], (w, h), pen, rng, h)
        return _Glyph(ink, -pen * 1.5)
    raise ValueError(f"no pen strokes for {ch!r}")


@cache
def _font_files() -> tuple[tuple[str, ...], tuple[str, ...]]:
    hand = tuple(p for _, p in handwriting_fonts() if p)
    greek = tuple(p for _, p in handwriting_fonts(("DejaVu Sans",)) if p)
    return hand, greek or hand


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _font_glyph(ch: str, h: float, rng: np.random.Generator, path: str | None = None) -> _Glyph:
    hand, greek = _font_files()
    fonts = greek if ch in _GREEK else hand
    if not fonts:
        raise RuntimeError("no handwriting font installed (Debian: fonts-dkg-handwriting ...)")
    path = path or fonts[int(rng.integers(len(fonts)))]
    probe = _font(path, 100)
    cap = -probe.getbbox("H", anchor="ls")[1]
    size = max(8, round(100 * h * rng.uniform(0.85, 1.0) / max(cap, 1)))
    font = _font(path, size)
    x0, y0, x1, y1 = font.getbbox(ch, anchor="ls")
    img = Image.new("L", (round(x1 - x0) + 4, round(y1 - y0) + 4), 0)
    ImageDraw.Draw(img).text((2 - x0, 2 - y0), ch, font=font, fill=255, anchor="ls")
    ink = np.asarray(img, np.float32) / 255.0
    ink = _shear(ink, rng.uniform(-0.1, 0.1))
    return _Glyph(ink, h + y0 - 2)


def _glyph(
    ch: str, h: float, pen: float, rng: np.random.Generator, bank: DigitBank, font: str | None
) -> _Glyph:
    if ch.isdigit():
        if font is not None:
            return _font_glyph(ch, h, rng, font)
        return _digit(bank, int(ch), h, rng)
    if ch in ".,·-+x=%()[]/":
        # A page written in a font has the font's symbols too (its small round period).
        if font is not None and ch in ".,-+x=%()/" and rng.random() < 0.6:
            return _font_glyph(ch, h, rng, font)
        return _symbol(ch, h, pen, rng)
    return _font_glyph(ch, h, rng, font)


def render_line(
    text: str,
    rng: np.random.Generator,
    bank: DigitBank,
    *,
    height: float,
    pen: float | None = None,
    font: str | None = None,
) -> np.ndarray:
    """Ink (float32, 0..1) of one written line; a space in ``text`` is a wider gap.

    ``font`` writes the digits in that font file instead of real handwriting (the fakescan
    pages are written in fonts; the recogniser must read those too).
    """
    pen = pen or height * rng.uniform(0.08, 0.13)
    placed: list[tuple[_Glyph, float]] = []
    x = 0.0
    spaces = 0
    for ch in text:
        if ch == " ":
            spaces += 1
            continue
        g = _glyph(ch, height, pen, rng, bank, font)
        if placed:
            base = rng.uniform(0.02, 0.22) * height * g.gap
            x += base + rng.uniform(0.2, 0.55) * height * spaces**1.5
        g.top += rng.normal(0, 0.025 * height)
        placed.append((g, x))
        x += g.ink.shape[1] - 2 * pen * 0.5
        spaces = 0
    top = min(g.top for g, _ in placed)
    bottom = max(g.top + g.ink.shape[0] for g, _ in placed)
    width = max(math.ceil(x0 + g.ink.shape[1]) for g, x0 in placed)
    canvas = np.zeros((math.ceil(bottom - top) + 2, width + 2), np.float32)
    for g, x0 in placed:
        y0 = round(g.top - top)
        xi = round(x0)
        gh, gw = g.ink.shape
        region = canvas[y0 : y0 + gh, xi : xi + gw]
        np.maximum(region, g.ink[: region.shape[0], : region.shape[1]], out=region)
    tilt = rng.uniform(-2.0, 2.0)
    return _rotate(canvas, tilt)


def _rotate(ink: np.ndarray, degrees: float) -> np.ndarray:
    hh, ww = ink.shape
    m = cv2.getRotationMatrix2D((ww / 2, hh / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(hh * sin + ww * cos) + 1, int(hh * cos + ww * sin) + 1
    m[0, 2] += nw / 2 - ww / 2
    m[1, 2] += nh / 2 - hh / 2
    return cv2.warpAffine(ink, m, (nw, nh), flags=cv2.INTER_LINEAR)


# --------------------------------------------------------------------------- answers
def _int(rng: np.random.Generator, lo: int = 1, hi: int = 6) -> str:
    n = int(rng.integers(lo, hi + 1))
    if n == 1:
        return str(int(rng.integers(0, 10)))
    return str(int(rng.integers(1, 10))) + "".join(str(int(d)) for d in rng.integers(0, 10, n - 1))


def _decimal(rng: np.random.Generator) -> str:
    whole = "0" if rng.random() < 0.45 else _int(rng, 1, 3)
    return whole + "." + "".join(str(int(d)) for d in rng.integers(0, 10, int(rng.integers(1, 5))))


def _number(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.45:
        return _int(rng, 1, 4)
    if r < 0.85:
        return _decimal(rng)
    return "-" + (_int(rng, 1, 3) if rng.random() < 0.5 else _decimal(rng))


def _shape(rng: np.random.Generator) -> tuple[str, str]:
    dims = [_int(rng, 1, 3) for _ in range(int(rng.integers(2, 5)))]
    if rng.random() < 0.2:
        text = "(" + ", ".join(dims) + ")"
        return text, text
    return " x ".join(dims), " x ".join(dims)


def _name(rng: np.random.Generator) -> str:
    pool = _LETTERS + _GREEK
    return "".join(pool[int(i)] for i in rng.integers(0, len(pool), int(rng.integers(1, 3))))


def _working(rng: np.random.Generator) -> tuple[str, str]:
    """'N = 155 x 32 = 4960': a product, sum or quotient worked out, the value last."""
    a, b = int(_int(rng, 1, 3)), int(_int(rng, 1, 3))
    op = rng.choice(["x", "·", "+", "-", "/"])
    value = {"x": a * b, "·": a * b, "+": a + b, "-": a - b, "/": None}[str(op)]
    if value is None:
        b = max(b, 1)
        value_s = f"{a / b:.3f}".rstrip("0").rstrip(".")
    else:
        value_s = str(value)
    lhs = f"{_name(rng)} = " if rng.random() < 0.6 else ""
    return f"{lhs}{a} {op} {b} = {value_s}", value_s


def _line_only(text: str) -> str:
    """A written line as truth: no spaces, except one between a matrix row's cells."""
    return " ".join(cell.replace(" ", "") for cell in text.split("   "))


def _answer_lines(kind: str, rng: np.random.Generator) -> tuple[list[str], str]:
    """(written lines, final answer) of a kind; structure is drawn by :func:`compose`."""
    if kind == "integer":
        s = _int(rng)
        return [s], s
    if kind == "decimal":
        s = _decimal(rng)
        return [s], s
    if kind == "negative":
        s = "-" + (_int(rng, 1, 4) if rng.random() < 0.5 else _decimal(rng))
        return [s], s
    if kind == "shape":
        text, answer = _shape(rng)
        return [text], answer
    if kind == "percent":
        s = _number(rng).lstrip("-") + "%"
        return [s], s
    if kind == "working":
        text, answer = _working(rng)
        return [text], answer
    if kind in ("vector", "matrix"):
        rows = int(rng.integers(2, 5)) if kind == "vector" else int(rng.integers(2, 4))
        cols = 1 if kind == "vector" else int(rng.integers(2, 4))
        cells = [[_number(rng) for _ in range(cols)] for _ in range(rows)]
        if kind == "vector":
            return [r[0] for r in cells], "[" + ", ".join(r[0] for r in cells) + "]"
        return ["   ".join(r) for r in cells], "[" + ", ".join(
            "[" + ", ".join(r) + "]" for r in cells
        ) + "]"
    if kind == "fraction":
        num, den = _int(rng, 1, 3), str(int(rng.integers(1, 10)) * 10 ** int(rng.integers(0, 3)))
        if rng.random() < 0.7:
            den = _int(rng, 1, 3).replace("0", "") or "9"
        return [num, den], f"{num}/{den}"
    if kind == "working_lines":
        text, answer = _working(rng)
        lhs, _, value = text.rpartition(" = ")
        return [lhs, f"= {value}"], answer
    if kind == "crossed_out":
        right = _number(rng)
        wrong = _number(rng)
        return [wrong, right], right
    if kind == "boxed":
        text, answer = _working(rng)
        lhs, _, value = text.rpartition(" = ")
        return [lhs, value], answer
    raise ValueError(f"unknown kind {kind!r}")


def _paste(canvas: np.ndarray, ink: np.ndarray, x: int, y: int) -> None:
    hh, ww = ink.shape
    region = canvas[y : y + hh, x : x + ww]
    np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)


def _grid(
    rows: list[list[str]],
    rng: np.random.Generator,
    bank: DigitBank,
    h: float,
    pen: float,
    font: str | None,
) -> list[np.ndarray]:
    """A matrix's rows, each cell centred in its column as students line them up."""
    cells = [[render_line(c, rng, bank, height=h, pen=pen, font=font) for c in r] for r in rows]
    widths = [max(r[j].shape[1] for r in cells) for j in range(len(cells[0]))]
    gaps = [round(h * rng.uniform(0.7, 1.5)) for _ in widths]
    out = []
    for r in cells:
        height = max(c.shape[0] for c in r)
        row = np.zeros((height, sum(widths) + sum(gaps[1:])), np.float32)
        x = 0
        for j, c in enumerate(r):
            jitter = round(rng.uniform(-0.15, 0.15) * h)
            left = max(
                0, min(row.shape[1] - c.shape[1], x + (widths[j] - c.shape[1]) // 2 + jitter)
            )
            _paste(row, c, left, (height - c.shape[0]) // 2)
            x += widths[j] + (gaps[j + 1] if j + 1 < len(gaps) else 0)
        out.append(row)
    return out


def _layout(
    kind: str,
    lines: list[str],
    rng: np.random.Generator,
    bank: DigitBank,
    h: float,
    font: str | None,
) -> np.ndarray:
    """The ink of the whole answer, structure drawn (brackets, bar, strike, box)."""
    pen = h * rng.uniform(0.08, 0.13)
    if kind == "matrix":
        inks = _grid([t.split("   ") for t in lines], rng, bank, h, pen, font)
    else:
        inks = [render_line(t, rng, bank, height=h, pen=pen, font=font) for t in lines]
    gap = round(h * rng.uniform(0.25, 0.6))
    if kind == "fraction":
        gap = round(h * rng.uniform(0.15, 0.3))
    centred = kind in ("vector", "matrix", "fraction")
    width = max(i.shape[1] for i in inks)
    extra_rows = round(h * 0.8) if kind == "fraction" else 0
    height = sum(i.shape[0] for i in inks) + gap * (len(inks) - 1) + extra_rows
    margin = round(h * 1.2)
    canvas = np.zeros((height + 2 * margin, width + 2 * margin + round(h * 2)), np.float32)
    y = margin
    placed = []
    for n, ink in enumerate(inks):
        x = margin + ((width - ink.shape[1]) // 2 if centred else round(rng.uniform(0, 0.3) * h))
        _paste(canvas, ink, x, y)
        placed.append((x, y, ink.shape[1], ink.shape[0]))
        y += ink.shape[0] + gap
        if kind == "fraction" and n == 0:
            bar_w = width + h * rng.uniform(0.2, 0.6)
            bar = _strokes([[(0, 0.5), (1, 0.5 + rng.uniform(-0.1, 0.1))]], (bar_w, 1), pen, rng, h)
            _paste(canvas, bar, margin - round(h * 0.15), y - gap // 2)
            y += extra_rows
    if kind in ("vector", "matrix"):
        top = margin - round(h * 0.25)
        span = (y - gap) - top + round(h * 0.25)
        bw = h * rng.uniform(0.2, 0.35)
        round_ = rng.random() < 0.4
        for side in (0, 1):
            if round_:
                path = _arc(1.0, 0.0) if side == 0 else _arc(0.0, 1.0)
            else:
                path = (
                    [(1, 0), (0, 0), (0, 1), (1, 1)]
                    if side == 0
                    else [(0, 0), (1, 0), (1, 1), (0, 1)]
                )
            ink = _strokes([path], (bw, span), pen, rng, h)
            x = margin - round(h * rng.uniform(0.35, 0.6)) - ink.shape[1] + round(pen * 1.5)
            if side == 1:
                x = margin + width + round(h * rng.uniform(0.2, 0.45))
            _paste(canvas, ink, max(0, x), top)
    if kind == "crossed_out":
        x, y0, w, hh = placed[0]
        paths = [
            [(0, 0.5 + rng.uniform(-0.15, 0.15)), (0.5, 0.5), (1, 0.5 + rng.uniform(-0.15, 0.15))]
        ]
        if rng.random() < 0.3:
            paths.append([(0, 0.7), (1, 0.65)])
        strike = _strokes(paths, (w + h * 0.4, hh * 0.5), pen, rng, h)
        _paste(canvas, strike, max(0, x - round(h * 0.2)), y0 + round(hh * 0.25) - round(pen))
    if kind == "boxed":
        x, y0, w, hh = placed[-1]
        mx, my = h * rng.uniform(0.2, 0.45), h * rng.uniform(0.15, 0.35)
        rect: list[list[tuple[float, float]]] = [[(0, 0), (1, 0), (1, 1), (0, 1), (0, -0.02)]]
        box = _strokes(rect, (w + 2 * mx, hh + 2 * my), pen, rng, h)
        _paste(canvas, box, max(0, x - round(mx + pen * 1.5)), max(0, y0 - round(my + pen * 1.5)))
    return canvas


# --------------------------------------------------------------------------- damage
def damage(ink: np.ndarray, rng: np.random.Generator, quality: str) -> Image.Image:
    """A scanner's grey image of ``ink``: paper, ink tone, blur, noise, specks, JPEG."""
    r = rng.uniform
    paper = r(228, 250)
    if quality == "light":
        darkness = r(0.3, 0.55)
        if rng.random() < 0.5:
            ink = cv2.erode(ink, np.ones((2, 2), np.uint8))
    elif quality == "heavy":
        darkness = r(0.45, 1.0)
    else:
        darkness = r(0.8, 0.97)
    grey = paper * (1.0 - darkness * np.clip(ink, 0, 1))
    blur = r(0.3, 0.7) if quality == "clean" else r(0.4, 1.0)
    grey = cv2.GaussianBlur(grey, (0, 0), blur)
    sigma = {"clean": r(1.5, 5), "light": r(3, 8), "heavy": r(6, 14)}[quality]
    grey = grey + rng.normal(0, sigma, grey.shape)
    if quality == "heavy":
        _specks(grey, rng, r(0.0003, 0.0015))
    quality_jpeg = {"clean": (70, 92), "light": (45, 85), "heavy": (30, 70)}[quality]
    img = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(*quality_jpeg)))
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def _specks(grey: np.ndarray, rng: np.random.Generator, share: float) -> None:
    """Salt-and-pepper as a real scanner's dust: single pixels and a few 2 x 2 clusters."""
    hh, ww = grey.shape
    n = max(1, int(share * hh * ww))
    ys, xs = rng.integers(0, hh - 1, n), rng.integers(0, ww - 1, n)
    big = rng.random(n) < 0.25
    dark = rng.random(n) < 0.8
    values = np.where(dark, rng.uniform(0, 90, n), 255.0)
    grey[ys, xs] = values
    grey[ys[big] + 1, xs[big]] = values[big]
    grey[ys[big], xs[big] + 1] = values[big]
    grey[ys[big] + 1, xs[big] + 1] = values[big]


def blank(rng: np.random.Generator, quality: str, size: tuple[int, int] = (360, 90)) -> Image.Image:
    """An empty answer box as scanned (specks and all, for ``heavy``)."""
    return damage(np.zeros((size[1], size[0]), np.float32), rng, quality)


def compose(
    kind: str,
    rng: np.random.Generator,
    bank: DigitBank,
    *,
    quality: str = "clean",
    height: float | None = None,
    font: str | None = None,
) -> Composed:
    """One answer region of ``kind`` in ``quality``, digits from ``bank`` (or ``font``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")
    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; one of {QUALITIES}")
    h = height or rng.uniform(25, 45)
    lines, answer = _answer_lines(kind, rng)
    ink = _layout(kind, lines, rng, bank, h, font)
    image = damage(ink, rng, quality)
    return Composed(image, answer, tuple(_line_only(t) for t in lines), kind, quality)
