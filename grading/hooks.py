"""The grading app's side of ``exams.hooks``: what happens in grading when exams checks a
copy, installs a key, or shows an exam's page (``settings.GRADING_HOOKS`` names this module).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exams.hooks import ExamProgress
from exams.models import Answer, Exam, Submission
from grading import selectors, services


def submission_checked(
    *, submission: Submission, answers: Sequence[Answer], changed: Mapping[int, str] | None = None
) -> None:
    """Each answer's suggested points become its score (never over a person's grade, which is
    marked to be looked at again when its check changed), then the copy's total."""
    changed = changed or {}
    for answer in answers:
        services.score_apply_auto(answer=answer, changed=changed.get(answer.pk, ""))
    services.submission_recompute_total(submission=submission)


def key_installed(*, exam: Exam, key: Any) -> int:
    """The rubric items the key lists that the exam's parts lack."""
    return services.rubric_items_from_key(exam=exam, key=key)


def exam_progress(exam: Exam) -> ExamProgress:
    """Per part: answers, flagged, graded by a person, open regrades; and the open requests."""
    return ExamProgress(
        parts=selectors.part_progress(exam), regrades=list(selectors.open_regrade_requests(exam))
    )


def copies_to_grade(exam: Exam) -> Any:
    """The ids of the exam's copies with an answer still to grade (a subquery)."""
    return selectors.copies_to_grade(exam)
