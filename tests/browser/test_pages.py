"""Pages by hand, as the instructor and the student meet them on the demo (whose scanned stack
has a page fed twice and a page missing): the second scan beside the first, one kept; a typo'd
copy number refused; a page moved and the move undone; the student told which page was not
scanned, asking for a regrade of a part on it."""

from __future__ import annotations

import pytest

from exams.models import Enrollment, Page, PageEvent, Submission
from exams.selectors import missing_pages
from grading.models import RegradeRequest
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_instructor_keeps_one_of_two_scans_of_a_page_and_undoes_it(demo, as_user):
    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    twice = Page.objects.get(batch__exam=demo, status="duplicate")
    first = Page.objects.get(
        submission=twice.submission, page_number=twice.page_number, status="placed"
    )
    page = as_user(instructor)
    page.goto(f"/exams/{demo.pk}/attention/")
    pair = page.locator(f"#duplicate-{twice.pk}")
    pair.wait_for()
    assert pair.locator("img").count() == 2
    page.wait_for_function(
        f"[...document.querySelectorAll('#duplicate-{twice.pk} img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "instructor-duplicates")

    pair.locator("button.keep-second").click()
    page.wait_for_selector(".messages li")
    twice.refresh_from_db()
    first.refresh_from_db()
    assert (twice.status, first.status) == ("placed", "discarded")
    assert page.locator(f"#duplicate-{twice.pk}").count() == 0

    page.click("#pages-undo")
    page.wait_for_selector(".messages li.success")
    assert "Undone" in page.inner_text(".messages")
    twice.refresh_from_db()
    first.refresh_from_db()
    assert (twice.status, first.status) == ("duplicate", "placed")
    assert page.errors == []


def test_a_typo_in_a_copy_number_makes_no_copy_and_a_move_is_undone(demo, as_user):
    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    copies = set(Submission.objects.filter(exam=demo).values_list("copy_number", flat=True))
    submission = (
        Submission.objects.filter(exam=demo)
        .exclude(copy_number__in=list(missing_pages(demo)))
        .order_by("copy_number")
        .first()
    )
    moved = Page.objects.filter(submission=submission, status="placed").order_by("page_number")[0]
    page = as_user(instructor)
    page.goto(f"/submissions/{submission.pk}/")
    row = page.locator(f"#copy-page-{moved.pk}")
    row.locator('input[name="copy_number"]').fill("99")
    row.locator("button.move-page").click()
    page.wait_for_selector(".messages li.error")
    assert "Copy 99 does not exist" in page.inner_text(".messages")
    assert set(Submission.objects.filter(exam=demo).values_list("copy_number", flat=True)) == copies

    # Take the page off its copy: the copy misses it, and says so; then undo.
    page.locator(f"#copy-page-{moved.pk} button.unplace-page").click()
    page.wait_for_selector("#gaps-missing")
    assert f"Page {moved.page_number} of this copy was not scanned" in page.inner_text(
        "#gaps-missing"
    )
    assert moved.page_number in missing_pages(demo)[submission.copy_number]
    screenshot(page, "instructor-copy-page-missing")
    page.click("#pages-undo")
    page.wait_for_selector(".messages li.success")
    moved.refresh_from_db()
    assert (moved.status, moved.submission_id) == ("placed", submission.pk)
    assert PageEvent.objects.filter(action="undo").count() == 1
    assert page.errors == []


def test_a_student_sees_the_page_not_scanned_and_asks_for_a_regrade_of_a_part_on_it(demo, as_user):
    from grading import publishing

    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    unfinished = publishing.publish_readiness(demo).unfinished
    publishing.exam_publish(exam=demo, actor=instructor, confirmed_unfinished=unfinished)
    copy, numbers = next(iter(missing_pages(demo).items()))
    submission = Submission.objects.get(exam=demo, copy_number=copy)
    part = next(p for p in demo.parts.order_by("order") if p.region.get("page") in numbers)
    page = as_user(submission.student.user)
    page.goto(f"/submissions/{submission.pk}/")
    assert f"Page {numbers[0]} of this copy was not scanned" in page.inner_text("#gaps-missing")
    card = page.locator(f"#part-{part.pk}")
    assert "was not scanned, so this part could not be graded" in card.inner_text()
    screenshot(page, "student-missing-page")
    card.locator("details.regrade-form").evaluate("d => { d.open = true; }")
    card.locator("textarea").fill("I answered it on the back of page 2.")
    card.locator("button", has_text="Send the request").click()
    page.wait_for_selector(".messages li")
    request = RegradeRequest.objects.get()
    assert (request.answer.submission_id, request.answer.part_id) == (submission.pk, part.pk)
    assert request.message == "I answered it on the back of page 2."
    assert page.errors == []
