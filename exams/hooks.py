"""What exams asks of the grading app, without importing it.

Grading depends on exams, never the reverse (``exams/ruff.toml`` bans the import). Three
moments of exams have a consequence in grading, and this protocol is the whole contract:

- a copy was checked: each answer's suggested points become its score unless a person graded
  it (a person's grade whose automatic check changed is marked to be looked at again), and
  the copy's total follows, in the checking's transaction (``exams.pipeline.checking``);
- an answer key was installed: the rubric items it lists are created
  (``exams.services.keys``);
- the exam page shows each part's grading progress and the open regrade requests, and
  filters its copies by whether a person must still grade some of their answers.

``settings.GRADING_HOOKS`` names the module that implements it (``grading.hooks``): the
project's settings are the one place where the two apps meet.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.conf import settings

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from autocheck.keys import ExamKey
    from exams.models import Answer, Exam, Submission


@dataclass(frozen=True)
class ExamProgress:
    """The grading side of the exam page."""

    #: Part pk -> counts: ``total``, ``flagged``, ``by_person``, ``todo``, ``regrades``.
    parts: dict[int, dict[str, int]] = field(default_factory=dict)
    #: The open regrade requests, oldest first.
    regrades: list[Any] = field(default_factory=list)


class GradingHooks(Protocol):
    def submission_checked(
        self,
        *,
        submission: Submission,
        answers: Sequence[Answer],
        changed: Mapping[int, str] | None = None,
    ) -> None:
        """The auto-checker stored these answers' verdicts: score them. ``changed`` maps the
        answers whose automatic check changed since their previous one to how it changed: a
        person's grade on them stands and is marked to be looked at again."""

    def key_installed(self, *, exam: Exam, key: ExamKey) -> int:
        """A new key version was stored: create its rubric items; returns how many."""

    def exam_progress(self, exam: Exam) -> ExamProgress:
        """Grading progress per part and the open regrade requests of an exam."""

    def copies_to_grade(self, exam: Exam) -> QuerySet[Any]:
        """The ids of the exam's copies with an answer a person must still grade, as a
        subquery (``values("submission_id")``)."""


def grading() -> GradingHooks:
    """The grading app's implementation (``settings.GRADING_HOOKS``, a module)."""
    return cast("GradingHooks", importlib.import_module(settings.GRADING_HOOKS))
