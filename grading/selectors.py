"""Reads of grades and feedback."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from exams import selectors as exam_selectors
from exams.models import (
    STAFF_ROLES,
    Answer,
    Enrollment,
    Exam,
    Page,
    Part,
    Submission,
    Transcription,
)
from grading.models import GradeEvent, RegradeRequest, RubricItem, Score


@dataclass(frozen=True)
class FeedbackRow:
    part: Part
    answer: Answer | None
    score: Score | None
    #: The page this part is answered on is scanned, and the part is not checked yet: it is
    #: being read (or waits for a person to resume the pipeline), not "not scanned".
    in_progress: bool = False
    #: The page of the part's answer region when that page of the copy was not scanned.
    missing_page: int | None = None

    @property
    def points(self) -> Decimal | None:
        return self.score.points if self.score else None


def submission_feedback_rows(submission: Submission) -> list[FeedbackRow]:
    """One row per part of the exam, in printed order, with the answer and score if any.

    Four queries whatever the number of parts.
    """
    parts = list(submission.exam.parts.select_related("question").order_by("order"))
    answers = {
        a.part_id: a
        for a in submission.answers.select_related("score").prefetch_related("score__rubric_items")
    }
    scanned = set(
        submission.pages.filter(status=Page.Status.PLACED).values_list("page_number", flat=True)
    )
    missing = set(exam_selectors.submission_missing_pages(submission))
    rows = []
    for part in parts:
        answer = answers.get(part.pk)
        score = getattr(answer, "score", None) if answer else None
        unchecked = answer is None or answer.verdict == Answer.Verdict.PENDING
        page = (part.region or {}).get("page")
        rows.append(
            FeedbackRow(
                part=part,
                answer=answer,
                score=score,
                in_progress=unchecked and page in scanned,
                missing_page=page if page in missing else None,
            )
        )
    return rows


# --- The TA review queue ------------------------------------------------------------------

#: Queue order: what a person must judge first, then open regrade requests, then the rest.
VERDICT_RANK = {
    Answer.Verdict.NEEDS_REVIEW: 0,
    Answer.Verdict.INCORRECT: 1,
    Answer.Verdict.PARTIAL: 2,
    Answer.Verdict.PENDING: 4,
    Answer.Verdict.CORRECT: 5,
    Answer.Verdict.BLANK: 6,
}
REGRADE_RANK = 3
FLAGGED = (Answer.Verdict.NEEDS_REVIEW, Answer.Verdict.INCORRECT, Answer.Verdict.PARTIAL)

#: What a person still has to do on an answer: judge a flagged one nobody graded, or look
#: again at a grade whose automatic check changed since (``Score.recheck``).
TODO = (Q(verdict__in=FLAGGED) & ~Q(score__source=Score.Source.PERSON)) | (
    Q(score__source=Score.Source.PERSON) & ~Q(score__recheck="")
)

#: Filters of the queue page: name -> (label, description).
QUEUE_FILTERS = {
    "todo": "To do: flagged or regrade, not yet graded by a person, or a grade to look at again",
    "flagged": "Flagged: needs review, incorrect, partial",
    "regrade": "Open regrade requests",
    "all": "All answers",
    **{v.value: v.label for v in Answer.Verdict},
}


def _queue_queryset(part: Part) -> QuerySet[Answer]:
    open_regrade = RegradeRequest.objects.filter(
        answer=OuterRef("pk"), status=RegradeRequest.Status.OPEN
    )
    rank = Case(
        *[When(verdict=v, then=Value(r)) for v, r in VERDICT_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        Answer.objects.filter(part=part)
        .annotate(open_regrade=Exists(open_regrade))
        .annotate(
            rank=Case(
                When(open_regrade=True, verdict__in=FLAGGED, then=rank),
                When(open_regrade=True, then=Value(REGRADE_RANK)),
                default=rank,
                output_field=IntegerField(),
            ),
        )
        .select_related("submission", "score")
        # The queue shows a line per answer: leave the large JSON fields in the database.
        .only(
            "pk",
            "verdict",
            "final_answer",
            "group_key",
            "part_id",
            "submission__copy_number",
            "score__points",
            "score__source",
            "score__recheck",
        )
        .order_by("rank", "submission__copy_number")
    )


def review_queue(part: Part, queue_filter: str = "todo") -> list[Answer]:
    """A part's answers for review, in queue order, narrowed by ``queue_filter`` (a key of
    :data:`QUEUE_FILTERS`). One query whatever the number of answers."""
    qs = _queue_queryset(part)
    if queue_filter == "todo":
        qs = qs.filter(TODO | Q(open_regrade=True))
    elif queue_filter == "flagged":
        qs = qs.filter(verdict__in=FLAGGED)
    elif queue_filter == "regrade":
        qs = qs.filter(Q(open_regrade=True))  # an annotation: the type checker cannot see it
    elif queue_filter in Answer.Verdict.values:
        qs = qs.filter(verdict=queue_filter)
    return list(qs)


def _group_of_answer() -> Case:
    """An answer's answer group: its value's (``group_key``), unless a person moved it (a
    :class:`~grading.models.GroupMove` made while the answer had the value it has now)."""
    return Case(
        When(group_move__from_key=F("group_key"), then=F("group_move__group_key")),
        default=F("group_key"),
        output_field=CharField(),
    )


def grouped_answers(part: Part) -> QuerySet[Answer]:
    """A part's answers that belong to an answer group (those with an extracted value), each
    annotated with ``group``: the key of the group it is graded with."""
    return Answer.objects.filter(part=part).exclude(group_key="").annotate(group=_group_of_answer())


def answers_in_groups(part: Part, group_keys: Sequence[str]) -> QuerySet[Answer]:
    """The answers of a part's groups ``group_keys`` (annotated as :func:`grouped_answers`)."""
    # Q() for the annotation: the type checker cannot see it as a field.
    return grouped_answers(part).filter(Q(group__in=list(group_keys)))


