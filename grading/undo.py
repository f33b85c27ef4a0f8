"""Undo: a grader takes back their last grading action on a part.

Every score write keeps in its ``GradeEvent`` what it replaced, the version it produced and the
batch id of the user action (``grading.services.score_write``); undoing restores the state
before the latest batch of the grader's not undone yet, as new ``UNDO`` events (the log is
append-only), and never overwrites a score someone changed since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Answer, Part
from grading.groups import MOVES, group_move_event, group_place
from grading.models import GradeEvent, RubricItem, Score
from grading.selectors import group_key_of
from grading.services import (
    new_batch,
    score_for_update,
    score_write,
    submission_recompute_total,
)

#: The actions a grader may undo: their own grades. Rubric edits re-score many copies on
#: purpose and the auto-check is no one's action; an undo itself is not undone (no redo).
UNDOABLE = (
    GradeEvent.Action.GRADE,
    GradeEvent.Action.ACCEPT,
    GradeEvent.Action.GROUP_GRADE,
    GradeEvent.Action.REGRADE,
    *MOVES,
)


def _moves_group(event: GradeEvent) -> bool:
    """Whether the event moved an answer between groups (or undid such a move): it changed
    no points, so it is no change since for a grade's undo, and the reverse."""
    if event.action == GradeEvent.Action.UNDO:
        return event.detail.get("undone_action") in MOVES
    return event.action in MOVES


@dataclass(frozen=True)
class UndoResult:
    #: The action undone (``GradeEvent.Action``) and its batch id.
    action: str
    batch: str
    restored: list[Score]
    #: Answers of that action changed since by someone (or something) else: left as they
    #: are, never overwritten; the grader should look at them.
    skipped: list[Answer]
    #: For a split or merge undone: the answers put back in the group they were in.
    moved_back: list[Answer] = field(default_factory=list)


def _unchanged_since(later: Sequence[GradeEvent]) -> bool:
    """Whether an answer's score is still as an event left it, given the answer's events
    written after that one (oldest first). It is if nothing was written since, or if every
    change since was itself undone: each restoring ``UNDO`` takes back the latest change not
    yet undone, like a stack, so the score is back to that event's state once the stack is
    empty. (Comparing versions alone would refuse the second of two undos on one answer.)"""
    stack: list[str | None] = []
    for later_event in later:
        if later_event.action != GradeEvent.Action.UNDO:
            stack.append(later_event.detail.get("batch"))
        elif later_event.detail.get("skipped"):
            continue  # an undo that changed nothing
        elif not stack or stack.pop() != later_event.detail.get("undoes"):
            return False  # an undo reached back past ``event``
    return not stack


def _latest_not_undone(part: Part, actor: User) -> GradeEvent:
    """The latest event of ``actor``'s undoable actions on ``part`` whose batch is not undone
    yet; ``ValidationError`` when there is none."""
    part_events = GradeEvent.objects.filter(answer__part=part)
    undone = {
        event.detail.get("undoes")
        for event in part_events.filter(action=GradeEvent.Action.UNDO).only("detail")
    }
    mine = part_events.filter(actor=actor, action__in=UNDOABLE, detail__has_key="batch")
    for event in mine.order_by("-created_at", "-id").only("action", "detail").iterator():
        if event.detail["batch"] not in undone:
            return event
    raise ValidationError("Nothing to undo: you have no grade on this part left to undo.")


def _undo_one(
    *,
    first: GradeEvent,
    last: GradeEvent,
    actor: User,
    graders: dict[int, User],
    batch: str,
    undo_batch: str,
) -> Score | None:
    """Put one answer's score back to what ``first`` (its first event of the undone batch)
    replaced, unless it changed after ``last``: then log a skipped ``UNDO`` and return None."""
    answer = first.answer
    score = score_for_update(answer)
    score.answer = answer  # with its copy, for the caller's message
    later = [
        event
        for event in GradeEvent.objects.filter(answer_id=answer.pk, pk__gt=last.pk).order_by("id")
        if not _moves_group(event)
    ]
    if not _unchanged_since(later):
        GradeEvent.objects.create(
            answer=answer,
            actor=actor,
            action=GradeEvent.Action.UNDO,
            old_points=score.points,
            new_points=score.points,
            detail={"undoes": batch, "batch": undo_batch, "skipped": True},
        )
        return None
    before = first.detail["before"]
    return score_write(
        score=score,
        points=None if before["points"] is None else Decimal(before["points"]),
        actor=actor,
        graded_by=graders.get(before["graded_by"]),
        action=GradeEvent.Action.UNDO,
        source=before["source"],
        batch=undo_batch,
        # An item deleted since is gone; the points are restored as they were.
        rubric_items=list(
            RubricItem.objects.filter(part=answer.part, pk__in=before["rubric_items"])
        ),
        adjustment=Decimal(before["adjustment"]),
        comment=before["comment"],
        detail={"undoes": batch, "undone_action": first.action},
    )


