"""An instructor builds a part's rubric by importing items from another part."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Enrollment
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_instructor_imports_rubric_items_from_another_part(demo, as_user):
    from grading import services

    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    source, target = demo.parts.order_by("order")[:2]
    labels = ["forgot the bias", "wrong sign", "no working shown"]
    for label in labels:
        services.rubric_item_create(part=source, label=label, points=Decimal(-1))
    before = set(target.rubric_items.values_list("label", flat=True))

    page = as_user(instructor)
    page.goto(f"/parts/{target.pk}/rubric/")
    page.select_option("#import-from", str(source.pk))
    page.click("#rubric-import-source button")
    page.wait_for_selector("#rubric-import-form")
    page.uncheck('#rubric-import-form input[aria-label="Import wrong sign"]')
    screenshot(page, "rubric-import")
    page.click("#rubric-import-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Imported 2 rubric items" in page.inner_text(".messages")
    after = set(target.rubric_items.values_list("label", flat=True))
    assert after - before == {"forgot the bias", "no working shown"}
    assert page.locator("#rubric tbody tr").count() == len(after)
    assert page.errors == []
