"""An instructor draws, resizes, moves and clears answer regions on the template pages with
the mouse and the keyboard, and saves them."""

from __future__ import annotations

import pytest

from exams.models import Exam, Part, Role
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drag(page, paper: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press, move in steps and release the mouse between two page-normalised points."""
    box = page.locator(paper).bounding_box()
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=8)
    page.mouse.up()


def region(part_id: str) -> dict:
    return Part.objects.get(part_id=part_id).region


def test_an_instructor_draws_resizes_moves_clears_and_saves_regions(as_user):
    course = factories.course()
    instructor = factories.enroll(course, factories.user("ines"), Role.INSTRUCTOR)
    exam = factories.exam(course, parts=(("1.a", "4"), ("1.b", "6"), ("2", "5")))
    Exam.objects.filter(pk=exam.pk).update(pages_per_copy=2)

    page = as_user(instructor.user)
    page.goto(f"/exams/{exam.pk}/regions/")
    page.wait_for_function(
        "[...document.querySelectorAll('.paper img')].every(i => i.naturalWidth > 0)"
    )
    first, second = '.paper[data-page="1"]', '.paper[data-page="2"]'

    # The first part without a region is picked; draw it on page 1.
    assert page.get_attribute("#part-list li.current", "data-part") == "1.a"
    drag(page, first, (0.10, 0.25), (0.90, 0.40))
    # Resize it by its bottom-right corner.
    drag(page, first, (0.90, 0.40), (0.85, 0.45))
    # Keyboard: down to 1.b, draw it lower on page 1; type "2" and draw part 2 on page 2.
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#part-list li.current", "data-part") == "1.b"
    drag(page, first, (0.60, 0.70), (0.12, 0.50))  # dragged up-left: the box is normalised
    page.keyboard.press("2")
    assert page.get_attribute("#part-list li.current", "data-part") == "2"
    drag(page, second, (0.40, 0.10), (0.80, 0.30))
    # It covers the QR code printed on every page: the page says so.
    assert "2 covers the QR code" in page.inner_text("#regions-clash")
    assert "clash" in page.get_attribute('.box[data-part="2"]', "class")
    screenshot(page, "instructor-regions-clash")
    # Move it down by 0.3 of the page, dragging its middle: the warning goes.
    drag(page, second, (0.60, 0.20), (0.60, 0.50))
    assert page.inner_text("#regions-clash") == ""
    assert page.locator(".box").count() == 3
    assert "Unsaved" in page.inner_text("#regions-status")

    page.click("#regions-save")
    page.wait_for_selector("#regions-status.ok")
    assert "Saved: 3 of 3 parts have an answer region" in page.inner_text("#regions-status")
    page.wait_for_function(
        "[...document.querySelectorAll('.paper img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "instructor-regions")

    expected = {
        "1.a": (1, [0.10, 0.25, 0.85, 0.45]),
        "1.b": (1, [0.12, 0.50, 0.60, 0.70]),
        "2": (2, [0.40, 0.40, 0.80, 0.60]),
    }
    for part_id, (page_number, box) in expected.items():
        saved = region(part_id)
        assert saved["page"] == page_number, part_id
        assert saved["box"] == pytest.approx(box, abs=0.005), part_id

    # Clear 1.b with the keyboard and save: its region is gone, the others stay.
    page.keyboard.press("1")
    page.keyboard.press(".")
    page.keyboard.press("b")
    assert page.get_attribute("#part-list li.current", "data-part") == "1.b"
    page.keyboard.press("Delete")
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "document.getElementById('regions-status').textContent.includes('Saved')"
    )
    assert region("1.b") == {}
    assert region("1.a")["page"] == 1
    assert page.errors == []
