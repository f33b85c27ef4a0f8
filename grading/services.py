"""Writes on grades: scores, rubric items, regrade requests (publication: ``grading.publishing``).

Every score change goes through :func:`score_write`, which bumps the score's version and
appends a :class:`GradeEvent` in the same transaction: there is no other path to a grade. The
event keeps what the change replaced (``detail["before"]``), the version it produced and the
id of the user action it belongs to (``detail["batch"]``), which is what
:func:`grading.undo.grade_undo` needs to take a TA's last action back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from exams.images import delete_after_commit
from exams.models import Answer, Exam, Page, Part, Submission
from gradebook.db import refuse_duplicate
from grading import notify
from grading.audit import require_audit_log_erasable
from grading.models import GradeEvent, RegradeRequest, RubricItem, Score
from grading.selectors import answers_in_groups


class StaleScoreError(Exception):
    """The score changed since the grader loaded it: someone else graded it meanwhile."""

    def __init__(self, score: Score) -> None:
        super().__init__(
            f"This answer was graded by someone else meanwhile (now {score.points} points)."
        )
        self.score = score


def _clamp(points: Decimal, max_points: Decimal) -> Decimal:
    return min(max(points, Decimal(0)), max_points)


def new_batch() -> str:
    """The id shared by every grade event of one user action (one save, one group grade)."""
    return uuid4().hex


def _snapshot(score: Score) -> dict[str, Any]:
    """What a grade event replaces, in the audit log's JSON: enough to put the score back."""
    return {
        "points": None if score.points is None else str(score.points),
        "rubric_items": sorted(item.pk for item in score.rubric_items.all()),
        "adjustment": str(score.adjustment),
        "comment": score.comment,
        "source": score.source,
        "graded_by": score.graded_by_id,
        "version": score.version,
    }


def score_write(
    *,
    score: Score,
    points: Decimal | None,
    actor: User | None,
    graded_by: User | None,
    action: str,
    source: str,
    batch: str | None,
    rubric_items: Sequence[RubricItem] | None = None,
    adjustment: Decimal | None = None,
    comment: str | None = None,
    detail: dict | None = None,
) -> Score:
    """Change a score locked by :func:`score_for_update` and append its event: the one path
    to a grade (undo uses it too). ``rubric_items``, ``adjustment`` and ``comment`` are left
    as they are when None. ``batch`` is None only for the auto-check, which is no person's
    action and cannot be undone."""
    before = _snapshot(score)
    old = score.points
    if rubric_items is not None:
        score.rubric_items.set(rubric_items)
    if adjustment is not None:
        score.adjustment = adjustment
    if comment is not None:
        score.comment = comment
    score.points = points
    score.source = source
    score.graded_by = graded_by
    score.graded_at = timezone.now()
    score.version += 1
    score.recheck = ""
    score.full_clean()
    score.save()
    detail = {**(detail or {}), "before": before, "version": score.version}
    if batch is not None:
        detail["batch"] = batch
    GradeEvent.objects.create(
        answer_id=score.answer_id,
        actor=actor,
        action=action,
        old_points=old,
        new_points=points,
        detail=detail,
    )
    return score


def score_for_update(answer: Answer) -> Score:
    """The answer's score (created when it has none), locked until the transaction ends."""
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
    actor: User,
    expected_version: int,
    points: Decimal | None = None,
    rubric_item_ids: Sequence[int] | None = None,
    adjustment: Decimal = Decimal(0),
    comment: str | None = None,
    action: str = GradeEvent.Action.GRADE,
    batch: str | None = None,
) -> Score:
    """Grade an answer by hand: explicit points, or rubric items plus an adjustment.

    ``expected_version`` is the score version the grader saw; if the score changed since,
    :class:`StaleScoreError` is raised and nothing is written. ``batch`` ties this grade to
    the others of one action (a group grade); a grade on its own gets a batch of its own.
    """
    score = score_for_update(answer)
    if score.version != expected_version:
        raise StaleScoreError(score)
    part = answer.part
    items: list[RubricItem] = []
    if rubric_item_ids is not None:
        items = list(RubricItem.objects.filter(part=part, pk__in=rubric_item_ids))
        if len(items) != len(set(rubric_item_ids)):
            raise ValidationError({"rubric_items": "A rubric item does not belong to this part."})
    if points is None:
        points = rubric_points(part_max=part.max_points, items=items, adjustment=adjustment)
    elif not Decimal(0) <= points <= part.max_points:
        raise ValidationError({"points": f"Points must be between 0 and {part.max_points}."})
    detail = {"rubric_items": [i.pk for i in items], "adjustment": str(adjustment)}
    given = rubric_item_ids is not None
    return score_write(
        score=score,
        points=points,
        actor=actor,
        graded_by=actor,
        action=action,
        source=Score.Source.PERSON,
        batch=batch or new_batch(),
        rubric_items=items if given else None,
        adjustment=adjustment if given else None,
        comment=comment,
        detail=detail,
    )


