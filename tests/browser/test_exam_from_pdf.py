"""A new instructor goes from an exam PDF (with a text layer) to printed copies without
drawing a region: the new exam page reads the PDF and keeps it as the template, every answer
region is found on it, the key's changes to the exam are shown and confirmed, and copies
print."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from exams.models import AnswerKey, Exam, Role
from tests import factories
from tests.browser.conftest import screenshot
from tests.exams.blank_exams import BLANK_EXAM_KEY, ROOM, blank_exam_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_instructor_goes_from_a_pdf_to_printed_copies(as_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = tmp_path / "quiz2.pdf"
    pdf.write_bytes(blank_exam_pdf())
    course = factories.course()
    instructor = factories.enroll(course, factories.user("ines"), Role.INSTRUCTOR)
    page = as_user(instructor.user)

    page.goto(f"/courses/{course.pk}/exams/new/")
    page.fill("#exam-title", "Quiz 2")
    page.set_input_files("#exam-file", str(pdf))
    page.click("#exam-text button[type=submit]")
    page.wait_for_selector("#structure")
    assert page.locator("#structure input.points").count() == len(ROOM)
    assert page.locator("#template-kept").count() == 1
    page.click("#structure-confirm")
    page.wait_for_selector("#exam-actions")
    exam = Exam.objects.get(course=course, title="Quiz 2")
    assert "answer region found below its prompt" in page.inner_text("main")

    page.click("#regions-link")
    page.wait_for_url(f"**/exams/{exam.pk}/regions/")
    regions = {p.part_id: p.region for p in exam.parts.all()}
    assert {k: r["page"] for k, r in regions.items()} == {k: v[0] for k, v in ROOM.items()}
    screenshot(page, "instructor-regions-found")

    # A key with a solver part: it changes the exam (kinds aside, 2.a's label), said first.
    key = BLANK_EXAM_KEY.replace(
        "{number: a, label: (a), points: 3,", "{number: a, label: 2(a), points: 3,"
    )
    page.goto(f"/exams/{exam.pk}/")
    page.fill("#key-source", key)
    page.click("#answer-key button[type=submit].primary")
    page.wait_for_selector("#key-changes")
    assert "part 2.a: label '(a)' -> '2(a)'" in page.inner_text("#key-changes")
    assert not AnswerKey.objects.filter(exam=exam).exists()
    page.click("#key-confirm")
    page.wait_for_selector("text=Answer key version 1 installed.")
    assert exam.parts.get(part_id="2.a").region == regions["2.a"]

    page.fill("#print input[name=count]", "3")
    page.check("#print input[value=anonymous]")
    with page.expect_download() as download:
        page.click("#print form[action$='/print'] button[type=submit]")
    assert download.value.suggested_filename == "quiz-2-copies.pdf"
    assert len(pdfium.PdfDocument(download.value.path())) == 3 * 2
    assert page.errors == []
