"""Pages placed, moved, taken off and discarded by hand: only on printed copies, warned about
another exam's code, logged, and undone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exams.models import Answer, Exam, Page, PageEvent, Part, Submission, Transcription
from exams.scanning.qrcodes import QrPayload
from exams.selectors import missing_pages
from exams.services import pages
from exams.services.printing import exam_print_copies
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def stray(stray, cast):
    """The shared stray page (tests/exams/conftest.py), on an exam that printed 10 copies."""
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=10)
    return stray


def position(page: Page) -> tuple:
    page.refresh_from_db()
    copy = page.submission.copy_number if page.submission else None
    return page.status, copy, page.page_number


def test_a_copy_number_never_printed_is_refused_and_no_copy_is_made(cast, stray):
    with pytest.raises(ValidationError, match=r"Copy 99 does not exist.*copies 1 to 10"):
        pages.page_place(page=stray, copy_number=99, page_number=1, actor=None)
    assert not Submission.objects.filter(exam=cast.exam, copy_number=99).exists()
    assert position(stray) == ("needs_attention", None, None)
    assert not PageEvent.objects.exists()


def test_a_copy_of_the_roster_is_valid_even_beyond_the_printed_ones(cast, stray):
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=0)
    copy = cast.submission.copy_number
    pages.page_place(page=stray, copy_number=copy, page_number=1, actor=None)
    assert position(stray) == ("placed", copy, 1)


def test_printing_counts_the_copies_and_never_reuses_a_number(cast):
    exam_print_copies(exam=cast.exam, anonymous=3, template_pdf=_blank_pdf())
    exam = Exam.objects.get(pk=cast.exam.pk)
    highest = max(cast.submission.copy_number, cast.other_submission.copy_number)
    assert exam.copies_printed == highest + 3
    exam_print_copies(exam=exam, anonymous=2, template_pdf=_blank_pdf())
    assert Exam.objects.get(pk=cast.exam.pk).copies_printed == highest + 5


def _blank_pdf() -> bytes:
    from exams.scanning.copies import render_template

    return render_template("Blank", ())


def test_placing_is_logged_and_undone(cast, stray):
    ines = cast.instructor.user
    copy = cast.submission.copy_number
    pages.page_place(page=stray, copy_number=copy, page_number=1, actor=ines)
    event = PageEvent.objects.get()
    assert (event.action, event.actor, event.after["copy"]) == ("place", ines, copy)
    assert event.before == {
        "status": "needs_attention",
        "copy": None,
        "page_number": None,
        "reason": "no QR code found",
    }

    undone = pages.page_undo(exam=cast.exam, actor=ines)
    assert undone.action == "place"
    assert position(stray) == ("needs_attention", None, None)
    assert stray.attention_reason == "no QR code found"
    assert PageEvent.objects.filter(action="undo", undoes=event.batch).count() == 1
    with pytest.raises(ValidationError, match="Nothing to undo"):
        pages.page_undo(exam=cast.exam, actor=ines)


def test_undoing_a_replacement_puts_both_scans_back(cast, stray):
    copy = cast.submission.copy_number
    first = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=6)
    ines = cast.instructor.user
    pages.page_place(page=stray, copy_number=copy, page_number=1, actor=ines, replace=True)
    assert position(first)[0] == "discarded"
    assert position(stray) == ("placed", copy, 1)
    pages.page_undo(exam=cast.exam, actor=ines)
    assert position(first) == ("placed", copy, 1)
    assert position(stray) == ("needs_attention", None, None)


def test_moving_a_page_takes_its_reading_off_the_copy_it_leaves(cast, media_root):
    Part.objects.filter(exam=cast.exam, part_id="1.a").update(
        region={"page": 1, "box": [0.1, 0.1, 0.5, 0.3]}
    )
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=100)
    placed = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=7)
    part = cast.exam.parts.get(part_id="1.a")
    answer = factories.answer(
        cast.submission,
        part,
        answer_text="42",
        final_answer="42",
        verdict="correct",
        suggested_points=Decimal(4),
    )
    Transcription.objects.create(answer=answer, source="ocr", text="42", confidence=0.9)
    ines = cast.instructor.user
    target = cast.other_submission.copy_number

    pages.page_place(page=placed, copy_number=target, page_number=1, actor=ines)
    assert position(placed) == ("placed", target, 1)
    assert PageEvent.objects.get().action == "move"
    answer.refresh_from_db()
    assert (answer.answer_text, answer.verdict, answer.suggested_points) == ("", "pending", None)
    assert not answer.transcriptions.exists()
    assert missing_pages(cast.exam) == {}  # the other copy has its page; this one has none

    pages.page_undo(exam=cast.exam, actor=ines)
    assert position(placed) == ("placed", cast.submission.copy_number, 1)


def test_a_page_taken_off_its_copy_waits_again_and_its_page_is_missing(cast, media_root):
    Exam.objects.filter(pk=cast.exam.pk).update(pages_per_copy=2)
    one = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=1)
    two = view_fixtures.scan_page(cast, submission=cast.submission, page_number=2, index=2)
    ines = cast.instructor.user
    pages.page_unplace(page=two, actor=ines)
    assert position(two) == ("needs_attention", None, None)
    assert f"taken off copy {cast.submission.copy_number} page 2 by ines" in two.attention_reason
    cast.exam.refresh_from_db()
    assert missing_pages(cast.exam) == {cast.submission.copy_number: [2]}
    with pytest.raises(ValidationError, match="not placed"):
        pages.page_unplace(page=two, actor=ines)
    pages.page_undo(exam=cast.exam, actor=ines)
    assert position(two) == ("placed", cast.submission.copy_number, 2)
    assert position(one)[0] == "placed"
    assert missing_pages(cast.exam) == {}


def test_a_page_of_another_exam_is_placed_only_when_the_person_says_so(cast, stray):
    stray.qr_payload = QrPayload("OTHER-EXAM", 3, 1).encode()
    stray.save()
    copy = cast.submission.copy_number
    with pytest.raises(ValidationError, match=r"QR code is of another exam .*OTHER-EXAM"):
        pages.page_place(page=stray, copy_number=copy, page_number=1, actor=None)
    assert position(stray)[0] == "needs_attention"
    pages.page_place(page=stray, copy_number=copy, page_number=1, actor=None, other_exam=True)
    assert position(stray) == ("placed", copy, 1)


def test_an_undo_never_overwrites_a_change_made_since(cast, stray):
    ines = cast.instructor.user
    other = factories.user("irene")
    copy = cast.submission.copy_number
    pages.page_place(page=stray, copy_number=copy, page_number=1, actor=ines)
    pages.page_unplace(page=stray, actor=other)
    with pytest.raises(ValidationError, match="was changed since"):
        pages.page_undo(exam=cast.exam, actor=ines)
    assert position(stray) == ("needs_attention", None, None)
    # Each undoes only their own: the other person's undo puts the page back on its copy.
    pages.page_undo(exam=cast.exam, actor=other)
    assert position(stray) == ("placed", copy, 1)


def test_a_group_discarded_at_once_is_undone_whole(cast, media_root):
    group = [
        view_fixtures.scan_page(
            cast,
            submission=None,
            page_number=None,
            status=Page.Status.NEEDS_ATTENTION,
            reason="no QR code found",
            index=20 + i,
        )
        for i in range(3)
    ]
    ines = cast.instructor.user
    count = pages.pages_discard(
        exam=cast.exam,
        batch_id=group[0].batch_id,
        reason="no QR code found",
        up_to=group[-1].pk,
        actor=ines,
    )
    assert count == 3
    assert {position(p)[0] for p in group} == {"discarded"}
    undone = pages.page_undo(exam=cast.exam, actor=ines)
    assert len(undone.pages) == 3
    assert "3 pages are back" in undone.message
    assert {position(p)[0] for p in group} == {"needs_attention"}


def test_a_discarded_duplicate_is_undone(cast, media_root):
    view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=1)
    twice = view_fixtures.scan_page(
        cast,
        submission=cast.submission,
        page_number=1,
        status=Page.Status.DUPLICATE,
        reason="a second scan",
        index=2,
    )
    ines = cast.instructor.user
    pages.page_discard(page=twice, actor=ines, reason="second scan")
    assert position(twice)[0] == "discarded"
    pages.page_undo(exam=cast.exam, actor=ines)
    assert position(twice) == ("duplicate", cast.submission.copy_number, 1)
    assert Answer.objects.count() == 0
