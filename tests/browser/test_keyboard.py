"""The keyboard: Enter on "Add a rubric item" saves no grade and what is typed next is the
label; single-key shortcuts can be switched off, and stay off for the user; the answer-groups
page puts the cursor where it was sent; regions are drawn and adjusted from the keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Exam, Part, Role, UserPreference
from grading.models import GradeEvent, RubricItem, Score
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _grading_setup():
    """A TA and a part with three copies that wrote the same wrong answer (one group)."""
    course = factories.course()
    ta = factories.enroll(course, factories.user(), Role.TA).user
    exam = factories.exam(course)
    answers = factories.answer_group(exam, part_id="1.b", value="79", n=3)
    return ta, answers


def test_enter_on_add_a_rubric_item_saves_no_grade_and_the_label_is_typed(as_user):
    ta, (first, second, _) = _grading_setup()
    part = first.part
    page = as_user(ta)
    # A grade to lose: the first answer graded with the keyboard.
    page.goto(f"/parts/{part.pk}/review/?filter=all&answer={first.pk}")
    page.keyboard.press("p")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"answer={first.pk}" not in url)
    assert Score.objects.get(answer=first).points == Decimal(2)
    page.goto(f"/parts/{part.pk}/review/?filter=all&answer={second.pk}")

    # Tab to "Add a rubric item", open it with Enter, type its label and Enter again.
    page.focus("#add-item summary")
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('add-item').open")
    page.keyboard.type("unit missing")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('flash').textContent.includes('Added')")

    assert list(RubricItem.objects.filter(part=part).values_list("label", flat=True)) == [
        "unit missing"
    ]
    assert not GradeEvent.objects.filter(action="undo").exists()
    assert not GradeEvent.objects.filter(answer=second, actor=ta).exists()
    assert Score.objects.get(answer=first).points == Decimal(2)
    assert page.errors == []


def test_single_key_shortcuts_can_be_switched_off_and_stay_off(as_user):
    ta, (first, *_) = _grading_setup()
    RubricItem.objects.create(part=first.part, label="rounding", points=Decimal(-1), order=1)
    page = as_user(ta)
    review = f"/parts/{first.part_id}/review/?filter=all&answer={first.pk}"
    page.goto(review)
    page.keyboard.press("1")
    assert page.is_checked('input[name="rubric_items"] >> nth=0')
    page.keyboard.press("1")

    page.click("#shortcuts-toggle")
    page.wait_for_selector(".messages li")
    assert "Single-key shortcuts are off" in page.inner_text(".messages")
    assert UserPreference.objects.get(user=ta).shortcuts_off

    # Another browser, the same user: still off. Keys type nothing, save nothing.
    other = as_user(ta)
    other.goto(review)
    assert other.get_attribute("body", "data-shortcuts") == "off"
    other.keyboard.press("1")
    other.keyboard.press("s")
    other.keyboard.press("a")
    other.wait_for_timeout(300)
    assert not other.is_checked('input[name="rubric_items"] >> nth=0')
    assert f"answer={first.pk}" in other.url
    assert not GradeEvent.objects.filter(actor=ta).exists()
    screenshot(other, "ta-review-shortcuts-off")

    # On again from the same switch.
    other.click("#shortcuts-toggle")
    other.wait_for_selector(".messages li")
    assert not UserPreference.objects.get(user=ta).shortcuts_off
    other.keyboard.press("1")
    assert other.is_checked('input[name="rubric_items"] >> nth=0')
    assert page.errors == []
    assert other.errors == []


def test_the_groups_page_puts_the_cursor_in_the_group_it_was_sent_to(as_user):
    ta, (first, *_) = _grading_setup()
    page = as_user(ta)
    page.goto(f"/parts/{first.part_id}/review/?filter=all&answer={first.pk}")
    page.keyboard.press("g")
    page.wait_for_url("**#group-focus")
    page.wait_for_function("document.activeElement.name === 'points'")
    assert page.evaluate("document.activeElement.closest('tbody.group').dataset.group") == "79"
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#flash.ok")
    assert set(Score.objects.filter(answer__part=first.part).values_list("points", flat=True)) == {
        Decimal(1)
    }


def test_an_instructor_draws_and_adjusts_regions_from_the_keyboard(as_user):
    course = factories.course()
    instructor = factories.enroll(course, factories.user(), Role.INSTRUCTOR)
    exam = factories.exam(course, parts=(("1.a", "4"), ("1.b", "6")))
    Exam.objects.filter(pk=exam.pk).update(pages_per_copy=2)
    page = as_user(instructor.user)
    page.goto(f"/exams/{exam.pk}/regions/")
    page.wait_for_selector('#part-list li.current[data-part="1.a"]')

    # 1.a: a new box, moved down 5 steps and right 2, widened by 3 steps... then kept.
    page.keyboard.press("Enter")
    assert page.locator('.box.editing[data-part="1.a"]').count() == 1
    for key in ["ArrowDown"] * 5 + ["ArrowLeft"] * 2 + ["Shift+ArrowDown"] * 3:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    assert page.locator(".box.editing").count() == 0
    # 1.b: a new box under it, taken to page 2; a change put back with Escape.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("PageDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    screenshot(page, "instructor-regions-keyboard")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#regions-status.ok")

    a = Part.objects.get(exam=exam, part_id="1.a").region
    assert a["page"] == 1
    assert a["box"] == pytest.approx([0.08, 0.37, 0.88, 0.50], abs=1e-4)
    b = Part.objects.get(exam=exam, part_id="1.b").region
    assert b["page"] == 2
    assert b["box"] == pytest.approx([0.1, 0.52, 0.9, 0.62], abs=1e-4)
    assert page.errors == []