@transaction.atomic
def score_apply_auto(*, answer: Answer, changed: str = "") -> Score | None:
    """Record the auto-checker's suggested points, unless a person already graded the answer
    (a re-run of the checker never overwrites a human grade). Returns None when skipped.

    ``changed`` says how the automatic check changed since the answer's previous check (a new
    scan read differently, a new key version): a person's grade then stands, marked for a
    person to look at again (``Score.recheck``), never silently kept on another basis."""
    score = score_for_update(answer)
    if score.source == Score.Source.PERSON:
        if changed and score.recheck != changed:
            score.recheck = changed[: Score._meta.get_field("recheck").max_length or 300]
            score.save(update_fields=["recheck"])
        return None
    if score.points == answer.suggested_points and score.version > 0:
        return score  # a re-run with the same verdict changes nothing and logs nothing
    return score_write(
        score=score,
        points=answer.suggested_points,
        actor=None,
        graded_by=None,
        action=GradeEvent.Action.AUTO_CHECK,
        source=Score.Source.AUTO,
        batch=None,
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
def regrade_request_create(*, answer: Answer, student: User, message: str) -> RegradeRequest:
    """A student asks for a part to be looked at again (one open request per part)."""
    if not message.strip():
        raise ValidationError({"message": "Say what should be looked at again."})
    already = {"message": "A regrade request for this part is already open."}
    if RegradeRequest.objects.filter(answer=answer, status=RegradeRequest.Status.OPEN).exists():
        raise ValidationError(already)
    with refuse_duplicate(already):  # the same request sent twice at once
        return RegradeRequest.objects.create(
            answer=answer, requested_by=student, message=message.strip()
        )


@transaction.atomic
def regrade_request_for_part(
    *, submission: Submission, part: Part, student: User, message: str
) -> RegradeRequest:
    """A student asks for a part of their copy to be looked at when nothing was read for it
    (its page was not scanned): the part gets its (empty) answer, which the request is about
    and a grader then grades."""
    if part.exam_id != submission.exam_id:
        raise ValidationError("Not a part of this exam.")
    answer, _ = Answer.objects.get_or_create(submission=submission, part=part)
    return regrade_request_create(answer=answer, student=student, message=message)


@transaction.atomic
def exam_delete(*, exam: Exam) -> None:
    """Delete an exam with everything under it, its grade history included.

    The audit log refuses deletion everywhere else; this is the deliberate path, for an exam
    created by mistake or at the end of data retention. On PostgreSQL only the owner of the
    tables may take it (``manage.py exam_delete`` run with the owner's database URL): the
    application's own role raises :class:`~grading.audit.AuditLogSealedError` here.
    """
    require_audit_log_erasable()
    # Pages first: a placed page must keep its copy (a check constraint), so the copies can
    # only go once their pages are gone. Their files go once the deletion has committed.
    pages = Page.objects.filter(batch__exam=exam)
    delete_after_commit(pages.exclude(image="").values_list("image", flat=True))
    delete_after_commit(exam.scan_batches.exclude(file="").values_list("file", flat=True))
    pages.delete()
    exam.delete()


# --- Grading from the browser: one grade, rubric edits, groups, regrades -------------------


@transaction.atomic
def answer_grade(
    *,
    answer: Answer,
    actor: User,
    expected_version: int,
    points: Decimal | None = None,
    rubric_item_ids: Sequence[int] | None = None,
    adjustment: Decimal = Decimal(0),
    comment: str | None = None,
    action: str = GradeEvent.Action.GRADE,
) -> Score:
    """:func:`score_set`, then the copy's total: what a TA's "save" does. A grade given while
    the student's regrade request is open is logged as ``REGRADE``."""
    if (
        action == GradeEvent.Action.GRADE
        and answer.regrade_requests.filter(status=RegradeRequest.Status.OPEN).exists()
    ):
        action = GradeEvent.Action.REGRADE
    score = score_set(
        answer=answer,
        actor=actor,
        expected_version=expected_version,
        points=points,
        rubric_item_ids=rubric_item_ids,
        adjustment=adjustment,
        comment=comment,
        action=action,
    )
    submission_recompute_total(submission=answer.submission)
    return score


@transaction.atomic
def score_accept_auto(
    *, answer: Answer, actor: User, expected_version: int, batch: str | None = None
) -> Score:
    """A person confirms the auto-checker's suggestion: the suggested points become a person's
    grade (so a later re-check never changes it). Raises ``ValidationError`` when there is no
    suggestion to accept (a "needs review" answer has none). ``batch`` ties it to the other
    answers of one action (a group's suggestion accepted at once)."""
    if answer.suggested_points is None:
        raise ValidationError({"points": "The auto-check has no suggestion for this answer."})
    score = score_for_update(answer)
    if score.version != expected_version:
        raise StaleScoreError(score)
    score = score_write(
        score=score,
        points=_clamp(answer.suggested_points, answer.part.max_points),
        actor=actor,
        graded_by=actor,
        action=GradeEvent.Action.ACCEPT,
        source=Score.Source.PERSON,
        batch=batch or new_batch(),
        detail={"verdict": answer.verdict, "diagnosis": answer.diagnosis_code},
    )
    submission_recompute_total(submission=answer.submission)
    return score


_LABEL_TAKEN = "This part already has a rubric item with this label."


@transaction.atomic
def rubric_item_create(
    *,
    part: Part,
    label: str,
    points: Decimal,
    description: str = "",
    diagnosis_code: str = "",
) -> RubricItem:
    """Add a rubric item to a part, ordered after the existing ones."""
    last = part.rubric_items.order_by("-order").values_list("order", flat=True).first()
    item = RubricItem(
        part=part,
        label=label.strip(),
        points=points,
        description=description.strip(),
        diagnosis_code=diagnosis_code.strip(),
        order=0 if last is None else last + 1,
    )
    item.full_clean()
    with refuse_duplicate({"label": _LABEL_TAKEN}):  # two TAs adding it at once
        item.save()
    return item


def _rescore_users_of(
    item: RubricItem, *, actor: User | None, detail: dict, drop: bool = False
) -> int:
    """Re-score every answer whose score uses ``item`` (after its points changed, or without
    it when ``drop``), one ``RUBRIC_EDIT`` event per changed score; then the copies' totals."""
    part = item.part
    scores = list(
        Score.objects.select_for_update()
        .filter(rubric_items=item)
        .select_related("answer__submission")
        .prefetch_related("rubric_items")
        .order_by("pk")
    )
    submissions = {}
    batch = new_batch()
    for score in scores:
        items = [i for i in score.rubric_items.all() if not (drop and i.pk == item.pk)]
        new = rubric_points(part_max=part.max_points, items=items, adjustment=score.adjustment)
        if new == score.points:
            if drop:
                score.rubric_items.remove(item)
            continue
        score_write(
            score=score,
            points=new,
            actor=actor,
            graded_by=actor,
            action=GradeEvent.Action.RUBRIC_EDIT,
            source=score.source,
            batch=batch,
            rubric_items=items if drop else None,
            detail={**detail, "rubric_item": item.pk},
        )
        submissions[score.answer.submission_id] = score.answer.submission
    for submission in submissions.values():
        submission_recompute_total(submission=submission)
    return len(submissions)


@transaction.atomic
def rubric_item_update(
    *,
    item: RubricItem,
    actor: User | None,
    label: str | None = None,
    points: Decimal | None = None,
    description: str | None = None,
) -> tuple[RubricItem, int]:
    """Edit a rubric item. A change of points re-scores, retroactively, every answer that uses
    the item (each change appended to the audit log as ``RUBRIC_EDIT`` with the old and new
    points). Returns the item and the number of answers re-scored."""
    item = RubricItem.objects.select_for_update().select_related("part").get(pk=item.pk)
    old_points = item.points
    if label is not None:
        item.label = label.strip()
    if description is not None:
        item.description = description.strip()
    if points is not None:
        item.points = points
    item.full_clean()
    with refuse_duplicate({"label": _LABEL_TAKEN}):
        item.save()
    if points is None or points == old_points:
        return item, 0
    changed = Score.objects.filter(rubric_items=item).count()
    _rescore_users_of(
        item,
        actor=actor,
        detail={"item_old_points": str(old_points), "item_new_points": str(item.points)},
    )
    return item, changed


@transaction.atomic
def rubric_item_delete(*, item: RubricItem, actor: User | None) -> int:
    """Delete a rubric item; answers that used it are re-scored without it (logged as
    ``RUBRIC_EDIT``). Returns the number of answers that used it."""
    item = RubricItem.objects.select_for_update().select_related("part").get(pk=item.pk)
    used = Score.objects.filter(rubric_items=item).count()
    _rescore_users_of(item, actor=actor, detail={"deleted": item.label}, drop=True)
    item.delete()
    return used


@dataclass(frozen=True)
class GroupGradeResult:
    graded: list[Score]
    #: Answers of the group left alone because someone changed their score after the grader
    #: loaded the group (or they joined the group since); the grader should look at them.
    skipped: list[Answer]


@transaction.atomic
def group_grade(
    *,
    part: Part,
    group_key: str,
    actor: User,
    expected_versions: Mapping[int, int],
    points: Decimal | None = None,
    rubric_item_ids: Sequence[int] | None = None,
    adjustment: Decimal = Decimal(0),
    comment: str | None = None,
) -> GroupGradeResult:
    """Grade every answer of a part's answer group ``group_key`` at once (its value's group,
    as split or merged by a person: :func:`grading.selectors.answers_in_groups`).

    ``expected_versions`` maps answer id to the score version the grader saw when loading the
    group. Each answer gets one :func:`score_set` (action ``GROUP_GRADE``), all in this one
    transaction; an answer whose score changed since (graded meanwhile by someone else), or
    that was not in the group the grader saw, is skipped and reported, never overwritten.
    A bad value (points out of range, a foreign rubric item) rolls the whole group back.
    """
    answers = answers_in_groups(part, [group_key]).select_related("part", "submission")
    batch = new_batch()  # one action: undone as a whole
    return grade_each(
        answers.order_by("pk"),
        expected_versions,
        lambda answer, expected: score_set(
            answer=answer,
            actor=actor,
            expected_version=expected,
            points=points,
            rubric_item_ids=rubric_item_ids,
            adjustment=adjustment,
            comment=comment,
            action=GradeEvent.Action.GROUP_GRADE,
            batch=batch,
        ),
    )


def grade_each(
    answers: Iterable[Answer],
    expected_versions: Mapping[int, int],
    grade: Callable[[Answer, int], Score],
) -> GroupGradeResult:
    """``grade(answer, expected_version)`` for each answer, each in its own savepoint, then
    each copy's total once. An answer not in ``expected_versions`` (it joined the group after
    the grader loaded it) or whose score changed since (:class:`StaleScoreError`) is skipped
    and reported, never overwritten."""
    graded: list[Score] = []
    skipped: list[Answer] = []
    submissions: dict[int, Submission] = {}
    for answer in answers:
        expected = expected_versions.get(answer.pk)
        if expected is None:
            skipped.append(answer)
            continue
        try:
            with transaction.atomic():
                score = grade(answer, expected)
        except StaleScoreError:
            skipped.append(answer)
            continue
        graded.append(score)
        submissions[answer.submission_id] = answer.submission
    for submission in submissions.values():
        submission_recompute_total(submission=submission)
    return GroupGradeResult(graded=graded, skipped=skipped)


@transaction.atomic
def regrade_request_resolve(
    *, request: RegradeRequest, actor: User, response: str
) -> RegradeRequest:
    """Close a regrade request with the grader's answer to the student. The new grade, if
    any, is given separately (with the ``REGRADE`` action) so it is in the audit log."""
    request = RegradeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RegradeRequest.Status.OPEN:
        raise ValidationError({"response": "This regrade request is already resolved."})
    if not response.strip():
        raise ValidationError({"response": "Write a response for the student."})
    request.status = RegradeRequest.Status.RESOLVED
    request.response = response.strip()
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.full_clean()
    request.save()
    notify.notify_regrade_answered(request)
    return request


@transaction.atomic
def rubric_items_from_key(*, exam: Exam, key: Any) -> int:
    """Create the rubric items an answer key lists (``rubric:`` per part) that the exam's parts
    do not have yet, matched by label. Items edited or added in the browser are left alone.
    Returns how many were created."""
    parts = {p.part_id: p for p in exam.parts.all()}
    created = 0
    for part_key in key.parts():
        part = parts.get(part_key.id)
        if part is None:
            continue
        existing = set(part.rubric_items.values_list("label", flat=True))
        for item in part_key.rubric:
            label = item.text.strip()[:200]
            if label and label not in existing:
                rubric_item_create(part=part, label=label, points=Decimal(str(item.points)))
                existing.add(label)
                created += 1
    return created
