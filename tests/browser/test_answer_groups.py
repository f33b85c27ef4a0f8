"""A TA works through a part's answer groups: the copies' crops, a group's suggestion accepted
with one key, a misread copy split off, two groups merged, and each taken back with u."""

from __future__ import annotations

import pytest

from exams.models import Answer, Enrollment, Part
from grading import selectors
from grading.models import GradeEvent, GroupMove, Score
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _part_with_groups(demo) -> tuple[Part, list[selectors.AnswerGroup]]:
    """A part of the demo with a scanned region and at least two groups, one of which has
    several copies and a suggestion to accept."""
    for part in demo.parts.exclude(region={}).order_by("order"):
        groups = selectors.answer_groups(part)
        if len(groups) >= 2 and groups[0].count >= 2 and groups[0].suggestion and groups[0].todo:
            return part, groups
    raise AssertionError("the demo has a part with two groups and a suggestion")


def _group_index(page, key: str) -> int:
    keys = page.eval_on_selector_all("tbody.group", "els => els.map(e => e.dataset.group)")
    return keys.index(key)


def test_a_ta_accepts_a_groups_suggestion_with_one_key_after_looking_at_its_crops(demo, as_user):
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    part, groups = _part_with_groups(demo)
    big = groups[0]
    page = as_user(ta)
    page.goto(f"/parts/{part.pk}/groups/")
    page.keyboard.press("j")  # the first group: the largest
    page.keyboard.press("o")  # its copies
    crops = page.locator(f'tbody[data-group="{big.group_key}"] details.copies img')
    assert crops.count() == min(big.count, 12)
    page.wait_for_function(
        "key => [...document.querySelectorAll('tbody.group')].find(g => g.dataset.group === key)"
        ".querySelectorAll('img').length > 0 && [...[...document.querySelectorAll('tbody.group')]"
        ".find(g => g.dataset.group === key).querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)",
        arg=big.group_key,
    )
    screenshot(page, "ta-groups-crops")

    page.keyboard.press("a")
    page.wait_for_selector("#flash.ok")
    assert f"Accepted the suggestion for {big.todo} answers" in page.inner_text("#flash")
    members = [m.answer_id for m in big.members if not m.graded_by_person]
    scores = Score.objects.filter(answer_id__in=members)
    assert {(s.points, s.source, s.graded_by_id) for s in scores} == {
        (big.suggestion.points, "person", ta.pk)
    }
    # The group now says every copy is graded; u takes the whole action back.
    assert "every copy graded" in page.inner_text(f'tbody[data-group="{big.group_key}"]')
    page.keyboard.press("u")
    page.wait_for_selector("#flash.ok >> text=Undone")
    assert set(Score.objects.filter(answer_id__in=members).values_list("source", flat=True)) == {
        "auto"
    }
    assert page.errors == []


def test_a_ta_splits_a_copy_off_and_merges_two_groups(demo, as_user):
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    part, groups = _part_with_groups(demo)
    big, other = groups[0], groups[1]
    page = as_user(ta)
    page.goto(f"/parts/{part.pk}/groups/?key={big.group_key}#group-focus")
    moved = big.members[0]
    group = page.locator(f'tbody[data-group="{big.group_key}"]')
    group.locator(f'input[name="answers"][value="{moved.answer_id}"]').check()
    group.locator("form.split-form button").click()
    page.wait_for_selector("#flash.ok >> text=form a group of their own")
    assert selectors.answer_group(part, big.group_key).count == big.count - 1
    assert GroupMove.objects.get(answer_id=moved.answer_id).moved_by == ta
    screenshot(page, "ta-groups-split")

    # Merge the big group with the other one from the keyboard: x ticks, m merges.
    page.keyboard.press("Escape")
    for key in (big.group_key, other.group_key):
        page.locator(f'tbody[data-group="{key}"] input[name="groups"]').focus()
        page.keyboard.press("x")
        page.keyboard.press("Escape")
    page.keyboard.press("m")
    page.wait_for_selector("#flash.ok >> text=Merged")
    # Into the larger of the two (the split left the big one a copy smaller).
    into = selectors.group_key_of(Answer.objects.get(pk=big.members[-1].answer_id))
    assert into in (big.group_key, other.group_key)
    assert selectors.answer_group(part, into).count == big.count - 1 + other.count
    assert GradeEvent.objects.filter(action="group_merge", actor=ta).count() == other.count

    # u twice: the merge, then the split, are taken back.
    page.keyboard.press("u")
    page.wait_for_selector("#flash.ok >> text=back in their group")
    page.keyboard.press("u")
    page.wait_for_function(
        "() => (document.querySelector('#flash').textContent.match(/Undone/g) || []).length"
        " && !document.querySelector('#flash').textContent.includes('Merged into')"
    )
    assert selectors.answer_group(part, big.group_key).count == big.count
    assert not GroupMove.objects.exists()
    assert page.errors == []
