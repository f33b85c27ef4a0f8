"""Is this the same sheet of paper scanned twice?

A page fed through the scanner twice never gives the same bytes (noise, skew, JPEG), so a
checksum cannot recognise it. Both scans, once aligned on the corner markers, are compared as
ink-density maps over a grid: a re-scan differs by scanner noise everywhere, while a
different sheet for the same position differs by
its handwriting somewhere. Measured on generated 100 dpi scans with one answer differing by a
single digit ("126 x 126" against "128 x 128"): re-scans differ by at most 0.13 per tile,
different sheets by at least 0.43, on a 32 x 32 grid (tests/exams/test_similarity.py).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

#: Largest per-tile ink-density difference still taken for a re-scan of the same sheet.
SAME_SHEET_THRESHOLD = 0.25
_SIZE = (240, 340)
_GRID = 32


def _ink_tiles(page: Image.Image) -> np.ndarray:
    grey = (
        page.convert("L").filter(ImageFilter.GaussianBlur(1.5)).resize(_SIZE, Image.Resampling.BOX)
    )
    ink = (np.asarray(grey, dtype=np.float32) < 200).astype(np.float32)
    h, w = ink.shape
    th, tw = h // _GRID, w // _GRID
    return ink[: th * _GRID, : tw * _GRID].reshape(_GRID, th, _GRID, tw).mean(axis=(1, 3))


def ink_difference(a: Image.Image, b: Image.Image) -> float:
    """Largest difference in ink density (0..1) between two aligned pages, over a grid."""
    return float(np.abs(_ink_tiles(a) - _ink_tiles(b)).max())


def same_sheet(a: Image.Image, b: Image.Image, *, threshold: float = SAME_SHEET_THRESHOLD) -> bool:
    """True when two aligned page images are scans of the same written sheet."""
    return ink_difference(a, b) <= threshold