@dataclass(frozen=True)
class GroupMember:
    """One copy's answer in a group, as the groups page shows it."""

    answer_id: int
    copy_number: int
    points: Decimal | None
    graded_by_person: bool
    #: Put in this group by a person (split off or merged), not by its value.
    moved: bool


@dataclass(frozen=True)
class GroupSuggestion:
    """What accepting a group's suggestion gives each of its answers not yet graded by a
    person: the grade a person gave most often in the group (``kind`` "grade"), else the
    auto-check's suggested points when every such answer has the same (``kind`` "auto")."""

    kind: str
    points: Decimal
    #: How many answers of the group back it (graded so by a person, or so suggested).
    support: int
    rubric_items: tuple[int, ...] = ()
    adjustment: Decimal = Decimal(0)
    comment: str = ""

    @property
    def token(self) -> str:
        """A fingerprint of the suggestion, posted back to check it did not change since."""
        text = f"{self.kind}|{self.points}|{self.rubric_items}|{self.adjustment}|{self.comment}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def description(self) -> str:
        if self.kind == "auto":
            return f"{self.points} pts, the auto-check's suggestion"
        return f"{self.points} pts, as a person graded {self.support} of this group"


@dataclass(frozen=True)
class AnswerGroup:
    group_key: str
    count: int
    graded: int
    verdict: str
    final_answer: str
    diagnosis: str
    suggested_points: Decimal | None
    #: answer id -> score version, as loaded: what ``group_grade`` checks against.
    versions: dict[int, int]
    members: tuple[GroupMember, ...] = ()
    suggestion: GroupSuggestion | None = None

    @property
    def verdict_display(self) -> str:
        return Answer.Verdict(self.verdict).label if self.verdict in Answer.Verdict.values else ""

    @property
    def versions_field(self) -> str:
        return ",".join(f"{a}:{v}" for a, v in sorted(self.versions.items()))

    @property
    def todo(self) -> int:
        return self.count - self.graded

    @property
    def moved(self) -> int:
        return sum(1 for m in self.members if m.moved)

    @property
    def todo_versions_field(self) -> str:
        """The versions of the answers accepting the suggestion would grade."""
        todo = {m.answer_id for m in self.members if not m.graded_by_person}
        return ",".join(f"{a}:{v}" for a, v in sorted(self.versions.items()) if a in todo)


