"""Accessibility and small screens: axe-core finds no serious or critical violation on the
review, groups, regions and student pages; every staff page and the student's copy fit a
375 px phone without sideways scrolling, with Review/Groups/Rubric and the grade card's Save
in reach. Screenshots of each page at 1280 and 375 px go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from exams.models import Answer, Enrollment, Submission
from tests.browser.accessibility import violations
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def _cast(demo):
    from grading import publishing

    instructor = Enrollment.objects.get(course=demo.course, role="instructor").user
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    answer = (
        Answer.objects.filter(submission__exam=demo)
        .exclude(part__region={})
        .order_by("part__order", "submission__copy_number")
        .first()
    )
    unfinished = publishing.publish_readiness(demo).unfinished
    publishing.exam_publish(exam=demo, actor=instructor, confirmed_unfinished=unfinished)
    copy = Submission.objects.filter(exam=demo, student__isnull=False).first()
    return instructor, ta, answer, copy


def _loaded(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("load")


def test_the_review_groups_regions_and_student_pages_pass_axe(demo, as_user):
    instructor, ta, answer, copy = _cast(demo)
    pages = [
        (ta, f"/parts/{answer.part_id}/review/?filter=all&answer={answer.pk}"),
        (ta, f"/parts/{answer.part_id}/groups/"),
        (instructor, f"/exams/{demo.pk}/regions/"),
        (instructor, f"/exams/{demo.pk}/attention/"),
        (instructor, f"/exams/{demo.pk}/"),
        (copy.student.user, f"/submissions/{copy.pk}/"),
    ]
    browsers = {}
    found = {}
    for user, url in pages:
        page = browsers.get(user.pk) or browsers.setdefault(user.pk, as_user(user))
        _loaded(page, url)
        found[url] = violations(page)
    assert {url: v for url, v in found.items() if v} == {}


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _in_reach(page, selector: str) -> bool:
    """The element is laid out within the phone's width (a person can scroll down to it)."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_every_staff_page_and_the_students_copy_fit_a_phone(demo, as_user):
    instructor, _, answer, copy = _cast(demo)
    staff = {
        "course": f"/courses/{demo.course_id}/",
        "exam": f"/exams/{demo.pk}/",
        "review": f"/parts/{answer.part_id}/review/?filter=all&answer={answer.pk}",
        "groups": f"/parts/{answer.part_id}/groups/",
        "rubric": f"/parts/{answer.part_id}/rubric/",
        "regions": f"/exams/{demo.pk}/regions/",
        "attention": f"/exams/{demo.pk}/attention/",
        "stats": f"/exams/{demo.pk}/stats/",
        "new-exam": f"/courses/{demo.course_id}/exams/new/",
        "staff-copy": f"/submissions/{copy.pk}/",
    }
    page = as_user(instructor)
    student = as_user(copy.student.user)
    wide = []
    for name, (who, url) in {
        **{n: (page, u) for n, u in staff.items()},
        "student-copy": (student, f"/submissions/{copy.pk}/"),
    }.items():
        who.set_viewport_size(DESKTOP)
        _loaded(who, url)
        screenshot(who, f"{name}-1280")
        who.set_viewport_size(PHONE)
        who.wait_for_timeout(50)
        screenshot(who, f"{name}-375")
        if not _no_sideways_scroll(who):
            wide.append(name)
        if name == "exam":
            for link in ("Review", "Groups", "Rubric"):
                assert _in_reach(who, f"#grading-parts a:text-is('{link}')"), link
        if name == "review":
            assert _in_reach(who, "#save")
            panel = who.locator(".grade-panel").bounding_box()
            save = who.locator("#save").bounding_box()
            assert save["y"] + save["height"] <= panel["y"] + panel["height"]
    assert wide == []
    assert page.errors == []
    assert student.errors == []
