"""The instructor publishes a half-graded exam: the page lists what is unfinished and the
button does nothing until the confirmation is ticked; the student then sees a total marked
"not final" and a graded PDF to download, a TA the statistics; the instructor unpublishes and
the student's copy is gone again."""

from __future__ import annotations

import pytest
from django.core import mail

from exams.models import Enrollment, Exam, Submission
from grading.models import ExamEvent
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_half_graded_exam_publishes_only_once_confirmed_and_unpublishes(demo, as_user):
    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    page = as_user(instructor)
    page.goto(f"/exams/{demo.pk}/")
    page.click("#publish-link")
    page.wait_for_selector("#readiness-unfinished")
    assert "to grade" in page.inner_text("#unfinished")
    screenshot(page, "publish-confirm")
    page.click("#publish-form button[type=submit]")  # not ticked: the browser refuses
    assert not Exam.objects.get(pk=demo.pk).is_published
    page.check("#publish-confirm")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector("#unpublish-form")
    assert Exam.objects.get(pk=demo.pk).is_published
    assert ExamEvent.objects.get(exam=demo).action == ExamEvent.Action.PUBLISH
    assert mail.outbox, "the students are emailed"

    submission = (
        Submission.objects.filter(exam=demo, student__isnull=False, answers__verdict="needs_review")
        .select_related("student__user")
        .first()
    )
    student_page = as_user(submission.student.user)
    student_page.goto(f"/submissions/{submission.pk}/")
    student_page.wait_for_selector("#total-not-final")
    assert "not final" in student_page.inner_text("#total-note")

    assert student_page.get_attribute("#graded-pdf", "href").endswith("/graded.pdf")
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    ta_page = as_user(ta)
    ta_page.goto(f"/exams/{demo.pk}/")
    ta_page.click("#stats-link")  # the TA's statistics: no longer a 404
    ta_page.wait_for_selector("#part-scores svg")
    assert "left to grade" in ta_page.inner_text("#grading-progress")
    screenshot(ta_page, "statistics-ta")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#unpublish-form button")
    page.wait_for_selector("#publish-link")
    assert not Exam.objects.get(pk=demo.pk).is_published
    assert student_page.goto(f"/submissions/{submission.pk}/").status == 404
    assert page.errors == []