_GROUP_ROW = (
    "pk",
    "group",
    "group_key",
    "verdict",
    "final_answer",
    "diagnosis",
    "suggested_points",
    "submission__copy_number",
    "score__version",
    "score__source",
    "score__points",
    "score__adjustment",
    "score__comment",
)


def _suggestion(rows: list[dict], items: dict[int, tuple[int, ...]]) -> GroupSuggestion | None:
    """The group's suggestion (:class:`GroupSuggestion`) from its members' rows."""
    person = [r for r in rows if r["score__source"] == Score.Source.PERSON]
    grades = Counter(
        (r["score__points"], items.get(r["pk"], ()), r["score__adjustment"], r["score__comment"])
        for r in person
        if r["score__points"] is not None
    )
    if grades:
        (points, rubric, adjustment, comment), n = grades.most_common(1)[0]
        return GroupSuggestion("grade", points, n, rubric, adjustment or Decimal(0), comment)
    suggested = {r["suggested_points"] for r in rows}
    if len(suggested) == 1 and None not in suggested:
        return GroupSuggestion("auto", suggested.pop(), len(rows))
    return None


def _group(key: str, rows: list[dict], items: dict[int, tuple[int, ...]]) -> AnswerGroup:
    # The group shows the value of an answer that is in it by its value, if any.
    shown = next((r for r in rows if r["group_key"] == key), rows[0])
    return AnswerGroup(
        group_key=key,
        count=len(rows),
        graded=sum(1 for r in rows if r["score__source"] == Score.Source.PERSON),
        verdict=shown["verdict"],
        final_answer=shown["final_answer"],
        diagnosis=shown["diagnosis"],
        suggested_points=shown["suggested_points"],
        versions={r["pk"]: r["score__version"] or 0 for r in rows},
        members=tuple(
            GroupMember(
                answer_id=r["pk"],
                copy_number=r["submission__copy_number"],
                points=r["score__points"],
                graded_by_person=r["score__source"] == Score.Source.PERSON,
                moved=r["group"] != r["group_key"],
            )
            for r in rows
        ),
        suggestion=_suggestion(rows, items),
    )


def _groups(part: Part, answers: QuerySet[Answer]) -> list[AnswerGroup]:
    """The groups of ``answers`` (a :func:`grouped_answers` queryset), largest first. Two
    queries whatever the number of answers."""
    by_key: dict[str, list[dict]] = {}
    for row in answers.values(*_GROUP_ROW).order_by("submission__copy_number", "pk"):
        by_key.setdefault(row["group"], []).append(row)
    items: dict[int, list[int]] = {}
    through = Score.rubric_items.through.objects.filter(
        score__answer__part=part, score__source=Score.Source.PERSON
    ).exclude(score__answer__group_key="")
    for answer_id, item_id in through.values_list("score__answer_id", "rubricitem_id"):
        items.setdefault(answer_id, []).append(item_id)
    applied = {a: tuple(sorted(ids)) for a, ids in items.items()}
    groups = [_group(key, rows, applied) for key, rows in by_key.items()]
    groups.sort(key=lambda g: (-g.count, g.group_key))
    return groups


def answer_groups(part: Part) -> list[AnswerGroup]:
    """A part's answers grouped by their answer group (equal extracted answers, as split or
    merged by a person), largest group first, each with its members and its suggestion. Two
    queries whatever the number of answers."""
    return _groups(part, grouped_answers(part))


def answer_group(part: Part, group_key: str) -> AnswerGroup | None:
    """One group of a part as it is now (None when no answer is in it)."""
    found = _groups(part, answers_in_groups(part, [group_key]))
    return found[0] if found else None


