"""Writes on grades: scores, rubric items, publication, regrade requests.

Every score change goes through :func:`_score_write`, which bumps the score's version and
appends a :class:`GradeEvent` in the same transaction: there is no other path to a grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from exams.models import Answer, Exam, Submission
from gradebook.models import GradeEvent, RegradeRequest, RubricItem, Score


class StaleScoreError(Exception):
    """The score changed since the grader loaded it: someone else graded it meanwhile."""

    def __init__(self, score: Score) -> None:
        super().__init__(
            f"This answer was graded by someone else meanwhile (now {score.points} points)."
        )
        self.score = score


def _clamp(points: Decimal, max_points: Decimal) -> Decimal:
    return min(max(points, Decimal(0)), max_points)


def _score_write(
    *,
    score: Score,
    points: Decimal | None,
    actor: AbstractBaseUser | None,
    action: str,
    source: str,
    detail: dict | None = None,
) -> Score:
    old = score.points
    score.points = points
    score.source = source
    score.graded_by = actor
    score.graded_at = timezone.now()
    score.version += 1
    score.full_clean()
    score.save()
    GradeEvent.objects.create(
        answer_id=score.answer_id,
        actor=actor,
        action=action,
        old_points=old,
        new_points=points,
        detail=detail or {},
    )
    return score


def _locked_score(answer: Answer) -> Score:
    score, _ = Score.objects.get_or_create(answer=answer)
    return Score.objects.select_for_update().get(pk=score.pk)


def rubric_points(
    *, part_max: Decimal, items: Iterable[RubricItem], adjustment: Decimal
) -> Decimal:
    """Points from rubric items: items are deltas from full marks when any is negative or
    none is given, else they add up from zero; the result is clamped to [0, max]."""
    items = list(items)
    if not items:
        return _clamp(part_max + adjustment, part_max)
    base = part_max if any(item.points < 0 for item in items) else Decimal(0)
    return _clamp(base + sum((item.points for item in items), Decimal(0)) + adjustment, part_max)


@transaction.atomic
def score_set(
    *,
    answer: Answer,
    actor: AbstractBaseUser,
    expected_version: int,
    points: Decimal | None = None,
    rubric_item_ids: Sequence[int] | None = None,
    adjustment: Decimal = Decimal(0),
    comment: str | None = None,
    action: str = GradeEvent.Action.GRADE,
) -> Score:
    """Grade an answer by hand: explicit points, or rubric items plus an adjustment.

    ``expected_version`` is the score version the grader saw; if the score changed since,
    :class:`StaleScoreError` is raised and nothing is written.
    """
    score = _locked_score(answer)
    if score.version != expected_version:
        raise StaleScoreError(score)
    part = answer.part
    items: list[RubricItem] = []
    if rubric_item_ids is not None:
        items = list(RubricItem.objects.filter(part=part, pk__in=rubric_item_ids))
        if len(items) != len(set(rubric_item_ids)):
            raise ValidationError({"rubric_items": "A rubric item does not belong to this part."})
        score.rubric_items.set(items)
        score.adjustment = adjustment
    if points is None:
        points = rubric_points(part_max=part.max_points, items=items, adjustment=adjustment)
    elif not Decimal(0) <= points <= part.max_points:
        raise ValidationError({"points": f"Points must be between 0 and {part.max_points}."})
    if comment is not None:
        score.comment = comment
    detail = {"rubric_items": [i.pk for i in items], "adjustment": str(adjustment)}
    return _score_write(
        score=score,
        points=points,
        actor=actor,
        action=action,
        source=Score.Source.PERSON,
        detail=detail,
    )


@transaction.atomic
def score_apply_auto(*, answer: Answer) -> Score | None:
    """Record the auto-checker's suggested points, unless a person already graded the answer
    (a re-run of the checker never overwrites a human grade). Returns None when skipped."""
    score = _locked_score(answer)
    if score.source == Score.Source.PERSON:
        return None
    if score.points == answer.suggested_points and score.version > 0:
        return score  # a re-run with the same verdict changes nothing and logs nothing
    return _score_write(
        score=score,
        points=answer.suggested_points,
        actor=None,
        action=GradeEvent.Action.AUTO_CHECK,
        source=Score.Source.AUTO,
        detail={"verdict": answer.verdict, "diagnosis": answer.diagnosis_code},
    )


@transaction.atomic
def submission_recompute_total(*, submission: Submission) -> Submission:
    """Sum the submission's current scores into ``total_points`` (None until any is set)."""
    total = Score.objects.filter(answer__submission=submission, points__isnull=False).aggregate(
        total=Sum("points")
    )["total"]
    submission.total_points = None if total is None else Decimal(total).quantize(Decimal("0.01"))
    submission.save(update_fields=["total_points"])
    return submission


@transaction.atomic
def exam_publish(*, exam: Exam, actor: AbstractBaseUser) -> Exam:
    """Make grades and feedback visible to the exam's students."""
    exam.status = Exam.Status.PUBLISHED
    exam.published_at = timezone.now()
    exam.save(update_fields=["status", "published_at"])
    return exam


@transaction.atomic
def regrade_request_create(
    *, answer: Answer, student: AbstractBaseUser, message: str
) -> RegradeRequest:
    """A student asks for a part to be looked at again (one open request per part)."""
    if not message.strip():
        raise ValidationError({"message": "Say what should be looked at again."})
    if RegradeRequest.objects.filter(answer=answer, status=RegradeRequest.Status.OPEN).exists():
        raise ValidationError({"message": "A regrade request for this part is already open."})
    return RegradeRequest.objects.create(
        answer=answer, requested_by=student, message=message.strip()
    )


@transaction.atomic
def exam_delete(*, exam: Exam) -> None:
    """Delete an exam with everything under it, its grade history included.

    The audit log refuses deletion everywhere else (on PostgreSQL a trigger enforces it); this
    is the deliberate path, for an exam created by mistake or at the end of data retention.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gradebook.allow_audit_delete = 'on'")
    exam.delete()
