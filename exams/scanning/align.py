"""Put a scanned page upright and square, then cut answer regions out of it.

Two steps:
1. Quarter turn: the QR code is printed upright in the top-right area, so the angle of its
   top edge (qrcodes.QrRead.rotation) says whether the page was fed sideways or upside
   down. The four corner markers are symmetric and cannot tell.
2. Fine alignment: find the four solid corner markers (layout.py) and fit an affine map
   from where they are to where they were printed. That removes skew (any small angle; the
   search window allows about 5 degrees at A4), shift and scanner scale in one map, so a
   normalised region lands on the same paper whatever the scan. With fewer than three
   markers found (a folded corner, a marker written over) the page is only rotated by the
   QR's angle, which is less exact.

``fit_alignment`` finds the map (six numbers, quarter turn included: ``Alignment``) without
resampling anything; ``Alignment.warp`` straightens the whole page or only one region of it,
from the scan as it came, when it is read.

A marker is found as the densest marker-sized square of ink in its corner window whose
surrounding ring is paper, using an integral image: NumPy and Pillow are enough, so OpenCV
is not needed here (docs/pipeline-measurements.md has the timing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .layout import A4_MM, MARKER_MM, MM_PER_INCH, marker_centres_mm

MARKER_WINDOW_MM = 34.0  # side of the square searched in each corner
_MIN_DENSITY = 0.8  # ink fraction of the core square; a QR finder ring is ~0.67
_MAX_RING = 0.35  # ink fraction allowed in the ring around it (rejects black scan borders)


Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class Alignment:
    """Where the printed page lies on a scan: an affine map from the upright page to the scan.

    ``matrix`` (a, b, c, d, e, f) takes a pixel (x, y) of the upright page, ``size`` pixels
    large, to the scan's pixel (a x + b y + c, d x + e y + f), the quarter turn included (the
    order of Pillow's ``Image.Transform.AFFINE`` data). Six numbers are enough to straighten
    any part of the page on demand, so the scan is stored as it came and only what is looked
    at (an answer region, a thumbnail) is ever resampled.

    ``rotation`` is the quarter turn that was undone (counter-clockwise degrees, as in
    qrcodes.QrRead), ``skew_deg`` the small angle removed on top of it, ``markers`` the
    corners (tl, tr, br, bl) whose markers were found, ``residual_mm`` the largest marker
    misfit, ``method`` "markers", "qr-angle", "none" or "identity", ``dpi`` the upright page's
    resolution, ``source_size`` the size of the scan the matrix reads from.
    """

    matrix: Matrix
    size: tuple[int, int]
    source_size: tuple[int, int]
    rotation: int = 0
    skew_deg: float = 0.0
    markers: tuple[str, ...] = ()
    residual_mm: float = float("nan")
    method: str = "identity"
    dpi: float = 0.0

    @classmethod
    def identity(cls, size: tuple[int, int]) -> Alignment:
        """The alignment of an image that is already upright (nothing to undo)."""
        return cls((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), size, size)

    def for_source(self, size: tuple[int, int]) -> Alignment:
        """The same alignment reading from the scan decoded at another size (a JPEG decoded
        at half size in draft mode, say)."""
        if size == self.source_size:
            return self
        sx, sy = size[0] / self.source_size[0], size[1] / self.source_size[1]
        a, b, c, d, e, f = self.matrix
        return replace(
            self, matrix=(a * sx, b * sx, c * sx, d * sy, e * sy, f * sy), source_size=size
        )

    def warp(
        self,
        source: Image.Image | np.ndarray,
        *,
        box: tuple[float, float, float, float] | None = None,
        inset: float = 0.0,
        scale: float = 1.0,
    ) -> Image.Image:
        """The upright page, or the normalised ``box`` of it, cut out of ``source`` (the scan
        this alignment was fitted on, or its greyscale pixels) in greyscale, ``scale`` times
        its upright size.

        Only the output's pixels are computed, so an answer region costs a fraction of
        straightening the whole page; paper outside the scan is white.
        """
        if isinstance(source, Image.Image):
            size = source.size
            grey = np.asarray(source if source.mode == "L" else source.convert("L"))
        else:
            size, grey = (source.shape[1], source.shape[0]), source
        if size != self.source_size:
            raise ValueError(f"the scan is {size}, the alignment reads {self.source_size}")
        x0, y0, x1, y1 = (0, 0, *self.size) if box is None else _pixel_box(self.size, box, inset)
        out_size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        a, b, c, d, e, f = self.matrix
        if self.matrix == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0) and scale == 1.0:
            # Already upright: a plain crop, nothing to resample.
            return Image.fromarray(grey).crop((x0, y0, x1, y1))
        # Output pixel (x, y) reads the scan at M (x, y, 1); the half-pixel terms make OpenCV
        # sample where Pillow's ``transform`` (pixel centres) would, 8x faster than it.
        sa, sb, sd, se = a / scale, b / scale, d / scale, e / scale
        tx, ty = a * x0 + b * y0 + c, d * x0 + e * y0 + f
        matrix = np.array(
            [[sa, sb, tx + 0.5 * (sa + sb) - 0.5], [sd, se, ty + 0.5 * (sd + se) - 0.5]],
            dtype=np.float64,
        )
        out = cv2.warpAffine(
            grey,
            matrix,
            out_size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
        return Image.fromarray(out)

    def to_json(self) -> dict:
        """A plain dict for a JSON field (``from_json`` reads it back)."""
        return {
            "matrix": list(self.matrix),
            "size": list(self.size),
            "source_size": list(self.source_size),
            "rotation": self.rotation,
            "skew_deg": self.skew_deg,
            "markers": list(self.markers),
            "residual_mm": None if math.isnan(self.residual_mm) else self.residual_mm,
            "method": self.method,
            "dpi": self.dpi,
        }

    @classmethod
    def from_json(cls, data: dict) -> Alignment:
        """The alignment ``to_json`` wrote."""
        residual = data.get("residual_mm")
        m = [float(v) for v in data["matrix"]]
        return cls(
            matrix=(m[0], m[1], m[2], m[3], m[4], m[5]),
            size=(int(data["size"][0]), int(data["size"][1])),
            source_size=(int(data["source_size"][0]), int(data["source_size"][1])),
            rotation=int(data.get("rotation", 0)),
            skew_deg=float(data.get("skew_deg", 0.0)),
            markers=tuple(data.get("markers", ())),
            residual_mm=float("nan") if residual is None else float(residual),
            method=str(data.get("method", "identity")),
            dpi=float(data.get("dpi", 0.0)),
        )


@dataclass(frozen=True)
class UprightPage:
    """A scan as it came with its alignment: the upright page, straightened only where it
    is looked at."""

    scan: Image.Image
    alignment: Alignment

    @classmethod
    def of(cls, image: Image.Image) -> UprightPage:
        """An image that is upright already."""
        return cls(image, Alignment.identity(image.size))

    @property
    def size(self) -> tuple[int, int]:
        """The upright page's size in pixels (at scale 1)."""
        return self.alignment.size

    @cached_property
    def pixels(self) -> np.ndarray:
        """The scan's greyscale pixels, taken out of the image once for every region cut."""
        return np.asarray(self.scan if self.scan.mode == "L" else self.scan.convert("L"))

    def crop(self, box: tuple[float, float, float, float], *, inset: float = 0.0) -> Image.Image:
        """The normalised box (x0, y0, x1, y1) of the upright page, as ``crop_region``."""
        return self.alignment.warp(self.pixels, box=box, inset=inset)

    def image(self, *, scale: float = 1.0) -> Image.Image:
        """The whole upright page, ``scale`` times its size."""
        return self.alignment.warp(self.pixels, scale=scale)