def _undo_move(
    *, first: GradeEvent, last: GradeEvent, actor: User, batch: str, undo_batch: str
) -> bool:
    """Put one answer back in the group it was in before ``first`` (its first event of the
    undone split or merge), unless it is no longer where ``last`` put it (moved again, or
    read again with another value): then log a skipped ``UNDO`` and return False."""
    answer = first.answer
    after = last.detail["group"]["after"]
    before = first.detail["group"]["before"]
    detail = {"undoes": batch, "batch": undo_batch, "undone_action": first.action}
    if answer.group_key != first.detail["value"] or group_key_of(answer) != after:
        group_move_event(
            answer=answer,
            actor=actor,
            action=GradeEvent.Action.UNDO,
            before=after,
            after=after,
            detail={**detail, "skipped": True},
        )
        return False
    group_place(answer=answer, group_key=before, actor=actor)
    group_move_event(
        answer=answer,
        actor=actor,
        action=GradeEvent.Action.UNDO,
        before=after,
        after=before,
        detail=detail,
    )
    return True


def _undo_moves(
    target: GradeEvent, first_of: dict[int, GradeEvent], last_of: dict[int, GradeEvent], actor: User
) -> UndoResult:
    """Undo a split or a merge: each answer back in the group it was in."""
    batch, undo_batch = target.detail["batch"], new_batch()
    back: list[Answer] = []
    skipped: list[Answer] = []
    for answer_id, first in first_of.items():
        done = _undo_move(
            first=first, last=last_of[answer_id], actor=actor, batch=batch, undo_batch=undo_batch
        )
        (back if done else skipped).append(first.answer)
    return UndoResult(
        action=target.action, batch=batch, restored=[], skipped=skipped, moved_back=back
    )


def _undo_grades(
    target: GradeEvent, first_of: dict[int, GradeEvent], last_of: dict[int, GradeEvent], actor: User
) -> UndoResult:
    """Undo a grading action: each score back to what the action replaced."""
    batch, undo_batch = target.detail["batch"], new_batch()
    before_graders = {first.detail["before"]["graded_by"] for first in first_of.values()}
    graders = {user.pk: user for user in User.objects.filter(pk__in=before_graders - {None})}
    restored: list[Score] = []
    skipped: list[Answer] = []
    submissions = {}
    for answer_id, first in first_of.items():
        score = _undo_one(
            first=first,
            last=last_of[answer_id],
            actor=actor,
            graders=graders,
            batch=batch,
            undo_batch=undo_batch,
        )
        if score is None:
            skipped.append(first.answer)
            continue
        restored.append(score)
        submissions[first.answer.submission_id] = first.answer.submission
    for submission in submissions.values():
        submission_recompute_total(submission=submission)
    return UndoResult(action=target.action, batch=batch, restored=restored, skipped=skipped)


@transaction.atomic
def grade_undo(*, part: Part, actor: User) -> UndoResult:
    """Undo ``actor``'s most recent grading action on ``part`` not undone yet: a grade, an
    accepted auto verdict, a regrade, a whole group grade, or a split or merge of answer
    groups.

    Each answer of that action whose score is still as the action left it gets back what the
    action replaced (points, rubric items, adjustment, comment, source, grader), written as an
    ``UNDO`` event naming the undone batch; the copies' totals follow. A split or merge puts
    each answer still where it left it back in its group before. An answer changed since by
    anyone else is skipped and reported, never overwritten (its ``UNDO`` event says
    ``skipped`` and changes nothing). Calling it again undoes the action before. Grades given
    before undo existed (events without a batch) cannot be undone. Raises
    ``ValidationError`` when there is nothing to undo.
    """
    # One undo at a time per part: a double press must not undo the same action twice.
    Part.objects.select_for_update().filter(pk=part.pk).first()
    target = _latest_not_undone(part, actor)
    events = (
        GradeEvent.objects.filter(
            answer__part=part, actor=actor, detail__batch=target.detail["batch"]
        )
        .filter(action__in=UNDOABLE, detail__has_key="batch")
        .select_related("answer__submission", "answer__part")
        .order_by("id")
    )
    first_of: dict[int, GradeEvent] = {}
    last_of: dict[int, GradeEvent] = {}
    for event in events:
        first_of.setdefault(event.answer_id, event)
        last_of[event.answer_id] = event
    if target.action in MOVES:
        return _undo_moves(target, first_of, last_of, actor)
    return _undo_grades(target, first_of, last_of, actor)
