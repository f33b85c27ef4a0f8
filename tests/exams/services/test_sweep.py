"""manage.py storage_sweep: stored files no row names are found and removed, others kept."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from exams.services.sweep import storage_sweep
from tests import view_fixtures

pytestmark = pytest.mark.django_db


def _age(name: str, hours: float) -> None:
    path = default_storage.path(name)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_an_orphan_older_than_a_day_is_removed_and_the_rest_is_kept(cast, media_root):
    page = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1)
    kept = page.image.name
    orphan = default_storage.save("pages/batch-99/00000.png", ContentFile(b"x" * 100))
    young = default_storage.save("scans/exam-1/abc.pdf", ContentFile(b"%PDF"))
    for name in (kept, orphan):
        _age(name, 48)
    listed = storage_sweep()
    assert (listed.orphans, listed.removed) == ([orphan], False)
    assert default_storage.exists(orphan)
    out = io.StringIO()
    call_command("storage_sweep", "--remove", stdout=out)
    assert "removed 1 unreferenced file(s)" in out.getvalue()
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept)
    assert default_storage.exists(young)  # its upload may still be committing
