"""The upload journey on the real services: the browser posts the scans, the web process only
stores them and enqueues, a Celery worker process (through Redis) splits, places, reads and
checks the pages in PostgreSQL, and the progress bar in the page follows it to the end."""

from __future__ import annotations

import pytest

from exams.models import Answer, Page, ScanBatch
from tests.browser.conftest import screenshot
from tests.browser.test_instructor_upload import scanned  # noqa: F401 - fixture
from tests.integration.conftest import (  # noqa: F401 - fixtures
    celery_workers,
    real_services,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_follows_a_real_worker(scanned, as_user, celery_workers):  # noqa: F811
    exam, instructor, path = scanned
    worker = celery_workers.start()
    page = as_user(instructor)
    page.goto(f"/exams/{exam.pk}/")
    page.set_input_files('#scan-form input[type="file"]', str(path))
    page.click("#scan-form button")
    page.wait_for_selector(".progress")
    page.wait_for_selector('.progress[data-status="done"]', timeout=180_000)
    assert "4/4 pages" in page.inner_text(".progress .count")
    screenshot(page, "instructor-upload-done-worker")

    batch = ScanBatch.objects.get(exam=exam)
    assert (batch.status, batch.pages_done, batch.pages_total) == ("done", 4, 4)
    assert Page.objects.filter(batch=batch, status="placed").count() == 4
    assert worker.poll() is None  # the work was done by the worker process, still alive
    # Reading and checking the answers follows placement, in the worker too.
    wait_for(
        lambda: Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").exists()
    )
    assert page.errors == []