@dataclass(frozen=True)
class AlignedPage:
    """An upright page image in the printed page's frame, with the alignment that made it
    (``rotation``, ``skew_deg``, ``markers``, ``residual_mm``, ``method`` and ``dpi`` are
    the alignment's)."""

    image: Image.Image
    alignment: Alignment

    @property
    def rotation(self) -> int:
        return self.alignment.rotation

    @property
    def skew_deg(self) -> float:
        return self.alignment.skew_deg

    @property
    def markers(self) -> tuple[str, ...]:
        return self.alignment.markers

    @property
    def residual_mm(self) -> float:
        return self.alignment.residual_mm

    @property
    def method(self) -> str:
        return self.alignment.method

    @property
    def dpi(self) -> float:
        return self.alignment.dpi


def _undo_quarter_turn(image: Image.Image, rotation: int) -> Image.Image:
    ops = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    return image.transpose(ops[rotation]) if rotation in ops else image


def _quarter_turn_matrix(rotation: int, size: tuple[int, int]) -> np.ndarray:
    """3x3 map from the pixels of the scan turned upright (``_undo_quarter_turn``) to the
    scan's own (``size``), in the continuous coordinates Pillow's transforms use."""
    w, h = size
    turns = {
        90: [[0.0, 1.0, 0.0], [-1.0, 0.0, h], [0.0, 0.0, 1.0]],
        180: [[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]],
        270: [[0.0, -1.0, w], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
    }
    return np.array(turns[rotation]) if rotation in turns else np.eye(3)


def _paper_level(grey: np.ndarray) -> float:
    # A sixteenth of the pixels estimates the paper's grey as well as all of them, 16x faster.
    sample = grey[::4, ::4]
    if sample.dtype != np.uint8:
        return float(np.percentile(sample, 90))
    # np.percentile's linear rule, read off the histogram instead of sorting.
    cumulative = np.cumsum(np.bincount(sample.ravel(), minlength=256))
    rank = 0.9 * (sample.size - 1)
    below = math.floor(rank)
    lo, hi = np.searchsorted(cumulative, (below + 1, min(below + 2, sample.size)), side="left")
    return float(lo + (rank - below) * (hi - lo))


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
        sub = (grey[y0 : y0 + win, x0 : x0 + win] < threshold).astype(np.uint8)
        if min(sub.shape) <= outer:
            continue
        integral = cv2.integral(sub, sdepth=cv2.CV_32S)  # with a leading row and column of 0
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


def _turn_about_centre(degrees: float, width: float, height: float) -> np.ndarray:
    """Turn by ``degrees`` clockwise about the centre of a ``width`` x ``height`` image, as
    ``Image.rotate(-degrees)`` does (a 3x3 homogeneous matrix)."""
    t = math.radians(degrees)
    cx, cy = width / 2.0, height / 2.0
    cos, sin = math.cos(t), math.sin(t)
    return np.array(
        [
            [cos, -sin, cx - cx * cos + cy * sin],
            [sin, cos, cy - cx * sin - cy * cos],
            [0.0, 0.0, 1.0],
        ]
    )


def fit_alignment(
    image: Image.Image,
    *,
    rotation: int | None = 0,
    qr_angle_deg: float | None = None,
    page_mm: tuple[float, float] = A4_MM,
    dpi: float | None = None,
) -> Alignment:
    """Find where the printed page lies on a scan: its quarter turn, then skew, shift and
    scale from the corner markers. Nothing is resampled (``Alignment.warp`` does that).

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
        Resolution of the upright page; default: the scan's own, estimated from its width.
    """
    turn = rotation or 0
    grey_img = _undo_quarter_turn(image if image.mode == "L" else image.convert("L"), turn)
    gw, gh = grey_img.size
    scan_px_per_mm = gw / page_mm[0]
    out_px_per_mm = (dpi / MM_PER_INCH) if dpi else scan_px_per_mm
    out_size = (round(page_mm[0] * out_px_per_mm), round(page_mm[1] * out_px_per_mm))
    out_dpi = out_px_per_mm * MM_PER_INCH
    to_scan = _quarter_turn_matrix(turn, image.size)

    def alignment(upright_to_turned: np.ndarray, **fields: Any) -> Alignment:
        total = to_scan @ upright_to_turned
        a, b, c = (float(v) for v in total[0])
        d, e, f = (float(v) for v in total[1])
        return Alignment(
            (a, b, c, d, e, f), out_size, image.size, rotation=turn, dpi=out_dpi, **fields
        )

    found = find_markers(np.asarray(grey_img), scan_px_per_mm)
    expected = marker_centres_mm(page_mm)
    if len(found) >= 3:
        names = sorted(found)
        dst = np.array(
            [[expected[n][0] * out_px_per_mm, expected[n][1] * out_px_per_mm, 1.0] for n in names]
        )
        src = np.array([found[n] for n in names])
        # Output pixel -> turned scan pixel, least squares over the markers found.
        coef, *_ = np.linalg.lstsq(dst, src, rcond=None)
        fitted = dst @ coef
        residual = float(np.abs(fitted - src).max()) / scan_px_per_mm
        skew = math.degrees(math.atan2(coef[0, 1], coef[0, 0]))
        scale = math.hypot(coef[0, 0], coef[0, 1]) * out_px_per_mm / scan_px_per_mm
        if residual < 2.0 and abs(skew) < 8.0 and 0.85 < scale < 1.15:
            fit = np.vstack([coef.T, [0.0, 0.0, 1.0]])
            return alignment(
                fit, skew_deg=-skew, markers=tuple(names), residual_mm=residual, method="markers"
            )
    # Stretch the turned scan to the output size, about its top-left corner.
    resize = np.diag([gw / out_size[0], gh / out_size[1], 1.0])
    if qr_angle_deg is not None and rotation is not None:
        fine = ((qr_angle_deg - rotation + 180.0) % 360.0) - 180.0
        if abs(fine) < 8.0:
            rotate = _turn_about_centre(fine, gw, gh)
            return alignment(
                rotate @ resize, skew_deg=fine, markers=tuple(sorted(found)), method="qr-angle"
            )
    return alignment(resize, markers=tuple(sorted(found)), method="none")


def align_page(
    image: Image.Image,
    *,
    rotation: int | None = 0,
    qr_angle_deg: float | None = None,
    page_mm: tuple[float, float] = A4_MM,
    dpi: float | None = None,
) -> AlignedPage:
    """Undo the quarter turn, then deskew and register the page on its corner markers: the
    whole upright page (``fit_alignment`` and ``Alignment.warp`` in one step)."""
    fitted = fit_alignment(
        image, rotation=rotation, qr_angle_deg=qr_angle_deg, page_mm=page_mm, dpi=dpi
    )
    return AlignedPage(fitted.warp(image), fitted)


def crop_region(
    page: Image.Image, box: tuple[float, float, float, float], *, inset: float = 0.0
) -> Image.Image:
    """Cut a normalised box (x0, y0, x1, y1) out of an aligned page.

    ``inset`` shrinks the box on every side by that fraction of the page width, e.g. to
    keep a printed box outline out of the crop.
    """
    return page.crop(_pixel_box(page.size, box, inset))


def _pixel_box(
    size: tuple[int, int], box: tuple[float, float, float, float], inset: float
) -> tuple[int, int, int, int]:
    """A normalised box in pixels of a page ``size`` large, shrunk by ``inset`` (a fraction of
    the width) on every side: one rounding for ``crop_region`` and ``Alignment.warp``, so a
    region warped alone and one cut from the straightened page are the same pixels."""
    w, h = size
    x0, y0, x1, y1 = box
    d = inset * w
    return (round(x0 * w + d), round(y0 * h + d), round(x1 * w - d), round(y1 * h - d))
