"""Results: statistics per question and part for the staff (TAs included), Canvas and
Moodle gradebooks with maximum points and absent and not-final totals marked, the scores CSV
saying which totals count ungraded parts, and the graded copy as a PDF."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from PIL import ImageChops

from exams.models import Role
from grading import graded_pdf, publishing, selectors, services
from grading.models import Score
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(cast, media_root):
    """Alice wrote 79 on 1.b (auto: incorrect, 0), Bob 78 (correct, 6); both copies scanned,
    1.a read for nobody. Carol is on the roster with no copy: absent. A TA graded Alice's 1.b
    with the rubric item "rounding"."""
    answers = view_fixtures.graded_answers(cast)
    view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    view_fixtures.scan_page(cast, submission=cast.other_submission, index=1)
    rounding, _ = view_fixtures.rubric(cast)
    wrong = answers["wrong"]
    services.answer_grade(
        answer=wrong,
        actor=cast.ta.user,
        expected_version=Score.objects.get(answer=wrong).version,
        rubric_item_ids=[rounding.pk],
        comment="floor, not ceil",
    )
    factories.enroll(cast.course, factories.user("carol"), Role.STUDENT, "00000001")
    for s in (cast.submission, cast.other_submission):
        services.submission_recompute_total(submission=s)
    return answers


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_scores_csv_says_which_totals_count_ungraded_parts(client, cast, results):
    client.force_login(cast.instructor.user)
    header, maximum, *rows = _csv(client.get(reverse("export_scores", args=[cast.exam.pk])))
    assert header[-3:] == ["total", "status", "ungraded_parts"]
    assert maximum[0] == "max"
    assert maximum[header.index("total")] == "10.00"
    by_number = {r[1]: dict(zip(header, r, strict=True)) for r in rows}
    alice = by_number[cast.student.student_number]
    assert (alice["total"], alice["status"], alice["ungraded_parts"]) == (
        "4.00",
        "not final",
        "1.a",
    )


def test_the_canvas_csv_has_points_possible_and_marks_the_absent(client, cast, results):
    client.force_login(cast.instructor.user)
    header, possible, *rows = _csv(client.get(reverse("export_canvas", args=[cast.exam.pk])))
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[-1] == "Notes"
    assert possible[0] == "Points Possible"
    assert possible[5] == "10.00"
    by_number = {r[2]: r for r in rows}
    assert set(by_number) == {
        cast.student.student_number,
        cast.other_student.student_number,
        "00000001",
    }
    carol = by_number["00000001"]
    assert (carol[0], carol[5], carol[6]) == ("Tester, Carol", "", "absent: no copy")
    alice = by_number[cast.student.student_number]
    assert alice[5] == "4.00"
    assert "not graded, counted as 0: 1.a" in alice[6]


def test_the_moodle_csv_has_the_maximum_and_a_feedback_column(client, cast, results):
    client.force_login(cast.instructor.user)
    header, *rows = _csv(client.get(reverse("export_moodle", args=[cast.exam.pk])))
    assert header[:4] == ["First name", "Last name", "ID number", "Email address"]
    assert header[4].endswith("(max 10)")
    assert header[5] == "Feedback"
    by_number = {r[2]: r for r in rows}
    assert by_number["00000001"][4:] == ["", "absent: no copy"]
    assert by_number[cast.other_student.student_number][4] == "6.00"


def test_the_ta_sees_statistics_per_part_with_rubric_use_and_grader_progress(client, cast, results):
    client.force_login(cast.ta.user)
    response = client.get(reverse("exam_stats", args=[cast.exam.pk]))
    assert response.status_code == 200
    scores = {p.part.part_id: p for p in response.context["part_scores"]}
    b = scores["1.b"]
    assert (b.graded, b.full_marks, b.full_percent) == (2, 1, 50)
    assert b.histogram.mean == 5.0
    assert [(u.label, u.count, u.percent) for u in b.rubric] == [
        ("rounding (-2.00)", 1, 50),
        ("no units (-1.00)", 0, 0),
    ]
    progress = response.context["progress"]
    assert progress.by_person == 1
    assert [(g.label, g.count) for g in progress.graders] == [("Tariq Tester", 1)]
    assert progress.left == publishing.ungraded_answers(cast.exam).count()
    page = response.content.decode()
    assert page.count("<svg") >= 4  # the total, one question, two parts
    assert 'class="full-marks">50%' in page


def test_statistics_are_for_the_staff_only_and_get_only(client, cast):
    url = reverse("exam_stats", args=[cast.exam.pk])
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(cast.ta.user)
    assert client.post(url).status_code == 405
    assert client.get(reverse("exam_stats", args=[999999])).status_code == 404


def _pdf_pages(content: bytes) -> int:
    assert content.startswith(b"%PDF")
    return content.count(b"/Type /Page\n") or content.count(b"/Type /Page")


def test_the_student_downloads_the_graded_pdf_after_publication(client, cast, results):
    url = reverse("submission_pdf", args=[cast.submission.pk])
    client.force_login(cast.student.user)
    assert client.get(url).status_code == 404  # not published yet
    publishing.exam_publish(
        exam=cast.exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publishing.publish_readiness(cast.exam).unfinished,
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "graded.pdf" in response["Content-Disposition"]
    assert _pdf_pages(response.content) >= 2  # the cover and the scanned page
    assert client.post(url).status_code == 405
    client.force_login(cast.other_student.user)
    assert client.get(url).status_code == 404
    client.force_login(cast.ta.user)
    assert client.get(url).status_code == 200
    client.force_login(cast.other_ta.user)
    assert client.get(url).status_code == 404


def test_the_pdf_page_outlines_the_region_in_the_verdicts_colour(cast, results):
    rows = selectors.submission_feedback_rows(cast.submission)
    page = cast.submission.pages.get()
    image = graded_pdf._annotated(page, rows)
    w, h = image.size
    # 1.b's box is (0.1, 0.2, 0.6, 0.4): its left edge, half-way down, is outlined.
    x, y = round(0.1 * w), round(0.3 * h)
    colour = graded_pdf.COLOURS[results["wrong"].verdict]
    assert image.getpixel((x + 1, y)) == colour
    gaps = selectors.copy_gaps(rows, [1], cast.exam.pages_per_copy)
    cover = graded_pdf._cover(cast.submission, rows, gaps)
    assert cover.convert("L").getextrema()[0] < 100  # text was drawn
    nameless = graded_pdf._cover(cast.submission, rows, gaps, show_name=False)
    assert ImageChops.difference(cover, nameless).getbbox() is not None
