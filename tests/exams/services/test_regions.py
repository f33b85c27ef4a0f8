"""Answer regions found for the instructor: from a blank exam PDF's text layer, or laid out
for an exam made from text; and the printed copies of an exam made from text."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from exams.models import Exam
from exams.scanning.pdftext import pdf_lines
from exams.services.authoring import exam_create_from_pdf, exam_create_from_text
from exams.services.printing import exam_print_copies, exam_template
from exams.services.regions import part_regions_find, part_regions_propose, printed_label
from tests.exams.blank_exams import BLANK_EXAM, PAGE_H_MM, ROOM, blank_exam_pdf

pytestmark = pytest.mark.django_db


def test_the_text_layer_is_read_as_positioned_lines():
    lines = pdf_lines(blank_exam_pdf())
    assert [line.text for line in lines] == [text for _, _, text in BLANK_EXAM]
    first = lines[2]
    assert first.page == 1
    assert abs(first.y1 - 60 / PAGE_H_MM) < 0.005  # the baseline is the line's bottom edge


def test_an_exam_from_its_pdf_gets_every_answer_region_below_its_prompt(cast, media_root):
    exam = exam_create_from_pdf(course=cast.course, title="Quiz 2", data=blank_exam_pdf())
    assert exam.pages_per_copy == 2
    regions = {p.part_id: p.region for p in exam.parts.all()}
    assert set(regions) == set(ROOM)
    for part_id, (page, top, bottom) in ROOM.items():
        region = regions[part_id]
        assert region["page"] == page, part_id
        x0, y0, x1, y1 = region["box"]
        # Below the prompt's last line, above the next part's label (or the page's marks).
        assert top / PAGE_H_MM < y0 < top / PAGE_H_MM + 0.03, part_id
        assert bottom / PAGE_H_MM - 0.06 < y1 <= bottom / PAGE_H_MM + 0.001, part_id
        assert x0 >= 0.1
        assert x1 <= 0.9
        assert y1 - y0 > 0.2
    # ...and the copies print with no region drawn by hand.
    pdf = exam_print_copies(exam=exam, anonymous=2)
    assert len(pdfium.PdfDocument(pdf)) == 4


def test_regions_found_again_keep_what_the_instructor_drew(cast, media_root):
    exam = exam_create_from_pdf(course=cast.course, title="Quiz 2", data=blank_exam_pdf())
    drawn = {"page": 1, "box": [0.2, 0.3, 0.5, 0.4]}
    exam.parts.filter(part_id="1.a").update(region=drawn)
    proposal = part_regions_propose(exam=exam)
    assert proposal.source == "pdf"
    assert proposal.applied == ()
    assert exam.parts.get(part_id="1.a").region == drawn
    proposal = part_regions_propose(exam=exam, replace=True)
    assert "1.a" in proposal.applied
    assert exam.parts.get(part_id="1.a").region["box"] != drawn["box"]


def test_a_label_not_printed_is_reported_not_guessed(cast, media_root):
    exam = exam_create_from_pdf(course=cast.course, title="Quiz 2", data=blank_exam_pdf())
    exam.parts.filter(part_id="2.b").update(label="(z)", part_id="2.z")
    proposal = part_regions_find(exam)
    assert "2.z" in proposal.missing
    assert "(z)" in proposal.missing["2.z"]
    assert set(proposal.found) == {"1.a", "1.b", "2.a"}


TEXT_EXAM = """\
# Quiz 3

## Question 4: Backpropagation (9 points)

(a) (4 points) With $z = w x + b$ and $L = (z - y)^2$, compute $\\frac{\\partial L}{\\partial w}$ \
for $w = 2$, $x = 3$, $b = 1$ and $y = 4$.

(b) (5 points) Why does the gradient vanish through many sigmoid layers?

## Question 5: Losses (6 points)

(a) (6 points) Give the cross-entropy of the probabilities (0.25, 0.5, 0.25) when the true \
class is the first.
"""


def _template_text(exam: Exam) -> str:
    return "\n".join(line.text for line in pdf_lines(exam_template(exam)))


def test_an_exam_from_text_prints_its_questions_and_the_printed_labels(cast, media_root):
    exam = exam_create_from_text(course=cast.course, title="Quiz 3", source=TEXT_EXAM)
    regions = {p.part_id: p.region for p in exam.parts.all()}
    assert set(regions) == {"4.a", "4.b", "5.a"}
    assert all(regions.values())
    text = _template_text(exam)
    assert "Why does the gradient vanish through many sigmoid layers?" in text
    assert "(dL)/(dw)" in text  # LaTeX spelled out, not printed raw
    assert "4(a)" in text
    assert "4(b)" in text
    assert "5(a)" in text
    assert "4.a" not in text
    assert "5.a" not in text
    # Each box lies below its own question text, in printed order.
    lines = pdf_lines(exam_template(exam))
    prompt = next(line for line in lines if line.text.startswith("(b) (5 points)"))
    assert regions["4.b"]["page"] == prompt.page
    assert regions["4.b"]["box"][1] > prompt.y1


def test_boxes_show_the_printed_label_not_the_part_id(cast, media_root):
    exam = exam_create_from_text(course=cast.course, title="Quiz 3", source=TEXT_EXAM)
    exam.parts.filter(part_id="4.a").update(part_id="4.conv11")
    text = _template_text(exam)
    assert "4(a)" in text
    assert "conv11" not in text


@pytest.mark.parametrize(
    ("number", "label", "printed"),
    [
        ("4", "(a)", "4(a)"),
        ("4", "4(b)", "4(b)"),
        ("2", "Q2.1", "Q2.1"),
        ("2", "1.", "2.1"),
        ("3", "b", "3(b)"),
        ("5", "Question 5", "Question 5"),
        ("5", "", "5"),
    ],
)
def test_printed_label(number, label, printed):
    assert printed_label(number, label) == printed


def test_a_pdf_kept_for_a_proposal_never_confirmed_is_swept(media_root):
    from datetime import timedelta

    from django.core.files.storage import default_storage

    from exams.services.authoring import PENDING_FOLDER, pending_template_store
    from exams.services.sweep import storage_sweep

    digest = pending_template_store(blank_exam_pdf())
    assert pending_template_store(blank_exam_pdf()) == digest  # kept once
    name = f"{PENDING_FOLDER}/{digest}.pdf"
    assert storage_sweep(min_age=timedelta(days=1)).orphans == []  # too young
    assert storage_sweep(min_age=timedelta(0), remove=True).orphans == [name]
    assert not default_storage.exists(name)
