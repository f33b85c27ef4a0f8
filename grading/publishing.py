"""Publishing an exam's grades, and taking them back.

Before publishing, :func:`publish_readiness` lists what is unfinished: answers a person still
has to grade, copies with pages missing, scanned copies without a student, open regrade
requests, scanned pages not placed, and pages the pipeline is still placing, reading or
checking. :func:`exam_publish` refuses an exam with unfinished work
unless the caller confirms the very count it was shown, so half-graded grades never reach
students by a click made before the last upload. Both directions are written to the exam's
audit log (:class:`~grading.models.ExamEvent`), and publication emails the students.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from exams.models import Answer, Exam, Page, Part, Submission
from exams.services.attention import attention_summary
from grading import notify
from grading.models import ExamEvent, RegradeRequest, Score
from grading.selectors import sat_submissions

#: Verdicts a person must still look at unless a person graded the answer.
UNGRADED_VERDICTS = (
    Answer.Verdict.PENDING,
    Answer.Verdict.NEEDS_REVIEW,
    Answer.Verdict.INCORRECT,
    Answer.Verdict.PARTIAL,
)


def ungraded_answers(exam: Exam):
    """Answers a person still has to grade: flagged or not checked, and not graded by a
    person; or with no points at all."""
    by_person = Q(score__source=Score.Source.PERSON)
    no_points = Q(score__isnull=True) | Q(score__points__isnull=True)
    return Answer.objects.filter(part__exam=exam).filter(
        (Q(verdict__in=UNGRADED_VERDICTS) & ~by_person) | no_points
    )


@dataclass(frozen=True)
class Readiness:
    """What is unfinished in an exam, as shown to the instructor before publishing."""

    todo_by_part: list[tuple[Part, int]]
    missing_pages: dict[int, list[int]]
    unidentified: list[Submission]
    open_regrades: int
    unplaced_pages: int
    #: Scanned pages the pipeline has not finished with (not placed, read or checked yet):
    #: their answers are not there yet.
    processing: int = 0
    #: Scanned copies and roster students without one: shown, not unfinished (absent).
    scanned_copies: int = 0
    absent: int = 0

    @property
    def answers_to_do(self) -> int:
        return sum(n for _, n in self.todo_by_part)

    @property
    def unfinished(self) -> int:
        """How many unfinished items: what the instructor confirms."""
        return (
            self.answers_to_do
            + len(self.missing_pages)
            + len(self.unidentified)
            + self.open_regrades
            + self.unplaced_pages
            + self.processing
        )

    @property
    def complete(self) -> bool:
        return self.unfinished == 0

    def as_detail(self) -> dict[str, int]:
        """The counts, as the audit log keeps what the instructor confirmed."""
        return {
            "answers_to_do": self.answers_to_do,
            "copies_missing_pages": len(self.missing_pages),
            "unidentified_copies": len(self.unidentified),
            "open_regrades": self.open_regrades,
            "unplaced_pages": self.unplaced_pages,
            "pages_processing": self.processing,
        }


def publish_readiness(exam: Exam) -> Readiness:
    """What is unfinished in ``exam``. A fixed number of queries whatever its size."""
    counts = dict(
        ungraded_answers(exam).values("part_id").annotate(n=Count("pk")).values_list("part_id", "n")
    )
    parts = exam.parts.order_by("order")
    summary = attention_summary(exam)
    sat = sat_submissions(exam)
    scanned = sat.count()
    rostered_with_copy = sat.filter(student__isnull=False).count()
    rostered = exam.course.enrollments.filter(role="student").count()
    return Readiness(
        todo_by_part=[(p, counts[p.pk]) for p in parts if counts.get(p.pk)],
        missing_pages=summary.missing,
        unidentified=summary.unidentified,
        open_regrades=RegradeRequest.objects.filter(
            answer__part__exam=exam, status=RegradeRequest.Status.OPEN
        ).count(),
        unplaced_pages=len(summary.pages),
        processing=summary.to_place
        + Page.objects.filter(batch__exam=exam, status=Page.Status.PLACED)
        .exclude(stage=Page.Stage.CHECKED)
        .count(),
        scanned_copies=scanned,
        absent=max(0, rostered - rostered_with_copy),
    )


class PublishUnconfirmedError(Exception):
    """The exam has unfinished work that the caller did not confirm (or it changed since)."""

    def __init__(self, readiness: Readiness) -> None:
        super().__init__(
            f"{readiness.unfinished} unfinished item(s): confirm them to publish anyway."
        )
        self.readiness = readiness


@transaction.atomic
def exam_publish(*, exam: Exam, actor: User | None, confirmed_unfinished: int = 0) -> Exam:
    """Make grades and feedback visible to the exam's students, and email them.

    ``confirmed_unfinished`` is the number of unfinished items the instructor was shown and
    confirmed (:attr:`Readiness.unfinished`); when the exam has unfinished work and the number
    differs (more was found since the page was loaded), :class:`PublishUnconfirmedError` is
    raised and nothing changes. Publishing a published exam changes nothing.
    """
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.is_published:
        return exam
    readiness = publish_readiness(exam)
    if not readiness.complete and confirmed_unfinished != readiness.unfinished:
        raise PublishUnconfirmedError(readiness)
    exam.status = Exam.Status.PUBLISHED
    exam.published_at = timezone.now()
    exam.save(update_fields=["status", "published_at"])
    notified = notify.notify_published(exam)
    ExamEvent.objects.create(
        exam=exam,
        actor=actor,
        action=ExamEvent.Action.PUBLISH,
        detail={"unfinished": readiness.as_detail(), "notified": len(notified)},
    )
    return exam


@transaction.atomic
def exam_unpublish(*, exam: Exam, actor: User | None, reason: str = "") -> Exam:
    """Hide the grades from the students again (back to grading), logged with its reason.
    Unpublishing an exam that is not published changes nothing."""
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if not exam.is_published:
        return exam
    detail = {"published_at": exam.published_at.isoformat() if exam.published_at else None}
    if reason.strip():
        detail["reason"] = reason.strip()
    exam.status = Exam.Status.GRADING
    exam.published_at = None
    exam.save(update_fields=["status", "published_at"])
    ExamEvent.objects.create(
        exam=exam, actor=actor, action=ExamEvent.Action.UNPUBLISH, detail=detail
    )
    return exam


@transaction.atomic
def exam_anonymous_set(*, exam: Exam, actor: User | None, anonymous: bool) -> Exam:
    """Switch anonymous grading (students' names hidden from TAs until publication) on or
    off, logged in the exam's audit log. Setting what is already set changes nothing."""
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.anonymous_grading == anonymous:
        return exam
    exam.anonymous_grading = anonymous
    exam.save(update_fields=["anonymous_grading"])
    action = ExamEvent.Action.ANONYMOUS_ON if anonymous else ExamEvent.Action.ANONYMOUS_OFF
    ExamEvent.objects.create(exam=exam, actor=actor, action=action)
    return exam


def exam_history(exam: Exam, *, limit: int = 20) -> list[ExamEvent]:
    """The exam's audit log, newest first: who published, unpublished, switched anonymous
    grading, when, and why. One query."""
    return list(exam.events.select_related("actor").order_by("-created_at", "-id")[:limit])
