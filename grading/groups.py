"""Answer groups as a person reshapes and grades them: accept a group's suggestion, split
copies off a group, merge groups.

A part's answers are grouped by their extracted value (``Answer.group_key``). A split or a
merge writes a :class:`~grading.models.GroupMove` per answer it moves, and one
:class:`~grading.models.GradeEvent` per answer (``GROUP_SPLIT`` or ``GROUP_MERGE``, with the
group before and after and the batch of the action), so that moves are in the audit log and
:func:`grading.undo.grade_undo` takes them back like a grade. Accepting a suggestion grades
every answer of the group not yet graded by a person, in one batch, through the same writes
as a grade by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import uuid4

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Answer, Part
from grading.models import GradeEvent, GroupMove, Score
from grading.selectors import answer_group, answers_in_groups
from grading.services import (
    GroupGradeResult,
    grade_each,
    new_batch,
    score_accept_auto,
    score_set,
)

#: The events of a move between groups: they change no points.
MOVES = (GradeEvent.Action.GROUP_SPLIT, GradeEvent.Action.GROUP_MERGE)


class SuggestionChangedError(Exception):
    """The group's suggestion is not the one the grader accepted: someone graded or moved
    answers of it meanwhile."""


@dataclass(frozen=True)
class GroupMoveResult:
    #: The group the answers are in now.
    group_key: str
    moved: list[Answer]


def group_place(*, answer: Answer, group_key: str, actor: User | None) -> None:
    """Put ``answer`` in the group ``group_key`` (its value's group: no move kept)."""
    if group_key == answer.group_key:
        GroupMove.objects.filter(answer=answer).delete()
        return
    GroupMove.objects.update_or_create(
        answer=answer,
        defaults={"from_key": answer.group_key, "group_key": group_key, "moved_by": actor},
    )


def group_move_event(
    *, answer: Answer, actor: User | None, action: str, before: str, after: str, detail: dict
) -> GradeEvent:
    """The audit log's line for a move of ``answer`` from group ``before`` to ``after``; the
    answer's points are unchanged (old and new are its current points)."""
    points = Score.objects.filter(answer=answer).values_list("points", flat=True).first()
    return GradeEvent.objects.create(
        answer=answer,
        actor=actor,
        action=action,
        old_points=points,
        new_points=points,
        detail={**detail, "group": {"before": before, "after": after}, "value": answer.group_key},
    )


def _lock(part: Part) -> None:
    # One reshaping (or undo) of a part's groups at a time: two TAs splitting the same group
    # at once must not each see the other's copies still in it.
    Part.objects.select_for_update().filter(pk=part.pk).first()


def _move(answers: Iterable[Answer], *, to: str, actor: User, action: str) -> list[Answer]:
    batch = new_batch()
    moved = []
    for answer in answers:
        before = answer.group  # type: ignore[attr-defined]  # grouped_answers' annotation
        if before == to:
            continue
        group_place(answer=answer, group_key=to, actor=actor)
        group_move_event(
            answer=answer,
            actor=actor,
            action=action,
            before=before,
            after=to,
            detail={"batch": batch},
        )
        moved.append(answer)
    return moved


@transaction.atomic
def group_split(
    *, part: Part, group_key: str, answer_ids: Sequence[int], actor: User
) -> GroupMoveResult:
    """Take the answers ``answer_ids`` out of the group ``group_key`` into a new group of
    their own (graded apart from the rest; the same value is shown). ``ValidationError`` when
    none is ticked, every copy is, or a ticked answer is no longer in the group."""
    _lock(part)
    members = list(answers_in_groups(part, [group_key]).select_related("submission").order_by("pk"))
    wanted = set(answer_ids)
    chosen = [a for a in members if a.pk in wanted]
    if not chosen:
        raise ValidationError("Tick the copies to take out of the group.")
    if len(chosen) < len(wanted):
        raise ValidationError("A ticked copy is no longer in this group; reload the page.")
    if len(chosen) == len(members):
        raise ValidationError("Every copy of the group is ticked: nothing would be split off.")
    new_key = f"{group_key[:500]}~{uuid4().hex[:8]}"
    moved = _move(chosen, to=new_key, actor=actor, action=GradeEvent.Action.GROUP_SPLIT)
    return GroupMoveResult(group_key=new_key, moved=moved)


@transaction.atomic
def group_merge(*, part: Part, group_keys: Sequence[str], actor: User) -> GroupMoveResult:
    """Merge the groups ``group_keys`` into the largest of them (the first given on a tie):
    their answers are then graded together. ``ValidationError`` for fewer than two groups."""
    _lock(part)
    keys = list(dict.fromkeys(group_keys))
    if len(keys) < 2:
        raise ValidationError("Tick at least two groups to merge.")
    answers = list(answers_in_groups(part, keys).select_related("submission").order_by("pk"))
    sizes = {key: 0 for key in keys}
    for answer in answers:
        sizes[answer.group] += 1  # type: ignore[attr-defined]
    if sum(1 for n in sizes.values() if n) < 2:
        raise ValidationError("These groups are no longer there to merge; reload the page.")
    into = max(keys, key=lambda k: (sizes[k], -keys.index(k)))
    moved = _move(answers, to=into, actor=actor, action=GradeEvent.Action.GROUP_MERGE)
    return GroupMoveResult(group_key=into, moved=moved)


@transaction.atomic
def group_accept(
    *,
    part: Part,
    group_key: str,
    actor: User,
    expected_versions: Mapping[int, int],
    token: str,
) -> GroupGradeResult:
    """Accept the group's suggestion (:class:`grading.selectors.GroupSuggestion`) for every
    answer of it not yet graded by a person, as one action (undone as a whole).

    ``token`` is the suggestion's fingerprint as the grader saw it: if the suggestion changed
    since (someone graded or moved answers), :class:`SuggestionChangedError` is raised and
    nothing is written. An answer whose score changed since the grader loaded the page, or
    not in ``expected_versions``, is skipped and reported, never overwritten.
    """
    _lock(part)
    group = answer_group(part, group_key)
    suggestion = group.suggestion if group else None
    if group is None or suggestion is None:
        raise ValidationError("This group has no suggestion to accept; grade it by hand.")
    if suggestion.token != token:
        raise SuggestionChangedError(
            f"The suggestion changed since the page was loaded (now {suggestion.description}); "
            "reload the page and look again."
        )
    todo = [m.answer_id for m in group.members if not m.graded_by_person]
    answers = Answer.objects.filter(pk__in=todo).select_related("part", "submission")
    batch = new_batch()

    def accept(answer: Answer, expected: int) -> Score:
        if suggestion.kind == "auto":
            return score_accept_auto(
                answer=answer, actor=actor, expected_version=expected, batch=batch
            )
        return score_set(
            answer=answer,
            actor=actor,
            expected_version=expected,
            points=suggestion.points,
            rubric_item_ids=list(suggestion.rubric_items),
            adjustment=suggestion.adjustment,
            comment=suggestion.comment,
            action=GradeEvent.Action.GROUP_GRADE,
            batch=batch,
        )

    return grade_each(answers.order_by("pk"), expected_versions, accept)
