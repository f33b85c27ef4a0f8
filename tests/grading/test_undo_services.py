"""Undo: a grader takes back their last grading action on a part; what someone else changed
since is skipped and reported, never overwritten; the audit log only grows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exams.models import Answer
from grading import services, undo
from grading.models import GradeEvent, Score
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


def v(answer: Answer) -> int:
    return Score.objects.get(answer=answer).version


def state(answer: Answer) -> tuple:
    score = Score.objects.get(answer=answer)
    return (
        score.points,
        sorted(score.rubric_items.values_list("pk", flat=True)),
        score.adjustment,
        score.comment,
        score.source,
        score.graded_by_id,
    )


def log() -> list[tuple]:
    """Every event as it is stored, to show that no undo rewrites one."""
    return list(
        GradeEvent.objects.order_by("id").values_list(
            "id", "answer_id", "actor_id", "action", "old_points", "new_points", "detail"
        )
    )


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


@pytest.fixture
def items(cast):
    return view_fixtures.rubric(cast)


@pytest.fixture
def part(answers):
    return answers["wrong"].part


def grade(cast, answer, user=None, **kwargs) -> Score:
    return services.answer_grade(
        answer=answer, actor=user or cast.ta.user, expected_version=v(answer), **kwargs
    )


def test_every_grade_event_records_what_it_replaced_and_its_action(cast, answers, items):
    a = answers["wrong"]
    grade(cast, a, rubric_item_ids=[items[0].pk], adjustment=Decimal("0.5"), comment="floor")
    before_second = v(a)
    grade(cast, a, points=Decimal(1), comment="no")
    first, second = GradeEvent.objects.filter(answer=a, action="grade").order_by("id")
    assert second.detail["before"] == {
        "points": "4.50",
        "rubric_items": [items[0].pk],
        "adjustment": "0.50",
        "comment": "floor",
        "source": "person",
        "graded_by": cast.ta.user.pk,
        "version": before_second,
    }
    assert second.detail["version"] == before_second + 1 == v(a)
    assert first.detail["before"]["source"] == "auto"
    assert first.detail["batch"] != second.detail["batch"]
    # The auto-check is nobody's action: it has no batch and cannot be undone.
    auto = GradeEvent.objects.get(answer=a, action="auto_check")
    assert "batch" not in auto.detail


def test_undo_restores_a_single_grade_and_the_copy_total(cast, answers, items):
    a = answers["wrong"]
    before = state(a)
    grade(cast, a, rubric_item_ids=[items[0].pk, items[1].pk], comment="two errors")
    a.submission.refresh_from_db()
    assert a.submission.total_points == Decimal(3)
    result = undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert (result.action, [s.answer_id for s in result.restored], result.skipped) == (
        "grade",
        [a.pk],
        [],
    )
    assert state(a) == before == (Decimal(0), [], Decimal(0), "", "auto", None)
    a.submission.refresh_from_db()
    assert a.submission.total_points == Decimal(0)
    event = GradeEvent.objects.filter(answer=a).last()
    assert (event.action, event.actor, event.old_points, event.new_points) == (
        "undo",
        cast.ta.user,
        Decimal(3),
        Decimal(0),
    )
    assert event.detail["undoes"] == result.batch


def test_undo_of_an_accept_restores_the_auto_score_and_source(cast, answers):
    a = answers["right"]
    Score.objects.filter(answer=a).update(comment="auto note")
    services.score_accept_auto(answer=a, actor=cast.ta.user, expected_version=v(a))
    assert state(a)[4:] == ("person", cast.ta.user.pk)
    result = undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert result.action == "accept"
    assert state(a) == (Decimal(6), [], Decimal(0), "auto note", "auto", None)
    # Back to an auto score, so a re-check may update it again.
    a.suggested_points = Decimal(5)
    assert services.score_apply_auto(answer=a).points == Decimal(5)


def _group(cast, n: int = 3) -> list[Answer]:
    return factories.answer_group(cast.exam, n=n)


def test_a_group_grade_is_undone_as_a_whole(cast):
    group = _group(cast)
    services.group_grade(
        part=group[0].part,
        group_key="79",
        actor=cast.ta.user,
        expected_versions={a.pk: v(a) for a in group},
        points=Decimal(2),
        comment="same as everyone",
    )
    batches = {e.detail["batch"] for e in GradeEvent.objects.filter(action="group_grade")}
    assert len(batches) == 1
    result = undo.grade_undo(part=group[0].part, actor=cast.ta.user)
    assert result.action == "group_grade"
    assert [s.answer_id for s in result.restored] == [a.pk for a in group]
    for a in group:
        assert state(a) == (Decimal(0), [], Decimal(0), "", "auto", None)
        a.submission.refresh_from_db()
        assert a.submission.total_points == Decimal(0)
    assert GradeEvent.objects.filter(action="undo").count() == 3


def test_an_answer_regraded_by_someone_else_since_is_skipped_not_overwritten(cast):
    group = _group(cast)
    services.group_grade(
        part=group[0].part,
        group_key="79",
        actor=cast.ta.user,
        expected_versions={a.pk: v(a) for a in group},
        points=Decimal(2),
    )
    grade(cast, group[1], user=cast.instructor.user, points=Decimal(5), comment="mine")
    result = undo.grade_undo(part=group[0].part, actor=cast.ta.user)
    assert [a.pk for a in result.skipped] == [group[1].pk]
    assert [s.answer_id for s in result.restored] == [group[0].pk, group[2].pk]
    assert state(group[1]) == (
        Decimal(5),
        [],
        Decimal(0),
        "mine",
        "person",
        cast.instructor.user.pk,
    )
    assert state(group[0])[0] == state(group[2])[0] == Decimal(0)
    # The skip is in the log too, and changes nothing.
    marker = GradeEvent.objects.filter(answer=group[1]).last()
    assert (marker.action, marker.old_points, marker.new_points, marker.detail["skipped"]) == (
        "undo",
        Decimal(5),
        Decimal(5),
        True,
    )
    # The instructor's own grade stays theirs to undo, untouched by the TA's undo.
    again = undo.grade_undo(part=group[0].part, actor=cast.instructor.user)
    assert [s.answer_id for s in again.restored] == [group[1].pk]
    assert state(group[1])[0] == Decimal(2)


def test_an_action_changed_entirely_since_is_reported_and_the_next_undo_goes_further(cast, answers):
    a, b = answers["wrong"], answers["right"]
    grade(cast, a, points=Decimal(1))
    grade(cast, b, points=Decimal(4))
    grade(cast, b, user=cast.instructor.user, points=Decimal(6))
    first = undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert (first.restored, [x.pk for x in first.skipped]) == ([], [b.pk])
    assert state(b)[0] == Decimal(6)
    second = undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert [s.answer_id for s in second.restored] == [a.pk]
    assert state(a)[0] == Decimal(0)


def test_two_undos_undo_two_actions_in_order(cast, answers):
    a, b = answers["wrong"], answers["right"]
    grade(cast, a, points=Decimal(1))
    grade(cast, b, points=Decimal(4))
    grade(cast, a, points=Decimal(2))
    undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert (state(a)[0], state(b)[0]) == (Decimal(1), Decimal(4))
    undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert (state(a)[0], state(b)[0]) == (Decimal(1), Decimal(6))
    assert state(b)[4] == "auto"
    # The third reaches the first grade of ``a``, though ``a`` was undone once already.
    undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert state(a) == (Decimal(0), [], Decimal(0), "", "auto", None)
    with pytest.raises(ValidationError, match="Nothing to undo"):
        undo.grade_undo(part=a.part, actor=cast.ta.user)


def test_nothing_to_undo_raises_and_writes_nothing(cast, answers):
    part = answers["wrong"].part
    with pytest.raises(ValidationError, match="Nothing to undo"):
        undo.grade_undo(part=part, actor=cast.ta.user)
    # Someone else's grade is not mine to undo, and grades on another part do not count.
    grade(cast, answers["wrong"], user=cast.instructor.user, points=Decimal(1))
    with pytest.raises(ValidationError):
        undo.grade_undo(part=part, actor=cast.ta.user)
    other_part = cast.exam.parts.get(part_id="1.a")
    with pytest.raises(ValidationError):
        undo.grade_undo(part=other_part, actor=cast.instructor.user)
    assert not GradeEvent.objects.filter(action="undo").exists()


def test_grades_logged_before_undo_existed_are_not_undone(cast, answers):
    a = answers["wrong"]
    score = Score.objects.get(answer=a)
    # An event as the code before this change wrote it: no before, no batch.
    Score.objects.filter(pk=score.pk).update(
        points=Decimal(3), source="person", graded_by=cast.ta.user, version=score.version + 1
    )
    GradeEvent.objects.create(
        answer=a,
        actor=cast.ta.user,
        action="grade",
        old_points=Decimal(0),
        new_points=Decimal(3),
        detail={"rubric_items": [], "adjustment": "0"},
    )
    with pytest.raises(ValidationError, match="Nothing to undo"):
        undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert state(a)[0] == Decimal(3)


def test_an_undo_never_modifies_an_event_it_only_appends(cast, answers, items):
    a, b = answers["wrong"], answers["right"]
    grade(cast, a, rubric_item_ids=[items[0].pk])
    grade(cast, b, points=Decimal(5))
    logged = log()
    undo.grade_undo(part=a.part, actor=cast.ta.user)
    after_one = log()
    assert after_one[: len(logged)] == logged
    assert [e[3] for e in after_one[len(logged) :]] == ["undo"]
    undo.grade_undo(part=a.part, actor=cast.ta.user)
    after_two = log()
    assert after_two[: len(after_one)] == after_one
    assert [(e[1], e[3]) for e in after_two[len(after_one) :]] == [(a.pk, "undo")]
    # Undoes are not undone in turn: there is nothing left.
    with pytest.raises(ValidationError):
        undo.grade_undo(part=a.part, actor=cast.ta.user)
    assert log() == after_two
