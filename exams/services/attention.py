"""The exam's "needs attention" list: pages the pipeline could not place, pages scanned twice,
copies with pages missing, copies not matched to a student. The pages are settled by hand
through ``exams.services.pages`` (placed, discarded, undone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from exams import selectors
from exams.models import Enrollment, Exam, Page, Role, ScanBatch, Submission, Transcription
from exams.pipeline import steps
from exams.services.pages import qr_exam_code

SPLITTING = (ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING)


def attention_pages(exam: Exam) -> list[Page]:
    """Pages of the exam's batches waiting for a person, oldest batch first; each with
    ``other_exam``, the code of another exam its QR code names (or None), for the warning."""
    pages = list(
        Page.objects.filter(batch__exam=exam, status=Page.Status.NEEDS_ATTENTION)
        .select_related("batch", "submission")
        .order_by("batch__created_at", "index_in_batch")
    )
    for page in pages:
        code = qr_exam_code(page)
        setattr(page, "other_exam", code if code not in (None, exam.qr_code) else None)  # noqa: B010
    return pages


def unidentified_submissions(exam: Exam) -> list[Submission]:
    """Copies with at least one scanned page but no student yet."""
    return list(
        exam.submissions.filter(student__isnull=True, pages__status=Page.Status.PLACED)
        .distinct()
        .order_by("copy_number")
    )


def prefetch_identification(copies: Sequence[Submission]) -> None:
    """Fetch, in two queries whatever their number, what the attention page shows of each
    copy to identify: its placed pages (``placed_pages``, in page order) and its
    transcriptions (``recent_transcriptions``, newest first, read by
    :func:`identify_suggestions`)."""
    prefetch_related_objects(
        list(copies),
        Prefetch(
            "pages",
            queryset=Page.objects.filter(status=Page.Status.PLACED).order_by("page_number"),
            to_attr="placed_pages",
        ),
        Prefetch(
            "transcriptions",
            queryset=Transcription.objects.order_by("-created_at", "-pk").only(
                "submission_id", "text", "created_at"
            ),
            to_attr="recent_transcriptions",
        ),
    )


def _unmatched(exam: Exam) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(course_id=exam.course_id, role=Role.STUDENT).exclude(
        submissions__exam=exam
    )


def unmatched_students(exam: Exam) -> list[Enrollment]:
    """Students of the course without a copy of this exam: the candidates for a match."""
    return list(
        _unmatched(exam).select_related("user").order_by("user__last_name", "user__first_name")
    )


def unmatched_student_count(exam: Exam) -> int:
    """How many students of the course have no copy of this exam (one COUNT query)."""
    return _unmatched(exam).count()


_DIGITS = re.compile(r"\d{4,}")


def identify_suggestions(
    submission: Submission, students: Sequence[Enrollment], *, limit: int = 5
) -> list[Enrollment]:
    """Students to propose for an unidentified copy: those whose student number appears in
    the copy's transcribed text first (a cover page with the number written on it), then the
    rest in roster order."""
    recent = getattr(submission, "recent_transcriptions", None)
    if recent is None:
        recent = list(submission.transcriptions.order_by("-created_at", "-pk")[:3])
    texts = " ".join(t.text for t in recent[:3])
    numbers = set(_DIGITS.findall(texts))
    hits = [s for s in students if s.student_number and s.student_number in numbers]
    rest = [s for s in students if s not in hits]
    return (hits + rest)[:limit]


#: Pages of a group shown one by one (with their thumbnails and place forms); the rest of a
#: large group (a stack of blank sheets, another exam's pages) is settled as a whole.
GROUP_SHOWN = 12


@dataclass(frozen=True)
class PageGroup:
    """Pages of one uploaded file set aside for the same reason: a stack of blank sheets
    ("no QR code found"), another exam's pages, pages beyond the copy."""

    batch: ScanBatch
    reason: str
    pages: list[Page]

    @property
    def count(self) -> int:
        return len(self.pages)

    @property
    def shown(self) -> list[Page]:
        return self.pages[:GROUP_SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, self.count - GROUP_SHOWN)

    @property
    def last_pk(self) -> int:
        """The newest page of the group as listed: a bulk discard goes no further."""
        return max(p.pk for p in self.pages)


def page_groups(pages: Sequence[Page]) -> list[PageGroup]:
    """Attention pages grouped by file and reason, in the order of their first page."""
    groups: dict[tuple[int, str], list[Page]] = {}
    for page in pages:
        groups.setdefault((page.batch_id, page.attention_reason), []).append(page)
    return [PageGroup(ps[0].batch, reason, ps) for (_, reason), ps in groups.items()]


@dataclass(frozen=True)
class Duplicate:
    """A page scanned twice: the scan placed on (copy, page) and the second one, side by side
    for a person to keep one (``None`` placed: the first scan was taken off since)."""

    page: Page
    placed: Page | None


def duplicates(exam: Exam) -> list[Duplicate]:
    """The exam's second scans of placed pages, oldest batch first."""
    pages = list(
        Page.objects.filter(batch__exam=exam, status=Page.Status.DUPLICATE)
        .select_related("batch", "submission")
        .order_by("batch__created_at", "index_in_batch")
    )
    placed = {
        (p.submission_id, p.page_number): p
        for p in Page.objects.filter(
            submission__in=[p.submission_id for p in pages if p.submission_id],
            status=Page.Status.PLACED,
        ).select_related("batch")
    }
    return [Duplicate(p, placed.get((p.submission_id, p.page_number))) for p in pages]


@dataclass(frozen=True)
class AttentionSummary:
    pages: list[Page]
    missing: dict[int, list[int]]
    unidentified: list[Submission]
    #: Pages fed twice: settled already (the first scan is kept), shown so a person can choose.
    duplicates: list[Duplicate] = field(default_factory=list)
    #: Batches not processed to the end yet (running, or stopped), with what is left.
    unprocessed: list[selectors.BatchProgress] = field(default_factory=list)
    #: Pages whose step stopped after its attempts: a person resumes them.
    stopped: list[Page] = field(default_factory=list)

    @property
    def page_groups(self) -> list[PageGroup]:
        return page_groups(self.pages)

    @property
    def to_place(self) -> int:
        """Scanned pages not placed yet: a page listed as missing may be among them."""
        return sum(p.counts.to_place for p in self.unprocessed) + sum(
            1 for p in self.unprocessed if p.batch.status in SPLITTING
        )

    @property
    def stopped_batches(self) -> list[selectors.BatchProgress]:
        return [p for p in self.unprocessed if p.stopped]

    @property
    def count(self) -> int:
        # Pages missing are counted once nothing is left to place (until then they may only
        # be not processed yet); a stopped step needs a person, a running one does not.
        missing = 0 if self.to_place else len(self.missing)
        stopped_splits = sum(1 for p in self.unprocessed if p.batch.gave_up_at is not None)
        return (
            len(self.pages) + missing + len(self.unidentified) + len(self.stopped) + stopped_splits
        )


def attention_summary(exam: Exam) -> AttentionSummary:
    unfinished = selectors.exam_scan_batches(exam).filter(status__in=steps.UNFINISHED_BATCH)
    return AttentionSummary(
        pages=attention_pages(exam),
        missing=selectors.missing_pages(exam),
        unidentified=unidentified_submissions(exam),
        duplicates=duplicates(exam),
        unprocessed=selectors.batches_progress(unfinished),
        stopped=selectors.stopped_pages(exam),
    )
