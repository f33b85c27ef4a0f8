"""An instructor creates an exam from its text: the proposed tree, its warning, a point
corrected in the table (the sums follow), confirmed into the exam."""

from __future__ import annotations

import pytest

from exams.models import Exam, Role
from tests import factories
from tests.browser.conftest import screenshot
from tests.exams.test_views_structure import TEXT, WARNING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_instructor_creates_an_exam_from_its_text(as_user):
    course = factories.course()
    instructor = factories.enroll(course, factories.user("ines"), Role.INSTRUCTOR)
    page = as_user(instructor.user)
    page.goto(f"/courses/{course.pk}/")
    page.click("#exam-new-link")
    page.fill("#exam-title", "Quiz 1")
    page.fill("#exam-source", TEXT)
    page.click("#exam-text button[type=submit]")

    page.wait_for_selector("#structure-warnings")
    assert WARNING in page.inner_text("#structure-warnings")
    assert page.inner_text("#structure-total") == "29"
    question2 = 'tbody[data-question="2"] output[data-sum]'
    assert "mismatch" in page.get_attribute(question2, "class")
    screenshot(page, "instructor-exam-from-text")

    page.fill('input[name="points:2.c"]', "7")
    assert page.inner_text(question2) == "18"
    assert "mismatch" not in (page.get_attribute(question2, "class") or "")
    assert page.inner_text("#structure-total") == "30"
    page.click("#structure-confirm")

    page.wait_for_selector("#exam-actions")
    exam = Exam.objects.get(course=course, title="Quiz 1")
    assert page.url.endswith(f"/exams/{exam.pk}/")
    assert sum(p.max_points for p in exam.parts.all()) == 30
    assert page.locator("#key-skeleton").count() == 1
    assert page.errors == []
