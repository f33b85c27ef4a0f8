"""The exam's printed text: stored and versioned like the key, used to split copies, and shown
to the staff with what was read as the student's writing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from demo import plan
from exams.models import Answer, PrintedExam, Transcription
from exams.pipeline import checking
from exams.services.keys import answer_key_store
from exams.services.printed import pdf_text, printed_exam_current, printed_exam_store
from exams.services.structure import exam_create_from_structure, exam_structure_from_proposal

pytestmark = pytest.mark.django_db

PRINTED = """\
# Deep Learning 101 - Midterm

## Question 1: Training arithmetic

(a) How many epochs do 3000 steps of batch 250 over 50000 images take?

(b) How many mini-batches per epoch with batch 128 over 10000 images, the last dropped?

## Question 2: Network sizes

(a) How many learnable parameters does the 784-256-64-10 classifier have?

(b) What is the output shape of 16 valid 3x3 filters on a 64x64x3 image?

## Question 3: Losses and gradients

(a) What is the cross-entropy loss when the true class has probability 0.25?

(b) What is the gradient of the loss with respect to w?

## Question 4: Regularization

(a) Why does dropout reduce overfitting?
"""


@pytest.fixture
def exam(cast):
    answer_key_store(exam=cast.exam, source=plan.KEY_PATH.read_text())
    return cast.exam


def test_a_new_text_is_a_new_version_and_the_same_text_is_not(exam):
    first, created = printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    assert (first.version, created) == (1, True)
    again, created = printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    assert (again.pk, created) == (first.pk, False)
    second, created = printed_exam_store(exam=exam, text=PRINTED + "\n(b) extra", source="pdf_text")
    assert (second.version, created) == (2, True)
    assert printed_exam_current(exam) == second


@pytest.mark.parametrize(
    ("text", "message"), [("Name: ____", "almost no text"), ("x " * 400_000, "characters")]
)
def test_text_that_is_no_exam_is_refused_with_the_reason(exam, text, message):
    with pytest.raises(ValidationError, match=message):
        printed_exam_store(exam=exam, text=text, source="uploaded")
    assert printed_exam_current(exam) is None


def test_the_text_an_exam_is_created_from_is_its_printed_text(cast):
    from autocheck.structure import propose_structure

    proposed = propose_structure(PRINTED)
    points = {part.part_id: "2" for part in proposed.parts}
    questions = exam_structure_from_proposal(proposed, points=points)
    exam = exam_create_from_structure(
        course=cast.course, title="From text", questions=questions, printed_text=PRINTED
    )
    printed = printed_exam_current(exam)
    assert printed is not None
    assert printed.source == PrintedExam.Source.CREATED_FROM
    assert printed.text == PRINTED


def test_a_pdf_text_layer_is_read_page_by_page():
    from exams.scanning.copies import render_template

    pdf = render_template("Layer test midterm", [], pages=2, subtitle="Deep learning 101")
    text = pdf_text(pdf)
    assert "Layer test midterm" in text
    assert "Deep learning 101" in text


def test_an_uploaded_blank_pdf_gives_its_text_layer_unless_a_better_text_exists(exam):
    import io

    from reportlab.pdfgen.canvas import Canvas

    from exams.services.printing import exam_template_upload

    buf = io.BytesIO()
    canvas = Canvas(buf)
    for line, y in zip(PRINTED.splitlines(), range(800, 100, -18), strict=False):
        canvas.drawString(40, y, line)
    canvas.save()
    exam_template_upload(exam=exam, data=buf.getvalue(), name="blank.pdf")
    printed = printed_exam_current(exam)
    assert printed.source == PrintedExam.Source.PDF_TEXT
    assert "Network sizes" in printed.text
    printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    exam_template_upload(exam=exam, data=buf.getvalue(), name="blank.pdf")
    assert printed_exam_current(exam).source == PrintedExam.Source.UPLOADED


def _import(cast, text: str):
    return checking.submission_import_transcription(
        submission=cast.submission, text=text, source=Transcription.Source.IMPORTED
    )


def test_a_copy_is_split_against_the_printed_exam_and_the_evidence_kept(cast, exam):
    printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    copy = PRINTED.replace("50000 images take?\n", "50000 images take?\n\nepochs = 3000/200 = 15\n")
    _import(cast, copy)
    answers = {a.part.part_id: a for a in checking.submission_check(submission=cast.submission)}
    assert answers["1.a"].verdict == "correct"
    assert answers["1.b"].verdict == "blank"
    alignment = Answer.objects.get(submission=cast.submission, part__part_id="1.a").alignment
    assert alignment["method"] == "printed"
    assert alignment["printed_version"] == 1
    [span] = alignment["spans"]
    whole = Transcription.objects.get(pk=alignment["transcription"])
    assert whole.text[span["start"] : span["end"]] == "epochs = 3000/200 = 15"


def test_a_copy_that_is_not_this_exam_goes_to_a_person_part_by_part(cast, exam):
    printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    _import(cast, "Lab report\n\nWe trained for 15 epochs with 200 steps each and it was fine.\n")
    answers = checking.submission_check(submission=cast.submission)
    assert {a.verdict for a in answers} == {"needs_review"}
    assert "printed exam" in answers[0].alignment["copy_review"]


def test_a_typed_correction_drops_the_alignment_evidence(cast, exam):
    printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    _import(cast, "Lab report with nothing of the exam in it at all, not one word of it here.\n")
    answer = Answer.objects.get(submission=cast.submission, part__part_id="1.a")
    checking.answer_correct_text(answer=answer, text="15", actor=cast.instructor.user)
    answer.refresh_from_db()
    assert answer.alignment == {}
    assert answer.verdict == "correct"


class TestInstallView:
    def _url(self, exam) -> str:
        return reverse("printed_exam_install", args=[exam.pk])

    def test_it_stores_a_pasted_text(self, client, cast, exam):
        client.force_login(cast.instructor.user)
        response = client.post(self._url(exam), {"source": PRINTED})
        assert response.status_code == 302
        assert printed_exam_current(exam).source == PrintedExam.Source.UPLOADED

    def test_it_refuses_a_text_that_is_no_exam(self, client, cast, exam):
        client.force_login(cast.instructor.user)
        response = client.post(self._url(exam), {"source": "Name: ___"})
        assert response.status_code == 400
        assert b"almost no text" in response.content
        assert printed_exam_current(exam) is None

    def test_it_requires_the_instructor(self, client, cast, exam):
        client.force_login(cast.ta.user)
        assert client.post(self._url(exam), {"source": PRINTED}).status_code == 404
        assert printed_exam_current(exam) is None

    def test_it_rejects_get(self, client, cast, exam):
        client.force_login(cast.instructor.user)
        assert client.get(self._url(exam)).status_code == 405

    def test_the_exam_page_shows_the_printed_text(self, client, cast, exam):
        printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
        client.force_login(cast.instructor.user)
        page = client.get(reverse("exam_detail", args=[exam.pk])).content.decode()
        assert 'id="printed-text"' in page
        assert "Network sizes" in page


def test_the_staff_see_what_was_read_per_part_highlighted_and_the_student_does_not(
    client, cast, exam
):
    from grading.publishing import exam_publish, publish_readiness

    printed_exam_store(exam=exam, text=PRINTED, source="uploaded")
    _import(cast, PRINTED.replace("50000 images take?\n", "50000 images take?\n\n15 epochs\n"))
    checking.submission_check(submission=cast.submission)
    url = reverse("submission_detail", args=[cast.submission.pk])
    client.force_login(cast.ta.user)
    page = client.get(url).content.decode()
    assert 'data-part="1.a">15 epochs</mark>' in page
    assert "aligned with the printed exam (version 1)" in page
    exam_publish(
        exam=exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publish_readiness(exam).unfinished,
    )
    client.force_login(cast.student.user)
    page = client.get(url).content.decode()
    assert 'id="copy-reading"' not in page
