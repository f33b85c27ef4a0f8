"""Reads for the instructor's statistics page: score histograms per exam and per question,
the most common wrong answers of each part, and how often TAs agreed with the auto-check.

Every function runs a fixed number of queries whatever the number of students (aggregation
happens in the database or over one flat list of values). Bars of the histograms are laid out
here, in SVG user units, so the template only draws them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, F, Max, Q, Sum
from django.db.models.functions import Abs

from exams.models import Answer, Exam, Part
from grading.models import RubricItem, Score

#: Size of a histogram's drawing area in SVG units (the template scales it to the page).
WIDTH, HEIGHT, BINS = 320, 120, 10
WRONG = (Answer.Verdict.INCORRECT, Answer.Verdict.PARTIAL, Answer.Verdict.NEEDS_REVIEW)


@dataclass(frozen=True)
class Bar:
    lo: Decimal
    hi: Decimal
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    title: str
    max_points: Decimal
    n: int
    mean: float | None
    median: float | None
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bars), default=0)


def histogram(
    title: str, values: Iterable[Decimal | None], max_points: Decimal, bins: int = BINS
) -> Histogram:
    """Counts of ``values`` in ``bins`` equal bins over [0, max_points] (the last bin closed)."""
    vals = sorted(Decimal(v) for v in values if v is not None)
    top = max(Decimal(max_points), Decimal(1))
    bins = max(1, min(bins, math.ceil(top))) if top < bins else bins
    step = top / bins
    counts = [0] * bins
    for v in vals:
        counts[min(bins - 1, max(0, int(v / step)))] += 1
    peak = max(counts) or 1
    bar_w = WIDTH / bins
    bars = []
    for i, c in enumerate(counts):
        h = HEIGHT * c / peak
        bars.append(
            Bar(
                lo=(step * i).quantize(Decimal("0.01")),
                hi=(step * (i + 1)).quantize(Decimal("0.01")),
                count=c,
                x=round(i * bar_w + 1, 2),
                y=round(HEIGHT - h, 2),
                width=round(bar_w - 2, 2),
                height=round(h, 2),
            )
        )
    n = len(vals)
    mean = float(sum(vals) / n) if n else None
    median = None
    if n:
        mid = n // 2
        median = float(vals[mid] if n % 2 else (vals[mid - 1] + vals[mid]) / 2)
    return Histogram(title, Decimal(max_points), n, mean, median, bars)


def exam_histogram(exam: Exam) -> Histogram:
    """Totals of the exam's graded copies. Two queries."""
    max_points = exam.parts.aggregate(m=Sum("max_points"))["m"] or Decimal(0)
    totals = exam.submissions.filter(total_points__isnull=False).values_list(
        "total_points", flat=True
    )
    return histogram(f"{exam.title}: total", totals, max_points)


def question_histograms(exam: Exam) -> list[Histogram]:
    """One histogram per question of the copies' points on it. Two queries."""
    questions = list(exam.questions.annotate(part_max=Sum("parts__max_points")).order_by("order"))
    per: dict[int, list[Decimal | None]] = {q.pk: [] for q in questions}
    for question_id, points in (
        Score.objects.filter(answer__part__exam=exam, points__isnull=False)
        .values("answer__submission_id", "answer__part__question_id")
        .annotate(points=Sum("points"))
        .values_list("answer__part__question_id", "points")
    ):
        per.setdefault(question_id, []).append(points)
    return [
        histogram(
            f"Question {q.number}" + (f": {q.title}" if q.title else ""),
            per.get(q.pk, []),
            q.part_max or q.max_points,
        )
        for q in questions
    ]


@dataclass(frozen=True)
class WrongAnswer:
    final_answer: str
    group_key: str
    count: int
    diagnosis: str
    share: float


@dataclass(frozen=True)
class PartStats:
    part: Part
    answers: int
    wrong: list[WrongAnswer]
    #: Answers graded by a person that had an auto-check suggestion.
    compared: int
    agreed: int
    mean_abs_diff: float | None

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


