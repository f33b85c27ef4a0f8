from __future__ import annotations

from exams.scanning.placement import reconcile
from exams.scanning.qrcodes import QrFailure, QrPayload, QrRead


def _read(code: str, copy: int, page: int) -> QrRead:
    return QrRead(QrPayload(code, copy, page), None)


def test_a_complete_scan_is_complete():
    reads = [(i, _read("E1", c, p)) for i, (c, p) in enumerate([(1, 1), (1, 2), (2, 2), (2, 1)])]
    result = reconcile(reads, exam_code="E1", copies=[1, 2], pages=2)
    assert result.complete
    assert result.placed == {(1, 1): 0, (1, 2): 1, (2, 2): 2, (2, 1): 3}


def test_missing_duplicate_unreadable_foreign_and_unexpected_pages_are_sorted_out():
    reads = [
        (0, _read("E1", 1, 1)),
        (1, QrRead(None, QrFailure.NOT_FOUND)),
        (2, _read("E1", 1, 1)),
        (3, _read("OTHER", 1, 2)),
        (4, _read("E1", 9, 1)),
        (5, _read("E1", 2, 1)),
        (6, _read("E1", 1, 1)),
    ]
    result = reconcile(reads, exam_code="E1", copies=[1, 2], pages=2)
    assert not result.complete
    assert result.placed == {(1, 1): 0, (2, 1): 5}
    assert result.duplicates == {(1, 1): (2, 6)}
    assert result.missing == ((1, 2), (2, 2))
    assert result.unreadable == ((1, QrFailure.NOT_FOUND),)
    assert result.other_exam == ((3, "OTHER"),)
    assert result.unexpected == ((4, (9, 1)),)
