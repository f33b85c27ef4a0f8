"""A TA grades a flagged answer with the keyboard alone, and a group of equal answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Answer, Enrollment
from grading.models import GradeEvent, Score
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _first_flagged(demo) -> Answer:
    """The first answer of the demo the auto-check flagged, on a part with a scanned region."""
    return (
        Answer.objects.filter(submission__exam=demo, verdict__in=["incorrect", "needs_review"])
        .exclude(part__region={})
        .order_by("part__order", "submission__copy_number")
        .first()
    )


def test_a_ta_grades_a_flagged_answer_with_the_keyboard_alone(demo, as_user):
    from grading import services

    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    flagged = _first_flagged(demo)
    part = flagged.part
    services.rubric_item_create(part=part, label="rounding", points=Decimal(-2))
    services.rubric_item_create(part=part, label="no working", points=Decimal(-1))

    page = as_user(ta)
    page.goto(f"/parts/{part.pk}/review/?answer={flagged.pk}")
    page.wait_for_selector("#crop")
    page.wait_for_function("document.querySelector('#crop').naturalWidth > 0")
    page.wait_for_selector(".katex")  # the expected value rendered by the vendored KaTeX
    screenshot(page, "ta-review")

    page.keyboard.press("1")  # rubric item 1
    assert page.is_checked('input[name="rubric_items"] >> nth=0')
    assert (
        page.inner_text("#preview")
        == f"Saving gives {part.max_points - 2:.2f} / {part.max_points:.2f}"
    )
    page.keyboard.press("c")
    page.keyboard.type("Check the rounding.")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    page.wait_for_url(lambda url: f"answer={flagged.pk}" not in url)

    score = Score.objects.get(answer=flagged)
    assert (score.points, score.source, score.graded_by, score.comment) == (
        part.max_points - 2,
        "person",
        ta,
        "Check the rounding.",
    )
    assert GradeEvent.objects.filter(answer=flagged, action="grade", actor=ta).exists()

    # Back with k, then a stale grade: someone else grades it meanwhile -> a clear message.
    page.keyboard.press("k")
    page.wait_for_url(lambda url: "answer=" in url)
    current = int(page.get_attribute("#answer", "data-answer"))
    answer = Answer.objects.get(pk=current)
    other = Enrollment.objects.get(course=demo.course, role="instructor").user
    services.score_set(
        answer=answer,
        actor=other,
        expected_version=Score.objects.get(answer=answer).version,
        points=Decimal(1),
    )
    page.keyboard.press("p")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_selector("#flash.error")
    assert "changed this grade meanwhile" in page.inner_text("#flash")
    screenshot(page, "ta-review-stale")
    assert Score.objects.get(answer=answer).points == Decimal(1)

    # The queue filter applies as soon as it is chosen.
    page.select_option("#filter-form select", "regrade")
    page.wait_for_url("**filter=regrade**")

    # Accept an auto verdict with `a`.
    suggested = (
        Answer.objects.filter(submission__exam=demo, suggested_points__isnull=False)
        .exclude(score__source="person")
        .first()
    )
    page.goto(f"/parts/{suggested.part_id}/review/?filter=all&answer={suggested.pk}")
    page.wait_for_selector("#accept")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"answer={suggested.pk}" not in url)
    page.wait_for_selector("#flash.ok")  # "Saved: ..." carried to the next answer
    score = Score.objects.get(answer=suggested)
    assert (score.points, score.source) == (suggested.suggested_points, "person")
    assert GradeEvent.objects.filter(answer=suggested, action="accept", actor=ta).exists()

    # Correct a transcription with `t` and Ctrl+Enter: the part is checked again.
    right = flagged.expected["display"]
    page.goto(f"/parts/{part.pk}/review/?filter=all&answer={flagged.pk}")
    page.wait_for_selector("#transcription-text")
    page.keyboard.press("t")
    page.keyboard.type(right)  # `t` selects the old text, typing replaces it
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#flash.ok")
    assert "checked again" in page.inner_text("#flash")
    flagged.refresh_from_db()
    assert flagged.answer_text == right
    assert flagged.transcriptions.filter(source="typed", created_by=ta).exists()
    assert page.errors == []


def test_a_ta_grades_a_group_of_equal_answers_at_once(demo, as_user):
    from django.db.models import Count

    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    row = (
        Answer.objects.filter(submission__exam=demo)
        .exclude(group_key="")
        .values("part_id", "group_key")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert row["n"] >= 2, "the demo has equal answers"
    page = as_user(ta)
    page.goto(f"/parts/{row['part_id']}/groups/")
    form = page.locator(f'tbody[data-group="{row["group_key"]}"] form.group-form')
    form.locator('input[name="points"]').fill("1")
    form.locator('input[name="comment"]').fill("same as everyone")
    form.locator("button").click()
    page.wait_for_selector("#flash.ok")
    screenshot(page, "ta-groups")
    assert f"Graded {row['n']} answers" in page.inner_text("#flash")
    scores = Score.objects.filter(
        answer__part_id=row["part_id"], answer__group_key=row["group_key"]
    )
    assert set(scores.values_list("points", "comment", "graded_by")) == {
        (Decimal(1), "same as everyone", ta.pk)
    }
    assert GradeEvent.objects.filter(action="group_grade").count() == row["n"]


def test_u_undoes_the_last_grade_and_shows_the_previous_points(demo, as_user):
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    answer = (
        Answer.objects.filter(
            submission__exam=demo, verdict="incorrect", score__points__isnull=False
        )
        .exclude(part__region={})
        .order_by("part__order", "submission__copy_number")
        .first()
    )
    before = Score.objects.get(answer=answer)
    assert before.points < answer.part.max_points
    page = as_user(ta)
    page.goto(f"/parts/{answer.part_id}/review/?filter=all&answer={answer.pk}")
    page.wait_for_selector("#undo")  # the button is on the page, not only the key
    assert page.inner_text("#points-now") == f"{before.points:.2f}"

    page.keyboard.press("p")
    page.keyboard.type(str(answer.part.max_points))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"answer={answer.pk}" not in url)
    assert Score.objects.get(answer=answer).points == answer.part.max_points

    page.keyboard.press("u")
    page.wait_for_url(lambda url: url.endswith(f"answer={answer.pk}"))
    page.wait_for_selector("#flash.ok")
    assert page.inner_text("#flash").startswith("Undone (Graded)")
    assert page.inner_text("#points-now") == f"{before.points:.2f}"
    screenshot(page, "ta-review-undo")
    score = Score.objects.get(answer=answer)
    assert (score.points, score.source, score.graded_by) == (before.points, "auto", None)
    assert GradeEvent.objects.filter(answer=answer, action="undo", actor=ta).count() == 1

    # Nothing left to undo: said on the page, nothing written.
    page.keyboard.press("u")
    page.wait_for_selector("#flash.error")
    assert "Nothing to undo" in page.inner_text("#flash")
    assert GradeEvent.objects.filter(action="undo").count() == 1
    assert page.errors == []


def test_a_ta_adds_a_rubric_item_and_applies_it_to_the_same_answer(demo, as_user):
    ta = Enrollment.objects.get(course=demo.course, role="ta").user
    flagged = _first_flagged(demo)
    part = flagged.part
    page = as_user(ta)
    page.goto(f"/parts/{part.pk}/review/?answer={flagged.pk}")
    before = page.locator('input[name="rubric_items"]').count()
    page.click("#add-item summary")
    page.fill('#add-item input[name="label"]', "forgot the biases")
    page.fill('#add-item input[name="points"]', "-1")
    page.keyboard.press("Enter")  # from a field: posted by the page's script, then reloaded
    page.wait_for_function(
        f"document.querySelectorAll('input[name=\"rubric_items\"]').length === {before + 1}"
    )
    assert f"answer={flagged.pk}" in page.url
    assert "Added forgot the biases" in page.inner_text("#flash")
    # The new item is the last one; with 1-9 it is one key away.
    page.keyboard.press(str(before + 1))
    page.keyboard.press("s")
    page.wait_for_url(lambda url: f"answer={flagged.pk}" not in url)
    score = Score.objects.get(answer=flagged)
    assert [i.label for i in score.rubric_items.all()] == ["forgot the biases"]
    assert score.points == part.max_points - 1