def group_key_of(answer: Answer) -> str:
    """The key of the group the answer is graded with ("" for an answer with no value)."""
    if not answer.group_key:
        return ""
    row = Answer.objects.filter(pk=answer.pk).values_list(_group_of_answer(), flat=True)
    return str(row.first() or "")


def group_of(answer: Answer) -> AnswerGroup | None:
    """The group the answer belongs to (None for an answer with no extracted value)."""
    key = group_key_of(answer)
    return answer_group(answer.part, key) if key else None


def answer_for_review(answer_id: int, part: Part) -> Answer | None:
    """One answer of the part with everything the review panel shows, in a fixed number of
    queries: score with its rubric items, the copy and student, open regrade requests, the
    history of grade events and of transcriptions."""
    return (
        Answer.objects.filter(pk=answer_id, part=part)
        .select_related("submission__student__user", "score__graded_by", "part")
        .prefetch_related(
            "score__rubric_items",
            Prefetch(
                "regrade_requests",
                queryset=RegradeRequest.objects.select_related("requested_by", "resolved_by"),
            ),
            Prefetch(
                "grade_events",
                queryset=GradeEvent.objects.select_related("actor").order_by("-created_at", "-id"),
            ),
            Prefetch(
                "transcriptions",
                queryset=Transcription.objects.select_related("created_by").order_by(
                    "-created_at", "-id"
                ),
            ),
        )
        .first()
    )


def score_version(answer: Answer) -> int:
    """The version of the answer's score the grader is looking at (0 before any score)."""
    score = getattr(answer, "score", None)
    return score.version if score is not None else 0


def open_regrade_requests(exam: Exam) -> QuerySet[RegradeRequest]:
    return RegradeRequest.objects.filter(
        answer__part__exam=exam, status=RegradeRequest.Status.OPEN
    ).select_related("answer__part", "answer__submission__student__user")


def part_progress(exam: Exam) -> dict[int, dict[str, int]]:
    """Per part: answers, flagged, graded by a person, open regrades. One query."""
    rows = (
        Answer.objects.filter(part__exam=exam)
        .values("part_id")
        .annotate(
            total=Count("pk"),
            flagged=Count("pk", filter=Q(verdict__in=FLAGGED)),
            by_person=Count("pk", filter=Q(score__source=Score.Source.PERSON)),
            todo=Count("pk", filter=TODO),
        )
    )
    out = {r["part_id"]: r for r in rows}
    for part_id, n in (
        RegradeRequest.objects.filter(answer__part__exam=exam, status=RegradeRequest.Status.OPEN)
        .values_list("answer__part_id")
        .annotate(n=Count("pk"))
    ):
        out.setdefault(part_id, {"total": 0, "flagged": 0, "by_person": 0, "todo": 0})
        out[part_id]["regrades"] = n
    return out


def copies_to_grade(exam: Exam) -> QuerySet[Answer, Any]:
    """``submission_id`` of the exam's copies with an answer still to grade: flagged and not
    graded by a person (the review queue's "to do"), or with an open regrade request."""
    open_regrade = RegradeRequest.objects.filter(
        answer=OuterRef("pk"), status=RegradeRequest.Status.OPEN
    )
    todo = (Q(verdict__in=FLAGGED) & ~Q(score__source=Score.Source.PERSON)) | Q(
        Exists(open_regrade)
    )
    return Answer.objects.filter(part__exam=exam).filter(todo).values("submission_id")


def student_feedback_requests(submission: Submission) -> dict[int, list[RegradeRequest]]:
    """The copy's regrade requests by answer id, newest first."""
    out: dict[int, list[RegradeRequest]] = {}
    for r in RegradeRequest.objects.filter(answer__submission=submission).order_by("-created_at"):
        out.setdefault(r.answer_id, []).append(r)
    return out


def rubric_items_with_use(part: Part) -> QuerySet[RubricItem]:
    """A part's rubric items with how many scores use each. One query."""
    return part.rubric_items.annotate(uses=Count("scores")).order_by("order", "pk")


