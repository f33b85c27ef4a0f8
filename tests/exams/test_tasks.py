"""Every pipeline task is safe to run twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo import plan
from exams.models import Answer, Page, Transcription
from exams.pipeline import upload
from exams.tasks import check_submission, process_page, split_scan_batch, transcribe_page
from grading.models import GradeEvent

pytestmark = pytest.mark.django_db


def test_each_pipeline_task_twice_gives_the_same_result(one_copy):
    _, batch = one_copy
    for _ in range(2):
        split_scan_batch.apply(kwargs={"batch_id": batch.pk})
    pages = list(Page.objects.filter(batch=batch))
    assert len(pages) == plan.PAGES
    for page in pages:
        for _ in range(2):
            process_page(page_id=page.pk)
            transcribe_page(page_id=page.pk)
    submission = Page.objects.get(pk=pages[0].pk).submission
    first = check_submission(submission_id=submission.pk)
    snapshot = list(
        Answer.objects.filter(submission=submission).values_list(
            "part_id", "verdict", "suggested_points"
        )
    )
    assert check_submission(submission_id=submission.pk) == first == len(plan.REGIONS)
    assert (
        list(
            Answer.objects.filter(submission=submission).values_list(
                "part_id", "verdict", "suggested_points"
            )
        )
        == snapshot
    )
    assert Transcription.objects.filter(answer__submission=submission).count() == len(plan.REGIONS)
    assert GradeEvent.objects.filter(answer__submission=submission).count() <= len(plan.REGIONS)
    assert check_submission(submission_id=987654) == 0


def test_the_steps_send_the_tasks_by_their_registered_names():
    """The modules below the tasks send a step by name: each name is a registered task."""
    from exams import tasks
    from exams.pipeline import steps
    from gradebook.celery import app

    named = {
        steps.SPLIT_TASK: tasks.split_scan_batch,
        steps.PLACE_TASK: tasks.process_page,
        steps.READ_TASK: tasks.transcribe_page,
        steps.CHECK_TASK: tasks.check_submission,
    }
    for name, task in named.items():
        assert task.name == name
        assert app.tasks[name].run is task.run  # the module's task is the one registered


def _one_split_page(one_copy) -> Page:
    _, batch = one_copy
    (first, *_) = upload.scan_batch_split(batch_id=batch.pk)  # no task: nothing placed yet
    return Page.objects.get(pk=first)


def test_a_page_is_read_in_its_placing_task_from_the_scan_placing_decoded(one_copy, monkeypatch):
    page = _one_split_page(one_copy)

    def no_second_decode(page):
        raise AssertionError("the stored scan was decoded again to read it")

    monkeypatch.setattr("exams.pipeline.reading.open_upright", no_second_decode)
    assert process_page(page_id=page.pk) in (Page.Stage.READ, Page.Stage.CHECKED)
    page.refresh_from_db()
    assert page.status == Page.Status.PLACED
    assert page.last_error == ""
    read = Transcription.objects.filter(page=page, source=Transcription.Source.OCR)
    assert read.count() == sum(1 for r in plan.REGIONS.values() if r[0] == page.page_number)


def test_a_reading_that_fails_after_placing_stays_due_and_is_read_again(one_copy, monkeypatch):
    page = _one_split_page(one_copy)

    def broken(*args, **kwargs):
        raise RuntimeError("reader crashed")

    monkeypatch.setattr("exams.pipeline.reading.read_region", broken)
    assert process_page(page_id=page.pk) == Page.Stage.PLACED
    page.refresh_from_db()
    assert page.status == Page.Status.PLACED
    assert "reader crashed" in page.last_error
    assert page.attempts == 1
    assert not Transcription.objects.filter(page=page).exists()

    monkeypatch.undo()
    Page.objects.filter(pk=page.pk).update(due_at=timezone.now())  # its backoff is over
    assert transcribe_page(page_id=page.pk) in (Page.Stage.READ, Page.Stage.CHECKED)
    assert Transcription.objects.filter(page=page).count() > 0
