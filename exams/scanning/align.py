"""Put a scanned page upright and square, then cut answer regions out of it.

Two steps:
1. Quarter turn: the QR code is printed upright in the top-right area, so the angle of its
   top edge (qrcodes.QrRead.rotation) says whether the page was fed sideways or upside
   down. The four corner markers are symmetric and cannot tell.
2. Fine alignment: find the four solid corner markers (layout.py) and fit an affine map
   from where they are to where they were printed. That removes skew (any small angle; the
   search window allows about 5 degrees at A4), shift and scanner scale in one resampling,
   so a normalised region lands on the same paper whatever the scan. With fewer than three
   markers found (a folded corner, a marker written over) the page is only rotated by the
   QR's angle, which is less exact.

A marker is found as the densest marker-sized square of ink in its corner window whose
surrounding ring is paper, using an integral image: NumPy and Pillow are enough, so OpenCV
is not needed here (docs/pipeline-measurements.md has the timing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .layout import A4_MM, MARKER_MM, MM_PER_INCH, marker_centres_mm

MARKER_WINDOW_MM = 34.0  # side of the square searched in each corner
_MIN_DENSITY = 0.8  # ink fraction of the core square; a QR finder ring is ~0.67
_MAX_RING = 0.35  # ink fraction allowed in the ring around it (rejects black scan borders)


@dataclass(frozen=True)
class AlignedPage:
    """An upright page image in the printed page's frame.

    ``rotation`` is the quarter turn that was undone (counter-clockwise degrees, as in
    qrcodes.QrRead), ``skew_deg`` the small angle removed on top of it, ``markers`` the
    corners (tl, tr, br, bl) whose markers were found, ``residual_mm`` the largest marker
    misfit after alignment, and ``method`` "markers", "qr-angle" or "none".
    """

    image: Image.Image
    rotation: int
    skew_deg: float
    markers: tuple[str, ...]
    residual_mm: float
    method: str
    dpi: float


def _undo_quarter_turn(image: Image.Image, rotation: int) -> Image.Image:
    ops = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    return image.transpose(ops[rotation]) if rotation in ops else image


def _paper_level(grey: np.ndarray) -> float:
    # A sixteenth of the pixels estimates the paper's grey as well as all of them, 16x faster.
    return float(np.percentile(grey[::4, ::4], 90))


def _box_sums(integral: np.ndarray, k: int) -> np.ndarray:
    """Sum of every k x k window; integral has a leading zero row and column."""
    return integral[k:, k:] - integral[:-k, k:] - integral[k:, :-k] + integral[:-k, :-k]


def find_markers(grey: np.ndarray, px_per_mm: float) -> dict[str, tuple[float, float]]:
    """Centres (x, y) in pixels of the corner markers found in an upright page image."""
    threshold = _paper_level(grey) * 0.55
    h, w = grey.shape
    win = int(MARKER_WINDOW_MM * px_per_mm)
    side = MARKER_MM * px_per_mm
    core = max(3, int(side * 0.7))
    outer = int(side * 1.9)
    windows = {
        "tl": (0, 0),
        "tr": (w - win, 0),
        "br": (w - win, h - win),
        "bl": (0, h - win),
    }
    found: dict[str, tuple[float, float]] = {}
    for name, (x0, y0) in windows.items():
        x0, y0 = max(0, x0), max(0, y0)
        sub = (grey[y0 : y0 + win, x0 : x0 + win] < threshold).astype(np.int32)
        if min(sub.shape) <= outer:
            continue
        integral = np.pad(sub.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        dens = _box_sums(integral, core) / core**2
        # Ring: the outer square minus the core-sized centre, aligned on the same centre.
        off = (outer - core) // 2
        outer_sums = _box_sums(integral, outer)
        centre = _box_sums(integral, core)[
            off : off + outer_sums.shape[0], off : off + outer_sums.shape[1]
        ]
        ring = (outer_sums - centre) / (outer**2 - core**2)
        score = dens[off : off + ring.shape[0], off : off + ring.shape[1]].copy()
        score[ring > _MAX_RING] = 0
        if score.size == 0 or score.max() < _MIN_DENSITY:
            continue
        cy, cx = np.unravel_index(int(score.argmax()), score.shape)
        # Refine: centroid of the ink inside the outer square around the best core.
        ys, xs = np.nonzero(sub[cy : cy + outer, cx : cx + outer])
        found[name] = (x0 + cx + xs.mean() + 0.5, y0 + cy + ys.mean() + 0.5)
    return found


def align_page(
    image: Image.Image,
    *,
    rotation: int | None = 0,
    qr_angle_deg: float | None = None,
    page_mm: tuple[float, float] = A4_MM,
    dpi: float | None = None,
) -> AlignedPage:
    """Undo the quarter turn, then deskew and register the page on its corner markers.

    Parameters
    ----------
    image
        The scanned page, any mode.
    rotation
        The quarter turn the page was scanned with (``QrRead.rotation``); None if unknown,
        in which case the page is only deskewed as it lies.
    qr_angle_deg
        ``QrRead.angle_deg``, used to deskew when too few markers are found.
    page_mm
        The printed page size.
    dpi
        Resolution of the output; default: the scan's own, estimated from its width.
    """
    grey_img = _undo_quarter_turn(image.convert("L"), rotation or 0)
    w = grey_img.size[0]
    scan_px_per_mm = w / page_mm[0]
    out_px_per_mm = (dpi / MM_PER_INCH) if dpi else scan_px_per_mm
    out_size = (round(page_mm[0] * out_px_per_mm), round(page_mm[1] * out_px_per_mm))
    grey = np.asarray(grey_img)
    found = find_markers(grey, scan_px_per_mm)
    expected = marker_centres_mm(page_mm)
    if len(found) >= 3:
        names = sorted(found)
        dst = np.array(
            [[expected[n][0] * out_px_per_mm, expected[n][1] * out_px_per_mm, 1.0] for n in names]
        )
        src = np.array([found[n] for n in names])
        # Output pixel -> scan pixel, least squares over the markers found.
        coef, *_ = np.linalg.lstsq(dst, src, rcond=None)
        fitted = dst @ coef
        residual = float(np.abs(fitted - src).max()) / scan_px_per_mm
        skew = math.degrees(math.atan2(coef[0, 1], coef[0, 0]))
        scale = math.hypot(coef[0, 0], coef[0, 1]) * out_px_per_mm / scan_px_per_mm
        if residual < 2.0 and abs(skew) < 8.0 and 0.85 < scale < 1.15:
            data = (coef[0, 0], coef[1, 0], coef[2, 0], coef[0, 1], coef[1, 1], coef[2, 1])
            out = grey_img.transform(
                out_size,
                Image.Transform.AFFINE,
                data,
                resample=Image.Resampling.BILINEAR,
                fillcolor=255,
            )
            return AlignedPage(
                out,
                rotation or 0,
                -skew,
                tuple(names),
                residual,
                "markers",
                out_px_per_mm * MM_PER_INCH,
            )
    if qr_angle_deg is not None and rotation is not None:
        fine = ((qr_angle_deg - rotation + 180.0) % 360.0) - 180.0
        if abs(fine) < 8.0:
            out = grey_img.rotate(-fine, resample=Image.Resampling.BILINEAR, fillcolor=255)
            if out.size != out_size:
                out = out.resize(out_size, Image.Resampling.BILINEAR)
            return AlignedPage(
                out,
                rotation,
                fine,
                tuple(sorted(found)),
                float("nan"),
                "qr-angle",
                out_px_per_mm * MM_PER_INCH,
            )
    out = (
        grey_img
        if grey_img.size == out_size
        else grey_img.resize(out_size, Image.Resampling.BILINEAR)
    )
    return AlignedPage(
        out,
        rotation or 0,
        0.0,
        tuple(sorted(found)),
        float("nan"),
        "none",
        out_px_per_mm * MM_PER_INCH,
    )


def crop_region(
    page: Image.Image, box: tuple[float, float, float, float], *, inset: float = 0.0
) -> Image.Image:
    """Cut a normalised box (x0, y0, x1, y1) out of an aligned page.

    ``inset`` shrinks the box on every side by that fraction of the page width, e.g. to
    keep a printed box outline out of the crop.
    """
    w, h = page.size
    x0, y0, x1, y1 = box
    d = inset * w
    return page.crop((round(x0 * w + d), round(y0 * h + d), round(x1 * w - d), round(y1 * h - d)))
