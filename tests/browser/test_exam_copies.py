"""The exam page's copies: a TA finds a student's copy by typing in the filter box."""

from __future__ import annotations

import pytest

from exams.models import Enrollment, Submission
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_ta_finds_a_copy_by_the_students_name_and_by_status(demo, as_user):
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    copy = Submission.objects.filter(exam=demo, student__isnull=False).order_by("-copy_number")[0]
    name = copy.student.user.last_name or copy.student.user.username
    page = as_user(ta)
    page.goto(f"/exams/{demo.pk}/")
    rows = page.locator("#submissions tbody tr")
    assert rows.count() == Submission.objects.filter(exam=demo).count()

    page.fill('#copy-filter input[name="q"]', name)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=" in url)
    assert rows.count() == 1
    assert rows.first.locator("td").first.inner_text() == str(copy.copy_number)
    screenshot(page, "exam-copies-filtered")

    # Every demo copy has something flagged for a person, or nothing: the two statuses
    # split the copies between them.
    counts = {}
    for status in ("todo", "done"):
        page.goto(f"/exams/{demo.pk}/?status={status}")
        counts[status] = page.locator("#submissions tbody tr td a").count()
    assert sum(counts.values()) == Submission.objects.filter(exam=demo).count()
    assert page.errors == []
