"""Reads of grades and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exams.models import Answer, Part, Submission
from gradebook.models import Score


@dataclass(frozen=True)
class FeedbackRow:
    part: Part
    answer: Answer | None
    score: Score | None

    @property
    def points(self) -> Decimal | None:
        return self.score.points if self.score else None


def submission_feedback_rows(submission: Submission) -> list[FeedbackRow]:
    """One row per part of the exam, in printed order, with the answer and score if any.

    Three queries whatever the number of parts.
    """
    parts = list(submission.exam.parts.select_related("question").order_by("order"))
    answers = {
        a.part_id: a
        for a in submission.answers.select_related("score").prefetch_related("score__rubric_items")
    }
    rows = []
    for part in parts:
        answer = answers.get(part.pk)
        score = getattr(answer, "score", None) if answer else None
        rows.append(FeedbackRow(part=part, answer=answer, score=score))
    return rows