def part_stats(exam: Exam, *, top: int = 5) -> list[PartStats]:
    """Per part: the most common wrong answers (grouped by ``Answer.group_key``) with their
    diagnosis, and the auto-check's agreement with TAs (``Answer.suggested_points`` against
    ``Score.points`` where a person graded). Four queries."""
    parts = list(exam.parts.select_related("question").order_by("order"))
    totals = dict(
        Answer.objects.filter(part__exam=exam)
        .values("part_id")
        .annotate(n=Count("pk"))
        .values_list("part_id", "n")
    )
    wrong: dict[int, list[WrongAnswer]] = {}
    for row in (
        Answer.objects.filter(part__exam=exam, verdict__in=WRONG)
        .exclude(group_key="")
        .values("part_id", "group_key")
        .annotate(n=Count("pk"), diagnosis=Max("diagnosis"), final=Max("final_answer"))
        .order_by("part_id", "-n", "group_key")
    ):
        bucket = wrong.setdefault(row["part_id"], [])
        if len(bucket) < top:
            total = totals.get(row["part_id"]) or 1
            bucket.append(
                WrongAnswer(
                    row["final"], row["group_key"], row["n"], row["diagnosis"], row["n"] / total
                )
            )
    agreement = {
        row["part_id"]: row
        for row in Answer.objects.filter(
            part__exam=exam,
            score__source=Score.Source.PERSON,
            suggested_points__isnull=False,
            score__points__isnull=False,
        )
        .values("part_id")
        .annotate(
            compared=Count("pk"),
            agreed=Count("pk", filter=Q(score__points=F("suggested_points"))),
            mad=Avg(Abs(F("score__points") - F("suggested_points"))),
        )
    }
    out = []
    for part in parts:
        a = agreement.get(part.pk, {})
        out.append(
            PartStats(
                part=part,
                answers=totals.get(part.pk, 0),
                wrong=wrong.get(part.pk, []),
                compared=a.get("compared", 0),
                agreed=a.get("agreed", 0),
                mean_abs_diff=None if a.get("mad") is None else float(a["mad"]),
            )
        )
    return out


def overall_agreement(stats: list[PartStats]) -> tuple[int, int]:
    """(agreed, compared) over all parts."""
    return sum(s.agreed for s in stats), sum(s.compared for s in stats)


@dataclass(frozen=True)
class Usage:
    """How often something was used (a rubric item, a grader), with its share of a whole."""

    label: str
    count: int
    share: float

    @property
    def percent(self) -> int:
        return round(100 * self.share)


@dataclass(frozen=True)
class PartScores:
    """One part's score distribution: histogram, mean, full marks, and rubric-item usage."""

    part: Part
    histogram: Histogram
    full_marks: int
    rubric: list[Usage]

    @property
    def graded(self) -> int:
        return self.histogram.n

    @property
    def full_share(self) -> float | None:
        return self.full_marks / self.graded if self.graded else None

    @property
    def full_percent(self) -> int | None:
        return None if self.full_share is None else round(100 * self.full_share)


def part_scores(exam: Exam) -> list[PartScores]:
    """Per part, in printed order: the histogram of its answers' points, how many got full
    marks, and how often each rubric item was applied (share of the part's scored answers).
    Three queries."""
    parts = list(exam.parts.order_by("order"))
    points: dict[int, list[Decimal]] = {p.pk: [] for p in parts}
    for part_id, value in Score.objects.filter(
        answer__part__exam=exam, points__isnull=False
    ).values_list("answer__part_id", "points"):
        if value is not None:  # always: the filter says so, the type checker cannot see it
            points.setdefault(part_id, []).append(value)
    usage: dict[int, list[tuple[str, int]]] = {}
    for part_id, label, item_points, uses in (
        RubricItem.objects.filter(part__exam=exam)
        .annotate(uses=Count("scores"))
        .order_by("part_id", "order", "pk")
        .values_list("part_id", "label", "points", "uses")
    ):
        usage.setdefault(part_id, []).append((f"{label} ({item_points:+})", uses))
    out = []
    for part in parts:
        values = points.get(part.pk, [])
        n = len(values)
        out.append(
            PartScores(
                part=part,
                histogram=histogram(
                    f"{part.part_id} {part.label}".strip(), values, part.max_points
                ),
                full_marks=sum(1 for v in values if v >= part.max_points),
                rubric=[
                    Usage(label, uses, uses / n if n else 0.0)
                    for label, uses in usage.get(part.pk, [])
                ],
            )
        )
    return out


@dataclass(frozen=True)
class GradingProgress:
    """How far the people have come: answers graded by a person, what is left, and who
    graded how many."""

    by_person: int
    left: int
    graders: list[Usage]

    @property
    def percent(self) -> int:
        total = self.by_person + self.left
        return round(100 * self.by_person / total) if total else 100


def grading_progress(exam: Exam, left: int) -> GradingProgress:
    """Answers graded by a person, per grader (most first); ``left`` is the number of answers
    a person still has to grade (``grading.publishing.ungraded_answers``). One query."""
    rows = list(
        Score.objects.filter(answer__part__exam=exam, source=Score.Source.PERSON)
        .values("graded_by__username", "graded_by__first_name", "graded_by__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "graded_by__username")
    )
    total = sum(r["n"] for r in rows)
    graders = [
        Usage(
            " ".join(filter(None, (r["graded_by__first_name"], r["graded_by__last_name"])))
            or r["graded_by__username"]
            or "(deleted user)",
            r["n"],
            r["n"] / total if total else 0.0,
        )
        for r in rows
    ]
    return GradingProgress(by_person=total, left=left, graders=graders)
