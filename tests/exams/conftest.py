"""Fixtures shared by the exams app's tests."""

from __future__ import annotations

import io

import pytest

from demo import build
from exams.models import Page
from exams.pipeline import upload
from exams.scanning.fakescan import ScanDefects
from tests import view_fixtures


@pytest.fixture
def one_copy(media_root):
    """One student's two-page demo copy, scanned and uploaded; nothing processed yet."""
    exam, roster = build.demo_exam(students=1)
    _, scan = build.demo_scans(
        exam, roster, seed=3, dpi=120, defects=ScanDefects(dropped=0, duplicated=0, upside_down=0)
    )
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(scan.pdf), original_name="s.pdf", enqueue=False
    ).batch
    return exam, batch


@pytest.fixture
def stray(cast, media_root):
    """A scanned page whose QR code could not be read: on the attention page, no copy."""
    return view_fixtures.scan_page(
        cast,
        submission=None,
        page_number=None,
        status=Page.Status.NEEDS_ATTENTION,
        reason="no QR code found",
        index=3,
    )
