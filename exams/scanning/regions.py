"""The layout of a filled answer region: specks out, then lines, cells and structure.

:func:`analyse` takes the grey crop of one answer region and returns its :class:`Layout`:

1. **Specks first.** Ink is what is clearly darker than the paper (the threshold follows the
   paper's measured noise, so light scans keep their pale ink). Connected components smaller
   than a pen dot are specks, and so are dot-sized ones far from any writing; a box holding
   only specks is blank.
2. **Structure.** Tall thin components at the ink's left and right ends are brackets (a
   stacked vector or a matrix); a large hollow component around other ink is a box drawn
   round the final answer; a long thin stroke alone on its band is a fraction bar.
3. **Lines** are found by a projection profile of what is left; each line is a grey crop
   with everything that is not its writing set to paper, contrast-normalised (ink black,
   paper white) so light scans look like dark ones. A line with a long horizontal stroke
   through its middle is crossed out. In a matrix, columns are split at gaps shared by all
   rows.

Pure NumPy + OpenCV (installed with rapidocr); no model here: see ``linemodel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

#: Below this contrast between paper and the darkest ink a region holds no writing.
MIN_CONTRAST = 28.0
#: A mark is writing only if it spans this many pixels one way or the other: a digit at
#: 150 dpi is 15 px or more, a scanner's speck a few pixels.
MIN_MARK_PX = 10


@dataclass(frozen=True)
class Line:
    """One written line: ``image`` is its cleaned grey crop (ink 0, paper 255)."""

    image: np.ndarray
    box: tuple[int, int, int, int]
    crossed: bool = False
    boxed: bool = False
    #: A matrix row's cells, left to right (empty unless the region is a matrix).
    cells: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class Layout:
    lines: tuple[Line, ...]
    #: "lines", "vector" (bracketed, one cell a row), "matrix" or "fraction".
    structure: str = "lines"
    specks: int = 0
    #: Text height (px) of the writing, 0 when blank.
    text_height: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def blank(self) -> bool:
        return not self.lines


def _grey(image: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("L"))
    return np.asarray(image, dtype=np.float32)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True."""
    padded = np.concatenate([[False], flags.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


@dataclass
class _Ink:
    grey: np.ndarray
    paper: float
    ink_level: float
    labels: np.ndarray
    stats: np.ndarray  # x, y, w, h, area per component (row 0: background)
    stroke: float


def _ink(grey: np.ndarray) -> _Ink | None:
    smooth = cv2.GaussianBlur(grey, (0, 0), 0.8)
    # Paper level and noise from a quarter of the pixels (quantiles are what costs here).
    sub = smooth[::2, ::2].ravel()
    median, paper = (float(v) for v in np.percentile(sub, (50, 75)))
    # The paper's noise, from the spread of the pixels at or brighter than the median.
    bright = sub[sub >= median]
    sigma = float(np.median(np.abs(bright - paper))) * 1.4826 + 0.5
    threshold = paper - max(MIN_CONTRAST, 5.0 * sigma)
    mask = (smooth < threshold).astype(np.uint8)
    if not mask.any():
        return None
    ink_level = float(np.percentile(smooth[mask > 0], 10))
    # A second threshold half-way between the paper and the ink keeps strokes whole.
    mid = paper - 0.45 * (paper - ink_level)
    mask = (smooth < max(mid, threshold)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return _Ink(smooth, paper, ink_level, labels, stats, 1.5)


def _is_speck(area: int, stroke: float) -> bool:
    return area < max(3.0, 0.45 * stroke * stroke)


def subtract_template(grey: np.ndarray, template: Image.Image | np.ndarray) -> np.ndarray:
    """``grey`` with the printed template's ink (the same region cut from the blank page,
    aligned as the scan is) set to paper, so printed text in a box is not read as writing.
    The template's ink is grown by a few pixels to absorb what alignment leaves."""
    tmpl = _grey(template)
    if tmpl.shape != grey.shape:
        tmpl = cv2.resize(tmpl, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_AREA)
    paper_t = float(np.percentile(tmpl, 90))
    printed = (tmpl < paper_t - 40).astype(np.uint8)
    if not printed.any():
        return grey
    grow = max(5, round(min(grey.shape) * 0.03)) | 1
    grown = cv2.dilate(printed, np.ones((grow, grow), np.uint8)) > 0
    out = grey.copy()
    out[grown] = float(np.percentile(grey, 75))
    return out


def analyse(
    image: Image.Image | np.ndarray, *, template: Image.Image | np.ndarray | None = None
) -> Layout:
    """The lines, cells and structure of one answer region (see the module's docstring);
    ``template`` is the same region of the blank page, when the region holds print."""
    grey = _grey(image)
    if grey.size == 0 or min(grey.shape) < 4:
        return Layout(())
    if template is not None:
        grey = subtract_template(grey, template)
    found = _ink(grey)
    if found is None:
        return Layout(())
    stats = found.stats
    comps = list(range(1, len(stats)))
    marks = [c for c in comps if max(stats[c, 2], stats[c, 3]) >= MIN_MARK_PX and stats[c, 4] >= 12]
    if not marks:
        return Layout((), specks=len(comps))
    stroke = _stroke(found, marks)
    real = [c for c in comps if not _is_speck(int(stats[c, 4]), stroke)]
    specks = len(comps) - len(real)
    heights = np.array([stats[c, 3] for c in marks], dtype=np.float32)
    sizable = heights[heights >= 3 * stroke]
    # A low quantile: tall brackets round a short vector must not raise the text height.
    text_h = float(np.percentile(sizable if sizable.size else heights, 35))
    # Dot-sized components far from any sizable writing are specks too.
    big = [
        c
        for c in real
        if c in marks and (stats[c, 3] >= 0.45 * text_h or stats[c, 4] >= 2.5 * stroke**2)
    ] or marks
    kept = []
    for c in real:
        if c in big:
            kept.append(c)
            continue
        x, y, w, h, _ = stats[c]
        cx, cy = x + w / 2, y + h / 2
        near = any(
            stats[b, 0] - 1.2 * text_h <= cx <= stats[b, 0] + stats[b, 2] + 1.2 * text_h
            and stats[b, 1] - 0.6 * text_h <= cy <= stats[b, 1] + stats[b, 3] + 0.6 * text_h
            for b in big
        )
        if near:
            kept.append(c)
        else:
            specks += 1
    found.stroke = stroke
    return _structure(found, kept, big, text_h, specks)


def _stroke(found: _Ink, marks: list[int]) -> float:
    """The pen's width: twice the typical distance from a stroke's centre to its edge."""
    mask = np.isin(found.labels, np.asarray(marks, dtype=np.int32)).astype(np.uint8)
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    inner = dist[dist >= 1.0]
    return float(max(1.5, 2.0 * np.percentile(inner, 70))) if inner.size else 1.5


def _structure(found: _Ink, kept: list[int], big: list[int], text_h: float, specks: int) -> Layout:
    stats, stroke = found.stats, found.stroke
    x0 = min(stats[c, 0] for c in kept)
    x1 = max(stats[c, 0] + stats[c, 2] for c in kept)
    brackets, bars = [], []
    boxes: list[tuple[int, tuple[int, int, int, int]]] = []
    for c in big:
        x, _y, w, h, _ = (int(v) for v in stats[c])
        box = _box_frame(found.labels, c, stats[c], text_h, stroke, kept)
        if box is not None:
            boxes.append((c, box))
        elif (
            h > 1.6 * text_h
            and w < 0.6 * h
            and (x - x0 < 0.3 * text_h or x1 - (x + w) < 0.3 * text_h)
        ):
            brackets.append(c)
        elif (
            h <= max(3.5 * stroke, 0.3 * text_h)
            and w >= 0.6 * text_h
            and w >= 4 * h
            and _alone_in_rows(stats, c, big)
        ):
            bars.append(c)
    structure = "vector" if len(brackets) >= 2 else "lines"
    if structure == "lines":
        brackets = []
    text = [c for c in kept if c not in set(brackets) | set(bars)]
    if not text:
        return Layout((), specks=specks)
    mask = np.isin(found.labels, np.asarray(text, dtype=np.int32))
    boxed_area = []
    for b, (bx, by, bw, bh) in boxes:
        boxed_area.append((bx, by, bw, bh))
        # The box's own strokes hug its bounding box; writing that touches it stays.
        edge = max(2, round(1.5 * stroke + 0.08 * text_h))
        frame = np.zeros_like(mask)
        frame[by : by + bh, bx : bx + bw] = True
        frame[by + edge : by + bh - edge, bx + edge : bx + bw - edge] = False
        mask &= ~(frame & (found.labels == b))
    bands = _bands(mask, text_h, stroke)
    bar_rows = [(int(stats[c, 1]), int(stats[c, 1] + stats[c, 3])) for c in bars]
    lines = []
    for top, bottom in bands:
        line = _line(found, mask, top, bottom, text_h, boxed_area)
        if line is not None:
            lines.append(line)
    if (
        structure == "lines"
        and len(lines) == 2
        and any(lines[0].box[3] <= (a + b) / 2 <= lines[1].box[1] for a, b in bar_rows)
    ):
        structure = "fraction"
    if structure == "vector":
        lines, structure = _cells(found, mask, lines, text_h)
    notes = ("a box is drawn round the answer",) if boxes else ()
    return Layout(tuple(lines), structure, specks, text_h, notes)


def _box_frame(
    labels: np.ndarray, c: int, stat: np.ndarray, text_h: float, stroke: float, kept: list[int]
) -> tuple[int, int, int, int] | None:
    """The (x, y, w, h) of a hand-drawn box round other writing, or None. The box may touch
    the line above or below it (then it is one component with that writing): its frame is
    then what lies on long straight strokes, two across and two down."""
    x, y, w, h, _ = (int(v) for v in stat)
    if h < 1.15 * text_h or w < 1.2 * text_h:
        return None
    own = labels[y : y + h, x : x + w] == c
    if _framed(own, text_h, stroke, kept):
        return x, y, w, h
    # Straight strokes: runs much longer than any digit's, rows (or columns) merged two
    # pixels either way, since a box is drawn by hand, not ruled.
    u8 = own.astype(np.uint8)
    long_x = max(3, round(0.9 * text_h))
    long_y = max(3, round(1.1 * text_h))
    across = cv2.morphologyEx(
        cv2.dilate(u8, np.ones((5, 1), np.uint8)), cv2.MORPH_OPEN, np.ones((1, long_x), np.uint8)
    )
    down = cv2.morphologyEx(
        cv2.dilate(u8, np.ones((1, 5), np.uint8)), cv2.MORPH_OPEN, np.ones((long_y, 1), np.uint8)
    )
    # The sides: the outermost long downward strokes, and the outermost long strokes across
    # that span most of the width between them (not a digit's foot touching the box).
    cols = _runs(np.asarray((down > 0).any(axis=0)))
    if len(cols) < 2 or cols[-1][0] - cols[0][1] < 1.0 * text_h:
        return None
    fx0, fx1 = cols[0][0], cols[-1][1]
    spans = (across[:, fx0:fx1] > 0).mean(axis=1)
    rows = np.flatnonzero(spans >= 0.6)
    if rows.size == 0:
        return None
    fy0, fy1 = int(rows[0]), int(rows[-1]) + 1
    if fy1 - fy0 < 1.15 * text_h:
        return None
    frame = own[fy0:fy1, fx0:fx1] & ((across > 0) | (down > 0))[fy0:fy1, fx0:fx1]
    if not _framed(frame, text_h, stroke, kept):
        return None
    return x + fx0, y + fy0, fx1 - fx0, fy1 - fy0


def _framed(own: np.ndarray, text_h: float, stroke: float, kept: list[int]) -> bool:
    """Ink along most of all four sides of ``own``'s box, and writing inside it."""
    edge = max(2, round(1.5 * stroke + 0.08 * text_h))
    sides = (own[:edge].any(0), own[-edge:].any(0), own[:, :edge].any(1), own[:, -edge:].any(1))
    if min(float(side.mean()) for side in sides) < 0.6:
        return False
    inside = own[edge:-edge, edge:-edge]
    return bool(inside.size > 0 and (inside.any() or len(kept) > 1))


def _alone_in_rows(stats: np.ndarray, c: int, big: list[int]) -> bool:
    """No other sizable mark shares this component's rows (a fraction bar, not a minus)."""
    y0, y1 = stats[c, 1], stats[c, 1] + stats[c, 3]
    return not any(o != c and stats[o, 1] < y1 and stats[o, 1] + stats[o, 3] > y0 for o in big)


def _bands(mask: np.ndarray, text_h: float, stroke: float) -> list[tuple[int, int]]:
    """(top, bottom) of each text line, top to bottom."""
    rows = np.asarray(mask.any(axis=1))
    merged: list[list[int]] = []
    for a, b in _runs(rows):
        # Close gaps smaller than a fifth of the text height (the dot of an "i").
        if merged and a - merged[-1][1] < 0.2 * text_h:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    bands = [(a, b) for a, b in merged]
    # A short band (a stray dash, a loose "=" stroke) joins its nearer neighbour.
    while len(bands) > 1:
        short = [i for i, (a, b) in enumerate(bands) if b - a < 0.4 * text_h]
        if not short:
            break
        i = short[0]
        j = min(
            (k for k in (i - 1, i + 1) if 0 <= k < len(bands)),
            key=lambda k: max(bands[i][0], bands[k][0]) - min(bands[i][1], bands[k][1]),
        )
        lo, hi = sorted((i, j))
        bands[lo : hi + 1] = [(bands[lo][0], bands[hi][1])]
    return bands


def _line(
    found: _Ink,
    mask: np.ndarray,
    top: int,
    bottom: int,
    text_h: float,
    boxed_area: list[tuple[int, int, int, int]],
) -> Line | None:
    band = mask[top:bottom]
    cols = np.flatnonzero(band.any(axis=0))
    if cols.size == 0:
        return None
    left, right = int(cols[0]), int(cols[-1]) + 1
    image = _clean_crop(found, mask, top, bottom, left, right, text_h)
    # Crossed out: a horizontal run through the middle far longer than any digit's stroke.
    h = bottom - top
    # A digit's own long strokes (the base of a 2, the top of a 7) lie outside the middle
    # third, and are shorter than the strike, which runs past the writing.
    middle = band[int(h * 0.35) : max(int(h * 0.35) + 1, int(h * 0.65)), left:right]
    run = max(2, round(max(1.3 * text_h, 0.7 * (right - left))))
    # Rows are merged two pixels up and down first: a strike is drawn by hand, not ruled.
    merged = cv2.dilate(band.astype(np.uint8), np.ones((5, 1), np.uint8))
    middle = merged[int(h * 0.35) : max(int(h * 0.35) + 1, int(h * 0.65)), left:right]
    crossed = run <= middle.shape[1] and bool(
        cv2.erode(
            middle,
            np.ones((1, run), np.uint8),
            borderType=cv2.BORDER_CONSTANT,
            borderValue=0,
        ).any()
    )
    cy, cx = (top + bottom) / 2, (left + right) / 2
    boxed = any(x <= cx <= x + w and y <= cy <= y + hh for x, y, w, hh in boxed_area)
    return Line(image, (left, top, right, bottom), crossed, boxed)


def _clean_crop(
    found: _Ink, mask: np.ndarray, top: int, bottom: int, left: int, right: int, text_h: float
) -> np.ndarray:
    """The grey of the text pixels in a box, paper elsewhere, contrast-normalised."""
    pad = max(2, round(0.12 * text_h))
    hh, ww = mask.shape
    y0, y1 = max(0, top - pad), min(hh, bottom + pad)
    x0, x1 = max(0, left - pad), min(ww, right + pad)
    region = mask[y0:y1, x0:x1].astype(np.uint8)
    keep = cv2.dilate(region, np.ones((3, 3), np.uint8)) > 0
    grey = found.grey[y0:y1, x0:x1]
    span = max(found.paper - found.ink_level, 1.0)
    norm = np.clip((grey - found.ink_level) / span, 0.0, 1.0) * 255.0
    norm[~keep] = 255.0
    return norm.astype(np.uint8)


def _cells(
    found: _Ink, mask: np.ndarray, lines: list[Line], text_h: float
) -> tuple[list[Line], str]:
    """A bracketed block: one cell a row is a vector; columns shared by all rows, a matrix."""
    if not lines:
        return lines, "vector"
    top = min(line.box[1] for line in lines)
    bottom = max(line.box[3] for line in lines)
    cols = np.asarray(mask[top:bottom].any(axis=0))
    runs = _runs(cols)
    # Merge ink runs closer than 0.6 text heights: a number's digits, a decimal point.
    groups: list[list[int]] = []
    for a, b in runs:
        if groups and a - groups[-1][1] < 0.6 * text_h:
            groups[-1][1] = b
        else:
            groups.append([a, b])
    if len(groups) < 2:
        return lines, "vector"
    out = []
    for line in lines:
        _, t, _, bt = line.box
        cells = []
        for a, b in groups:
            if mask[t:bt, a:b].any():
                cells.append(
                    _clean_crop(
                        found, _only(mask, t, bt, a, b), t, bt, *_xspan(mask, t, bt, a, b), text_h
                    )
                )
        out.append(Line(line.image, line.box, line.crossed, line.boxed, tuple(cells)))
    return out, "matrix"


def _only(mask: np.ndarray, t: int, b: int, left: int, right: int) -> np.ndarray:
    out = np.zeros_like(mask)
    out[t:b, left:right] = mask[t:b, left:right]
    return out


def _xspan(mask: np.ndarray, t: int, b: int, left: int, right: int) -> tuple[int, int]:
    cols = np.flatnonzero(mask[t:b, left:right].any(axis=0))
    return left + int(cols[0]), left + int(cols[-1]) + 1
