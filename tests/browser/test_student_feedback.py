"""A student reads the feedback on their published copy and files a regrade request, which
lands in the TA's queue."""

from __future__ import annotations

import pytest

from exams.models import Enrollment, Submission
from grading.models import RegradeRequest
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_student_reads_feedback_and_asks_for_a_regrade(demo, as_user):
    from grading import publishing

    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    unfinished = publishing.publish_readiness(demo).unfinished
    publishing.exam_publish(exam=demo, actor=instructor, confirmed_unfinished=unfinished)
    submission = (
        Submission.objects.filter(exam=demo, answers__verdict__in=["incorrect", "needs_review"])
        .select_related("student__user")
        .first()
    )
    student = submission.student.user
    page = as_user(student)
    page.goto(f"/exams/{demo.pk}/")  # the exam link leads to the student's own copy
    page.wait_for_url(f"**/submissions/{submission.pk}/")
    page.wait_for_selector(".scan .region")
    page.wait_for_selector(".part-card .katex", state="attached")
    assert page.inner_text("#total") == str(submission.total_points)
    assert (
        page.locator(".scan .region").count() == submission.answers.exclude(part__region={}).count()
    )
    screenshot(page, "student-feedback")

    wrong = submission.answers.filter(verdict__in=["incorrect", "needs_review"]).first()
    card = page.locator(f"#part-{wrong.part_id}")
    card.locator("summary", has_text="Ask for a regrade").click()
    card.locator("textarea").fill("I wrote 78, the scan cut the last digit.")
    card.locator("button", has_text="Send the request").click()
    page.wait_for_selector(".messages li.success")
    assert "regrade request" in page.inner_text(".messages").lower()
    assert "I wrote 78" in page.inner_text(f"#part-{wrong.part_id}")
    request = RegradeRequest.objects.get()
    assert (request.answer_id, request.requested_by, request.status) == (wrong.pk, student, "open")

    # Another student's copy is a 404, and the request is in the TA's queue.
    other = Submission.objects.filter(exam=demo).exclude(pk=submission.pk).first()
    assert page.goto(f"/submissions/{other.pk}/").status == 404
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    ta_page = as_user(ta)
    ta_page.goto(f"/parts/{wrong.part_id}/review/?filter=regrade")
    ta_page.wait_for_selector("#regrade")
    assert "the scan cut the last digit" in ta_page.inner_text("#regrade")
    screenshot(ta_page, "ta-review-regrade")
    assert page.errors == []
    assert ta_page.errors == []
