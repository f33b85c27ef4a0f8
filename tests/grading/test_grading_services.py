"""Services behind the review pages: rubric edits re-score retroactively, group grading,
accepting the auto verdict, resolving regrade requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exams.models import Answer
from grading import services
from grading.models import GradeEvent, RegradeRequest, Score
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


def v(answer: Answer) -> int:
    return Score.objects.get(answer=answer).version


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


@pytest.fixture
def items(cast):
    return view_fixtures.rubric(cast)


def test_rubric_item_update_re_scores_every_user_and_logs_each(cast, answers, items):
    for a in answers.values():
        services.score_set(
            answer=a, actor=cast.ta.user, expected_version=v(a), rubric_item_ids=[items[0].pk]
        )
    untouched = answers["right"]
    services.score_set(
        answer=untouched,
        actor=cast.ta.user,
        expected_version=v(untouched),
        rubric_item_ids=[items[1].pk],
    )
    item, changed = services.rubric_item_update(
        item=items[0], actor=cast.instructor.user, points=Decimal("-2.5")
    )
    assert (item.points, changed) == (Decimal("-2.5"), 1)
    assert Score.objects.get(answer=answers["wrong"]).points == Decimal("3.5")
    assert Score.objects.get(answer=untouched).points == Decimal(5)
    event = GradeEvent.objects.filter(action="rubric_edit").get()
    assert (event.answer_id, event.actor, event.old_points, event.new_points) == (
        answers["wrong"].pk,
        cast.instructor.user,
        Decimal(4),
        Decimal("3.5"),
    )
    assert event.detail["item_old_points"] == "-2.00"
    answers["wrong"].submission.refresh_from_db()
    assert answers["wrong"].submission.total_points == Decimal("3.5")


def test_a_rubric_edit_makes_a_loaded_grade_form_stale(cast, answers, items):
    a = answers["wrong"]
    services.score_set(
        answer=a, actor=cast.ta.user, expected_version=v(a), rubric_item_ids=[items[0].pk]
    )
    seen = v(a)
    services.rubric_item_update(item=items[0], actor=cast.instructor.user, points=Decimal(-1))
    with pytest.raises(services.StaleScoreError):
        services.score_set(answer=a, actor=cast.ta.user, expected_version=seen, points=Decimal(1))


def test_renaming_an_item_re_scores_nothing(cast, answers, items):
    _, changed = services.rubric_item_update(
        item=items[0], actor=cast.instructor.user, label="floor"
    )
    assert changed == 0
    assert not GradeEvent.objects.filter(action="rubric_edit").exists()


def test_an_invalid_edit_changes_nothing(cast, items):
    with pytest.raises(ValidationError):
        services.rubric_item_update(item=items[0], actor=None, label="")
    items[0].refresh_from_db()
    assert items[0].label == "rounding"


def _group(cast, n: int = 3) -> list[Answer]:
    return factories.answer_group(cast.exam, n=n)


def test_group_grade_grades_each_answer_in_one_go(cast):
    group = _group(cast)
    seen = {a.pk: v(a) for a in group}
    result = services.group_grade(
        part=group[0].part,
        group_key="79",
        actor=cast.ta.user,
        expected_versions=seen,
        points=Decimal(1),
        comment="off by one",
    )
    assert (len(result.graded), result.skipped) == (3, [])
    assert set(Score.objects.filter(answer__in=group).values_list("points", "source")) == {
        (Decimal(1), "person")
    }
    assert GradeEvent.objects.filter(action="group_grade").count() == 3
    assert {a.submission.total_points for a in Answer.objects.filter(pk__in=seen)} == {Decimal(1)}


def test_group_grade_skips_answers_graded_meanwhile_and_new_members(cast):
    group = _group(cast)
    seen = {a.pk: v(a) for a in group[:2]}  # group[2] joined after the page was loaded
    services.score_set(
        answer=group[0], actor=cast.instructor.user, expected_version=v(group[0]), points=Decimal(5)
    )
    result = services.group_grade(
        part=group[0].part,
        group_key="79",
        actor=cast.ta.user,
        expected_versions=seen,
        points=Decimal(2),
    )
    assert [s.answer_id for s in result.graded] == [group[1].pk]
    assert [a.pk for a in result.skipped] == [group[0].pk, group[2].pk]
    assert Score.objects.get(answer=group[0]).points == Decimal(5)
    assert Score.objects.get(answer=group[2]).source == "auto"


def test_group_grade_rolls_back_entirely_on_a_bad_value(cast):
    group = _group(cast)
    with pytest.raises(ValidationError):
        services.group_grade(
            part=group[0].part,
            group_key="79",
            actor=cast.ta.user,
            expected_versions={a.pk: v(a) for a in group},
            points=Decimal(99),
        )
    assert not GradeEvent.objects.filter(action="group_grade").exists()


def test_accepting_the_auto_verdict(cast, answers):
    a = answers["right"]
    score = services.score_accept_auto(answer=a, actor=cast.ta.user, expected_version=v(a))
    assert (score.points, score.source, score.graded_by) == (Decimal(6), "person", cast.ta.user)
    # A later re-check never changes a person's grade.
    assert services.score_apply_auto(answer=a) is None


def test_resolving_a_regrade_request(cast, answers):
    request = services.regrade_request_create(
        answer=answers["wrong"], student=cast.student.user, message="floor!"
    )
    services.regrade_request_resolve(request=request, actor=cast.ta.user, response="Agreed.")
    request.refresh_from_db()
    assert (request.status, request.resolved_by, request.response) == (
        RegradeRequest.Status.RESOLVED,
        cast.ta.user,
        "Agreed.",
    )
    with pytest.raises(ValidationError):
        services.regrade_request_resolve(request=request, actor=cast.ta.user, response="again")
