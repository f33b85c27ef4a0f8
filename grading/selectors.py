"""Reads of grades and feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from exams import selectors as exam_selectors
from exams.models import Answer, Exam, Page, Part, Submission, Transcription
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

    @property
    def verdict_display(self) -> str:
        return Answer.Verdict(self.verdict).label if self.verdict in Answer.Verdict.values else ""

    @property
    def versions_field(self) -> str:
        return ",".join(f"{a}:{v}" for a, v in sorted(self.versions.items()))


def answer_groups(part: Part, *, min_count: int = 1) -> list[AnswerGroup]:
    """A part's answers grouped by ``group_key`` (equal extracted answers), largest group
    first. Two queries whatever the number of answers."""
    rows = (
        Answer.objects.filter(part=part)
        .exclude(group_key="")
        .values_list(
            "pk",
            "group_key",
            "verdict",
            "final_answer",
            "diagnosis",
            "suggested_points",
            "score__version",
            "score__source",
        )
        .order_by("group_key", "pk")
    )
    by_key: dict[str, list[tuple]] = {}
    for row in rows:
        by_key.setdefault(row[1], []).append(row)
    groups = []
    for key, members in by_key.items():
        if len(members) < min_count:
            continue
        first = members[0]
        groups.append(
            AnswerGroup(
                group_key=key,
                count=len(members),
                graded=sum(1 for m in members if m[7] == Score.Source.PERSON),
                verdict=first[2],
                final_answer=first[3],
                diagnosis=first[4],
                suggested_points=first[5],
                versions={m[0]: m[6] or 0 for m in members},
            )
        )
    groups.sort(key=lambda g: (-g.count, g.group_key))
    return groups


def group_of(answer: Answer) -> AnswerGroup | None:
    """The group the answer belongs to (None for an answer with no extracted value)."""
    if not answer.group_key:
        return None
    rows = list(
        Answer.objects.filter(part_id=answer.part_id, group_key=answer.group_key).values_list(
            "pk", "score__version", "score__source"
        )
    )
    return AnswerGroup(
        group_key=answer.group_key,
        count=len(rows),
        graded=sum(1 for r in rows if r[2] == Score.Source.PERSON),
        verdict=answer.verdict,
        final_answer=answer.final_answer,
        diagnosis=answer.diagnosis,
        suggested_points=answer.suggested_points,
        versions={pk: v or 0 for pk, v, _ in rows},
    )


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
