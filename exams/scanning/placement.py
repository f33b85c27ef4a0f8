"""Reconcile the QR codes read from an upload with the copies that were printed.

Pure bookkeeping over ``(scan index, QrRead)`` pairs: which printed page each scanned page
is, which printed pages never came back, which came back twice, and which scanned pages
could not be placed (no readable code, or another exam's code).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .qrcodes import QrFailure, QrRead

CopyPage = tuple[int, int]


@dataclass(frozen=True)
class Reconciliation:
    """The placement of one exam's scanned pages.

    ``placed`` maps (copy, page) to the index of the first scanned page that carries it;
    ``duplicates`` maps (copy, page) to the indexes of the further scans of it. ``missing``
    lists printed pages no scan carries. ``unreadable`` pairs scan indexes with why their
    code failed; ``other_exam`` pairs scan indexes with the exam code they carry; and
    ``unexpected`` lists scans of this exam whose copy or page was never printed.
    """

    placed: dict[CopyPage, int]
    duplicates: dict[CopyPage, tuple[int, ...]]
    missing: tuple[CopyPage, ...]
    unreadable: tuple[tuple[int, QrFailure], ...]
    other_exam: tuple[tuple[int, str], ...]
    unexpected: tuple[tuple[int, CopyPage], ...]

    @property
    def complete(self) -> bool:
        """Every printed page placed exactly once and every scan accounted for."""
        return not (
            self.duplicates or self.missing or self.unreadable or self.other_exam or self.unexpected
        )


def reconcile(
    reads: Iterable[tuple[int, QrRead]], *, exam_code: str, copies: Iterable[int], pages: int
) -> Reconciliation:
    """Place scanned pages on the printed (copy, page) grid.

    Parameters
    ----------
    reads
        (scan index, QR read) for every scanned page, in any order.
    exam_code
        The exam the upload belongs to.
    copies
        The copy numbers that were printed.
    pages
        Pages per copy.
    """
    printed = {(c, p) for c in copies for p in range(1, pages + 1)}
    placed: dict[CopyPage, int] = {}
    extra: dict[CopyPage, list[int]] = {}
    unreadable: list[tuple[int, QrFailure]] = []
    other: list[tuple[int, str]] = []
    unexpected: list[tuple[int, CopyPage]] = []
    for index, read in sorted(reads, key=lambda item: item[0]):
        if read.payload is None:
            unreadable.append((index, read.failure or QrFailure.NOT_FOUND))
            continue
        if read.payload.exam_code != exam_code:
            other.append((index, read.payload.exam_code))
            continue
        key = (read.payload.copy, read.payload.page)
        if key not in printed:
            unexpected.append((index, key))
        elif key in placed:
            extra.setdefault(key, []).append(index)
        else:
            placed[key] = index
    return Reconciliation(
        placed=placed,
        duplicates={k: tuple(v) for k, v in sorted(extra.items())},
        missing=tuple(sorted(printed - set(placed))),
        unreadable=tuple(unreadable),
        other_exam=tuple(other),
        unexpected=tuple(unexpected),
    )
