"""Settling the "needs attention" list by hand."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from exams.models import AnswerKey, Exam, Page, Role
from exams.services import attention, pages
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def stray(cast, media_root):
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=10)
    return view_fixtures.scan_page(
        cast, submission=None, page_number=None, status=Page.Status.NEEDS_ATTENTION, index=5
    )


def test_placing_creates_a_printed_copy_if_needed(cast, stray):
    Exam.objects.filter(pk=cast.exam.pk).update(copies_printed=80)
    page = pages.page_place(page=stray, copy_number=77, page_number=1, actor=cast.instructor.user)
    assert (page.status, page.submission.copy_number, page.page_number) == ("placed", 77, 1)
    assert page.attention_reason == ""


def test_a_taken_position_is_refused_unless_replacing(cast, stray):
    taken = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=6)
    with pytest.raises(ValidationError, match="already has a scan"):
        pages.page_place(
            page=stray, copy_number=cast.submission.copy_number, page_number=1, actor=None
        )
    assert Page.objects.get(pk=stray.pk).status == "needs_attention"
    pages.page_place(
        page=stray, copy_number=cast.submission.copy_number, page_number=1, actor=None, replace=True
    )
    taken.refresh_from_db()
    assert taken.status == "discarded"
    assert f"replaced by page {stray.pk}" in taken.attention_reason
    assert Page.objects.get(pk=stray.pk).status == "placed"


def test_a_page_number_beyond_the_exam_is_refused(cast, stray):
    with pytest.raises(ValidationError, match="pages 1 to 1"):
        pages.page_place(page=stray, copy_number=1, page_number=2, actor=None)


def test_a_placed_page_is_transcribed_after_commit_when_a_key_exists(
    cast, stray, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr("exams.tasks.transcribe_page.delay", lambda **kw: calls.append(kw))
    AnswerKey.objects.create(exam=cast.exam, version=1, source="x", checksum="0")
    with django_capture_on_commit_callbacks(execute=True):
        pages.page_place(page=stray, copy_number=3, page_number=1, actor=None)
    assert calls == [{"page_id": stray.pk}]


def test_discarding_and_a_placed_page_cannot_be_discarded(cast, stray):
    pages.page_discard(page=stray, actor=cast.instructor.user, reason="blank")
    assert Page.objects.get(pk=stray.pk).status == "discarded"
    placed = view_fixtures.scan_page(cast, submission=cast.submission, page_number=1, index=8)
    with pytest.raises(ValidationError):
        pages.page_discard(page=placed, actor=None)


def test_suggestions_put_the_student_whose_number_was_written_first(cast):
    a = factories.enroll(cast.course, factories.user("amy"), Role.STUDENT, "40000001")
    b = factories.enroll(cast.course, factories.user("ben"), Role.STUDENT, "40000002")
    copy = factories.submission(cast.exam)
    copy.transcriptions.create(source="ocr", text="Student number: 40000002")
    assert attention.identify_suggestions(copy, [a, b])[:2] == [b, a]
    assert attention.unmatched_students(cast.exam) == sorted(
        [a, b], key=lambda e: (e.user.last_name, e.user.first_name)
    )


def _printed_page_png(skew: float) -> bytes:
    import io

    import pypdfium2 as pdfium

    from exams.scanning.copies import make_copies, render_template

    pdf = make_copies(render_template("Stray", ()), exam_code="STRAY", copies=1)
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0].render(scale=100 / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    buf = io.BytesIO()
    page.rotate(skew, fillcolor=255).save(buf, format="PNG")
    return buf.getvalue()


def test_placing_straightens_the_page_on_its_markers(cast, stray):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from exams.images import open_upright

    scan = _printed_page_png(2.0)
    stray.image.save("skewed.png", ContentFile(scan), save=True)
    page = pages.page_place(page=stray, copy_number=4, page_number=1, actor=None)
    page.refresh_from_db()
    assert page.alignment["method"] == "markers"
    assert page.alignment["skew_deg"] == pytest.approx(2.0, abs=0.2)
    # The scan is kept as it came; what is read from it is upright.
    upright = open_upright(page)
    assert upright.scan.size == Image.open(io.BytesIO(scan)).size
    assert upright.alignment.method == "markers"
    assert upright.image().size == upright.size


def test_a_page_without_markers_is_kept_as_scanned(cast, stray):
    from exams.images import open_upright

    page = pages.page_place(page=stray, copy_number=4, page_number=1, actor=None)
    page.refresh_from_db()
    assert page.alignment is None
    assert open_upright(page).size == (200, 280)