def get_regrade_request(request_id: int) -> RegradeRequest | None:
    """A regrade request with its answer; the caller checks access on the answer."""
    return RegradeRequest.objects.select_related("answer").filter(pk=request_id).first()


def get_rubric_item(item_id: int) -> RubricItem | None:
    """A rubric item; the caller checks access on its part."""
    return RubricItem.objects.filter(pk=item_id).first()


def percent_box(box: Sequence[float]) -> dict[str, float]:
    """A page-normalised (x0, y0, x1, y1) box as CSS percentages of the page image."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return {
        "left": round(100 * x0, 2),
        "top": round(100 * y0, 2),
        "width": round(100 * (x1 - x0), 2),
        "height": round(100 * (y1 - y0), 2),
    }


def page_regions(rows: Sequence[FeedbackRow]) -> dict[int, list[tuple[FeedbackRow, dict]]]:
    """Page number -> the answered parts drawn on it, with their box as CSS percentages."""
    out: dict[int, list[tuple[FeedbackRow, dict]]] = {}
    for row in rows:
        box = row.part.region.get("box")
        if row.answer is not None and box and len(box) == 4:
            out.setdefault(row.part.region.get("page"), []).append((row, percent_box(box)))
    return out


#: Verdicts whose auto-check points a person has still to confirm.
PROVISIONAL_VERDICTS = (
    Answer.Verdict.PENDING,
    Answer.Verdict.NEEDS_REVIEW,
    Answer.Verdict.INCORRECT,
    Answer.Verdict.PARTIAL,
)


@dataclass(frozen=True)
class CopyGaps:
    """Why a copy's total is not final: parts with no points, parts whose points are the
    auto-check's still waiting for a person, pages of the copy never scanned."""

    ungraded: list[Part]
    provisional: list[Part]
    missing_pages: list[int]

    @property
    def final(self) -> bool:
        return not (self.ungraded or self.provisional or self.missing_pages)


def copy_gaps(
    rows: Sequence[FeedbackRow], page_numbers: Sequence[int | None], pages_per_copy: int
) -> CopyGaps:
    """What is unfinished in one copy, from its feedback rows and its placed pages' numbers."""
    ungraded, provisional = [], []
    for row in rows:
        if row.answer is None or row.points is None:
            ungraded.append(row.part)
        elif row.answer.verdict in PROVISIONAL_VERDICTS and (
            row.score is None or row.score.source != Score.Source.PERSON
        ):
            provisional.append(row.part)
    placed = {n for n in page_numbers if n}
    missing = sorted(set(range(1, pages_per_copy + 1)) - placed) if placed else []
    return CopyGaps(ungraded=ungraded, provisional=provisional, missing_pages=missing)


def sat_submissions(exam: Exam) -> QuerySet[Submission]:
    """The exam's copies someone wrote: a page of theirs was scanned and placed, or answers
    were read or imported for them. A rostered student with none of these was absent."""
    return exam.submissions.filter(
        Q(pages__status=Page.Status.PLACED) | Q(answers__isnull=False)
    ).distinct()


def rubric_import_sources(user: User, part: Part) -> list[Part]:
    """The parts whose rubric items ``user`` may import into ``part``: every other part with
    rubric items in the exams of the courses the user staffs (this exam's first, then by
    course and exam, newest exam first). One query."""
    staffed = Enrollment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).values("course_id")
    parts = (
        Part.objects.filter(exam__course_id__in=staffed)
        .exclude(pk=part.pk)
        .annotate(items=Count("rubric_items"))
        .filter(items__gt=0)
        .select_related("exam__course")
        .order_by("exam__course__code", "-exam__created_at", "exam_id", "order")
    )
    return sorted(parts, key=lambda p: p.exam_id != part.exam_id)


def rubric_items_of(part: Part) -> list[RubricItem]:
    """A part's rubric items in their order."""
    return list(part.rubric_items.order_by("order", "pk"))
