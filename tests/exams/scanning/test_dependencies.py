"""Says which exams.scanning dependencies are missing instead of failing at collection."""

from __future__ import annotations

import pytest

from .conftest import MISSING


def test_scanning_dependencies_are_installed():
    if MISSING:
        pytest.skip(f"exams.scanning tests not collected: pip install {' '.join(MISSING)}")
    assert not MISSING
