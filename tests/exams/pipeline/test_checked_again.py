"""A copy is checked again when what it was checked from changes: a new scan placed in place
of another is read whole and its reads supersede the old scan's; a new key version sends the
copies whose parts changed through the pipeline again. A person's grade stands, and is marked
to be looked at again when its automatic check changed."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from demo import build, plan
from exams.models import Answer, Page, ScanBatch, Transcription
from exams.pipeline import reconcile, upload
from exams.scanning.fakescan import ScanDefects, fake_scan
from exams.services import pages as page_services
from exams.services import printing
from exams.services.keys import answer_key_install
from exams.tasks import split_scan_batch
from grading import services as grading
from grading.models import Score

pytestmark = pytest.mark.django_db

CLEAN = ScanDefects(dropped=0, duplicated=0, upside_down=0)
#: The demo key with 1.a's steps changed: 12 epochs are right, where 15 were.
KEY_V2 = (
    plan.KEY_PATH.read_text()
    .replace("key_version: 1", "key_version: 2")
    .replace("steps: 3000}", "steps: 2400}")
)


@pytest.fixture
def checked(media_root):
    """Two students' copies scanned, then placed, read and checked in-process."""
    exam, roster = build.demo_exam(students=2)
    pdf, scan = build.demo_scans(exam, roster, seed=3, dpi=120, defects=CLEAN)
    _process(exam, scan.pdf)
    assert set(Page.objects.filter(batch__exam=exam).values_list("stage", flat=True)) == {"checked"}
    return exam, pdf


def _process(exam, pdf: bytes) -> ScanBatch:
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(pdf), original_name=f"scan-{len(pdf)}.pdf", enqueue=False
    ).batch
    split_scan_batch(batch_id=batch.pk)
    return batch


def _person_grades(answer: Answer, points: str) -> None:
    instructor = answer.submission.exam.course.enrollments.get(role="instructor").user
    grading.score_set(
        answer=answer,
        actor=instructor,
        expected_version=Score.objects.get(answer=answer).version,
        points=Decimal(points),
    )


def _answer(submission, part_id: str) -> Answer:
    return Answer.objects.select_related("score").get(submission=submission, part__part_id=part_id)


def test_a_new_scan_placed_in_place_of_another_is_read_and_supersedes_it(
    checked, django_capture_on_commit_callbacks
):
    exam, pdf = checked
    first, second = exam.submissions.order_by("copy_number")
    _person_grades(_answer(first, "1.a"), "4")
    untouched = {a.pk: a.answer_text for a in Answer.objects.filter(submission=second)}
    old_page = Page.objects.get(submission=first, page_number=1, status=Page.Status.PLACED)
    # The first student's sheets scanned again, page 1 with other answers written on it.
    rewritten = {"1.a": "12", "1.b": "79", "2.a": "217728", "2.b": "62 x 62 x 16"}
    rescan = fake_scan(
        pdf,
        {(first.copy_number, part_id): text for part_id, text in rewritten.items()},
        printing.exam_regions(exam),
        seed=11,
        dpi=120,
        defects=CLEAN,
    )
    batch = _process(exam, rescan.pdf)
    new_page = Page.objects.get(
        batch=batch,
        status=Page.Status.NEEDS_ATTENTION,
        attention_reason__startswith=f"copy {first.copy_number} page 1 was already scanned",
    )

    with django_capture_on_commit_callbacks(execute=True):
        page_services.page_place(
            page=new_page, copy_number=first.copy_number, page_number=1, actor=None, replace=True
        )

    new_page.refresh_from_db()
    assert (new_page.status, new_page.stage) == (Page.Status.PLACED, Page.Stage.CHECKED)
    old_page.refresh_from_db()
    assert old_page.status == Page.Status.DISCARDED
    for part_id in rewritten:
        answer = _answer(first, part_id)
        reads = answer.transcriptions.filter(source=Transcription.Source.OCR)
        # Read once from the new scan: the replaced one took its reading with it when it
        # left the copy (its image and the page log keep what it was).
        assert Counter(reads.values_list("page_id", flat=True)) == {new_page.pk: 1}
        current = reads.order_by("-created_at", "-id").first()
        assert current is not None
        assert current.page_id == new_page.pk
        assert answer.answer_text == current.text
        assert answer.checked_at is not None
        assert answer.checked_at >= current.created_at
        if answer.score.source == Score.Source.AUTO:
            assert answer.score.points == answer.suggested_points
    graded = _answer(first, "1.a")
    # 15 was written, then 12: the person's 4 points stand, marked to be looked at again.
    assert graded.verdict != Answer.Verdict.CORRECT
    assert (graded.score.source, graded.score.points) == (Score.Source.PERSON, Decimal(4))
    assert "a new reading of the answer" in graded.score.recheck
    # The other copy was not read again.
    assert {a.pk: a.answer_text for a in Answer.objects.filter(submission=second)} == untouched
    assert Transcription.objects.filter(answer__submission=second, source="ocr").count() == len(
        plan.REGIONS
    )


def test_a_new_key_version_checks_the_changed_parts_again_through_the_pipeline(
    checked, monkeypatch, django_capture_on_commit_callbacks
):
    exam, _ = checked
    first, second = exam.submissions.order_by("copy_number")
    _person_grades(_answer(first, "1.a"), "5")
    auto = _answer(second, "1.a")
    assert (auto.score.source, auto.score.points) == (Score.Source.AUTO, Decimal(5))
    reads = Transcription.objects.filter(answer__submission__exam=exam, source="ocr").count()
    sent: list[dict] = []
    monkeypatch.setattr("exams.tasks.transcribe_page.delay", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        installed = answer_key_install(exam=exam, source=KEY_V2)

    assert installed.created
    assert installed.parts_changed == {"1.a"}
    assert (installed.recheck.copies_sent, installed.recheck.copies_checked) == (2, 0)
    pages = Page.objects.filter(batch__exam=exam)
    # Each step is due in the database: its message lost, nothing is.
    assert sorted(m["page_id"] for m in sent) == sorted(pages.values_list("pk", flat=True))
    assert set(pages.values_list("stage", flat=True)) == {"placed"}
    assert set(ScanBatch.objects.filter(exam=exam).values_list("status", flat=True)) == {
        "processing"
    }
    monkeypatch.undo()
    pages.update(due_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.reconcile().pages == pages.count()

    assert set(pages.values_list("stage", flat=True)) == {"checked"}
    assert set(ScanBatch.objects.filter(exam=exam).values_list("status", flat=True)) == {"done"}
    answers = Answer.objects.filter(submission__exam=exam)
    assert set(answers.values_list("checked_with_key__version", flat=True)) == {2}
    # Checked again, not read again.
    assert Transcription.objects.filter(answer__submission__exam=exam, source="ocr").count() == (
        reads
    )
    auto = _answer(second, "1.a")
    assert auto.verdict != Answer.Verdict.CORRECT
    assert auto.score.source == Score.Source.AUTO
    assert auto.score.points == auto.suggested_points != Decimal(5)
    graded = _answer(first, "1.a")
    assert (graded.score.source, graded.score.points) == (Score.Source.PERSON, Decimal(5))
    assert "a new key version" in graded.score.recheck
    # Parts whose check did not change keep their outcome, and no mark.
    assert (
        not Score.objects.filter(answer__submission__exam=exam)
        .exclude(answer__part__part_id="1.a")
        .exclude(recheck="")
        .exists()
    )

    again = answer_key_install(exam=exam, source=KEY_V2)
    assert (again.created, again.recheck.copies) == (False, 0)
