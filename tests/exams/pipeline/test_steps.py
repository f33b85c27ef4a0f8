"""Each page's pipeline state lives in the database: a lost message, a failed attempt or a
missing key leaves the step due (or visibly stopped), and the reconciler or a person's resume
takes it to the end, each step exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from demo import plan
from exams import tasks
from exams.models import Answer, AnswerKey, Page, ScanBatch, Transcription
from exams.pipeline import placement, reconcile
from exams.pipeline.reading import WAITING_FOR_KEY
from exams.services.keys import answer_key_store
from exams.tasks import process_page, split_scan_batch

pytestmark = pytest.mark.django_db


def _stages(batch) -> dict[str, int]:
    return dict(Counter(Page.objects.filter(batch=batch).values_list("stage", flat=True)))


def _time_passes(batch) -> None:
    """The grace given to the messages sent has run out."""
    past = timezone.now() - timedelta(seconds=1)
    Page.objects.filter(batch=batch, due_at__isnull=False).update(due_at=past)
    ScanBatch.objects.filter(pk=batch.pk, due_at__isnull=False).update(due_at=past)


def _read_and_checked_once(exam) -> None:
    answers = Answer.objects.filter(submission__exam=exam)
    assert answers.count() == len(plan.REGIONS)
    assert not answers.filter(verdict=Answer.Verdict.PENDING).exists()
    per_answer = Counter(
        Transcription.objects.filter(answer__submission__exam=exam, source="ocr").values_list(
            "answer_id", flat=True
        )
    )
    assert sorted(per_answer.values()) == [1] * len(plan.REGIONS)


@pytest.fixture
def dropped(monkeypatch):
    """Messages of the named tasks are lost on their way to the broker."""
    lost: dict[str, list[dict]] = {}

    def drop(name: str) -> None:
        lost[name] = []
        monkeypatch.setattr(f"exams.tasks.{name}.delay", lambda **kw: lost[name].append(kw))

    drop.lost = lost  # type: ignore[attr-defined]
    return drop


class WorkerDied(BaseException):
    """The worker process ends between placing a page and reading it."""


@pytest.fixture
def dies_after_placing(monkeypatch):
    def failpoint(name: str) -> None:
        if name == "placed":
            raise WorkerDied

    monkeypatch.setattr("exams.pipeline.steps.failpoint", failpoint)


def test_a_placed_page_whose_reading_was_lost_is_read_by_the_reconciler(
    one_copy, dropped, dies_after_placing, monkeypatch, django_capture_on_commit_callbacks
):
    exam, batch = one_copy
    dropped("process_page")
    split_scan_batch(batch_id=batch.pk)
    for kwargs in dropped.lost["process_page"]:
        with pytest.raises(WorkerDied):
            process_page(**kwargs)
    assert _stages(batch) == {"placed": plan.PAGES}
    batch.refresh_from_db()
    # Placed is not done: the batch says what is left.
    assert (batch.status, batch.pages_done) == (ScanBatch.Status.PROCESSING, 0)
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == 0  # the lost messages' grace has not run out
    _time_passes(batch)
    with django_capture_on_commit_callbacks(execute=True):
        report = reconcile.reconcile()
    assert (report.pages, report.batches) == (plan.PAGES, 0)
    assert _stages(batch) == {"checked": plan.PAGES}
    batch.refresh_from_db()
    assert (batch.status, batch.pages_done) == (ScanBatch.Status.DONE, plan.PAGES)
    _read_and_checked_once(exam)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile() == reconcile.ReconcileReport()  # nothing left


def test_a_redelivered_placing_reads_the_page_it_had_placed(
    one_copy, dropped, dies_after_placing, monkeypatch
):
    exam, batch = one_copy
    dropped("process_page")
    split_scan_batch(batch_id=batch.pk)
    for kwargs in dropped.lost["process_page"]:
        with pytest.raises(WorkerDied):
            process_page(**kwargs)
    monkeypatch.undo()
    for page in Page.objects.filter(batch=batch):
        # Delivered again after its worker died between the commit and the send.
        process_page(page_id=page.pk)
        assert Page.objects.get(pk=page.pk).stage == Page.Stage.CHECKED
        process_page(page_id=page.pk)
    assert _stages(batch) == {"checked": plan.PAGES}
    _read_and_checked_once(exam)


def test_a_lost_check_is_sent_again_and_done_once(
    one_copy, dropped, monkeypatch, django_capture_on_commit_callbacks
):
    exam, batch = one_copy
    dropped("check_submission")
    split_scan_batch(batch_id=batch.pk)
    assert _stages(batch) == {"read": plan.PAGES}
    assert not Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").exists()
    monkeypatch.undo()
    _time_passes(batch)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().checks == 1  # one check for the copy, not one per page
    assert _stages(batch) == {"checked": plan.PAGES}
    _read_and_checked_once(exam)


def test_a_failing_step_backs_off_then_stops_for_a_person_who_resumes_it(
    one_copy, dropped, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.PIPELINE_MAX_ATTEMPTS = 3
    settings.PIPELINE_RETRY_SECONDS = 10
    exam, batch = one_copy
    dropped("process_page")
    split_scan_batch(batch_id=batch.pk)
    bad, good = Page.objects.filter(batch=batch).order_by("index_in_batch")
    place = placement.page_place

    def broken(*, page_id):
        if page_id == bad.pk:
            raise ValueError("unreadable page data")
        return place(page_id=page_id)

    monkeypatch.setattr("exams.pipeline.placement.page_place", broken)
    process_page(page_id=good.pk)
    for attempt in (1, 2):
        before = timezone.now()
        process_page(page_id=bad.pk)
        bad.refresh_from_db()
        assert (bad.attempts, bad.stage, bad.gave_up_at) == (attempt, "split", None)
        assert bad.last_error == "ValueError: unreadable page data"
        # Tried again after a backoff that doubles: 10 s, then 20 s (plus up to 25% jitter).
        wait = (bad.due_at - before).total_seconds()
        assert 10 * 2 ** (attempt - 1) <= wait <= 12.5 * 2 ** (attempt - 1) + 1
    process_page(page_id=bad.pk)
    bad.refresh_from_db()
    assert (bad.attempts, bad.due_at) == (3, None)
    assert bad.gave_up_at is not None
    process_page(page_id=bad.pk)  # stopped: nothing runs until a person resumes it
    assert Page.objects.get(pk=bad.pk).attempts == 3
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.WAITING
    assert _stages(batch) == {"split": 1, "checked": 1}

    monkeypatch.setattr("exams.pipeline.placement.page_place", place)
    monkeypatch.setattr("exams.tasks.process_page.delay", process_page)
    with django_capture_on_commit_callbacks(execute=True):
        report = reconcile.pipeline_resume(batches=ScanBatch.objects.filter(pk=batch.pk))
    assert report.pages == 1
    assert _stages(batch) == {"checked": plan.PAGES}
    batch.refresh_from_db()
    assert (batch.status, batch.pages_done) == (ScanBatch.Status.DONE, plan.PAGES)
    _read_and_checked_once(exam)


def test_an_outage_is_retried_without_counting_an_attempt(one_copy, dropped, monkeypatch):
    _, batch = one_copy
    dropped("process_page")
    split_scan_batch(batch_id=batch.pk)
    page = Page.objects.filter(batch=batch).first()

    def outage(*, page_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("exams.pipeline.placement.page_place", outage)
    with pytest.raises(OperationalError):
        tasks.run_page_step(page_id=page.pk)  # raised again: Celery retries it
    page.refresh_from_db()
    assert (page.attempts, page.gave_up_at, page.stage) == (0, None, "split")
    assert page.last_error.startswith("OperationalError: server closed")
    assert page.due_at is not None


def test_a_split_works_in_slices_and_places_pages_once_the_file_is_split(
    one_copy, dropped, settings
):
    settings.PIPELINE_SPLIT_SLICE_SECONDS = 0  # one page per slice
    _, batch = one_copy
    dropped("split_scan_batch")
    dropped("process_page")
    for stored in (1, 2):
        split_scan_batch(batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.status == ScanBatch.Status.SPLITTING
        assert batch.due_at is not None
        assert sorted(
            Page.objects.filter(batch=batch).values_list("index_in_batch", flat=True)
        ) == list(range(stored))
        assert len(dropped.lost["split_scan_batch"]) == stored  # it sent itself again
        assert dropped.lost["process_page"] == []  # no page placed before the file is whole
    split_scan_batch(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.pages_total) == (ScanBatch.Status.PROCESSING, plan.PAGES)
    assert sorted(p["page_id"] for p in dropped.lost["process_page"]) == sorted(
        Page.objects.filter(batch=batch).values_list("pk", flat=True)
    )


def test_placed_pages_wait_for_the_key_and_are_read_once_it_is_installed(
    one_copy, django_capture_on_commit_callbacks
):
    exam, batch = one_copy
    AnswerKey.objects.filter(exam=exam).delete()
    split_scan_batch(batch_id=batch.pk)
    pages = Page.objects.filter(batch=batch)
    assert set(pages.values_list("stage", "due_at", "last_error")) == {
        ("placed", None, WAITING_FOR_KEY)
    }
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        answer_key_store(exam=exam, source=plan.KEY_PATH.read_text())
    assert _stages(batch) == {"checked": plan.PAGES}
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.DONE
    _read_and_checked_once(exam)
