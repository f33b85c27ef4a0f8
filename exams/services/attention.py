"""The exam's "needs attention" list: pages the pipeline could not place, copies with pages
missing, copies not matched to a student; and the services a person uses to settle them.

Placing a page by hand goes through the same rules as the pipeline (one placed scan per
(copy, page number)) and then lets the pipeline continue: the page is transcribed and its copy
checked, after the transaction commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exams import selectors
from exams.images import open_image
from exams.models import Enrollment, Exam, Page, Role, ScanBatch, Submission
from exams.pipeline import steps
from exams.scanning.align import fit_alignment
from exams.services.submissions import submission_ensure

SPLITTING = (ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING)


def attention_pages(exam: Exam) -> list[Page]:
    """Pages of the exam's batches waiting for a person, oldest batch first."""
    return list(
        Page.objects.filter(batch__exam=exam, status=Page.Status.NEEDS_ATTENTION)
        .select_related("batch")
        .order_by("batch__created_at", "index_in_batch")
    )


def unidentified_submissions(exam: Exam) -> list[Submission]:
    """Copies with at least one scanned page but no student yet."""
    return list(
        exam.submissions.filter(student__isnull=True, pages__status=Page.Status.PLACED)
        .distinct()
        .order_by("copy_number")
    )


def unmatched_students(exam: Exam) -> list[Enrollment]:
    """Students of the course without a copy of this exam: the candidates for a match."""
    return list(
        Enrollment.objects.filter(course_id=exam.course_id, role=Role.STUDENT)
        .exclude(submissions__exam=exam)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


_DIGITS = re.compile(r"\d{4,}")


def identify_suggestions(
    submission: Submission, students: Sequence[Enrollment], *, limit: int = 5
) -> list[Enrollment]:
    """Students to propose for an unidentified copy: those whose student number appears in
    the copy's transcribed text first (a cover page with the number written on it), then the
    rest in roster order."""
    texts = " ".join(
        submission.transcriptions.order_by("-created_at").values_list("text", flat=True)[:3]
    )
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
class AttentionSummary:
    pages: list[Page]
    missing: dict[int, list[int]]
    unidentified: list[Submission]
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
        unprocessed=selectors.batches_progress(unfinished),
        stopped=selectors.stopped_pages(exam),
    )


@transaction.atomic
def page_place(
    *,
    page: Page,
    copy_number: int,
    page_number: int,
    actor: User | None,
    replace: bool = False,
) -> Page:
    """Place a page by hand on (copy, page number) of its exam.

    If another scan is already placed there, ``ValidationError`` says so unless ``replace``:
    then that scan is discarded and this one kept ("choose which scan to keep"). The page's
    answer regions are transcribed and the copy checked once the transaction commits.
    """
    page = Page.objects.select_for_update().select_related("batch__exam").get(pk=page.pk)
    exam = page.batch.exam
    if page.status not in (Page.Status.NEEDS_ATTENTION, Page.Status.DUPLICATE):
        raise ValidationError("This page is not waiting to be placed.")
    if not 1 <= page_number <= exam.pages_per_copy:
        raise ValidationError({"page_number": f"The exam has pages 1 to {exam.pages_per_copy}."})
    if copy_number < 1:
        raise ValidationError({"copy_number": "Copy numbers start at 1."})
    submission = submission_ensure(exam=exam, copy_number=copy_number)
    Submission.objects.select_for_update().get(pk=submission.pk)
    taken = Page.objects.filter(
        submission=submission, page_number=page_number, status=Page.Status.PLACED
    ).first()
    if taken is not None:
        if not replace:
            raise ValidationError(
                {
                    "page_number": (
                        f"Copy {copy_number} page {page_number} already has a scan "
                        f"(page {taken.index_in_batch + 1} of {taken.batch.original_name}); "
                        "tick 'replace' to keep this one instead."
                    )
                }
            )
        taken.status = Page.Status.DISCARDED
        taken.attention_reason = f"replaced by page {page.pk} (by {actor or 'a person'})"
        steps.advance(taken, Page.Stage.SETTLED, due=False)
        taken.save()
    _straighten(page)
    page.status = Page.Status.PLACED
    page.submission = submission
    page.page_number = page_number
    page.attention_reason = ""
    page.processed_at = timezone.now()
    steps.advance(page, Page.Stage.PLACED, due=True)
    page.full_clean()
    page.save()
    step = steps.page_step(page)  # its reading: the same step as a page the pipeline placed
    if step is not None:
        name, ids = step
        steps.send_after_commit(name, **ids)
    return page


def _straighten(page: Page) -> None:
    """Register a page the pipeline left unaligned on its corner markers, as the pipeline does
    for placed pages, so answer regions cut from it land on the right paper. A page whose
    markers are not found is kept as scanned."""
    if not page.image or page.alignment:
        return
    image = open_image(page.image, grey=True)
    fitted = fit_alignment(image, rotation=page.rotation if page.qr_payload else None)
    if fitted.method == "markers":
        page.alignment = fitted.to_json()


@transaction.atomic
def page_discard(*, page: Page, actor: User | None, reason: str = "") -> Page:
    """Take a page off the list without placing it (a blank sheet, another exam's page)."""
    page = Page.objects.select_for_update().get(pk=page.pk)
    if page.status == Page.Status.PLACED:
        raise ValidationError("A placed page is not discarded from here.")
    page.status = Page.Status.DISCARDED
    why = (reason.strip() or "discarded") + f" (by {actor or 'a person'})"
    page.attention_reason = why[: Page._meta.get_field("attention_reason").max_length or 300]
    steps.advance(page, Page.Stage.SETTLED, due=False)
    page.save()
    return page


@transaction.atomic
def pages_discard(
    *,
    exam: Exam,
    batch_id: int,
    reason: str,
    up_to: int,
    actor: User | None,
    note: str = "",
) -> int:
    """Discard at once a group of :func:`page_groups`: the pages of one file of ``exam``
    waiting for a person for ``reason`` (a thousand blank sheets need one click, not a
    thousand), up to page id ``up_to``, the newest the person saw listed. Returns how many
    were discarded; 0 when the group was settled meanwhile."""
    pages = Page.objects.select_for_update().filter(
        batch__exam=exam,
        batch_id=batch_id,
        status=Page.Status.NEEDS_ATTENTION,
        attention_reason=reason,
        pk__lte=up_to,
    )
    ids = list(pages.values_list("pk", flat=True))
    why = f"{note.strip() or reason} (discarded with its group by {actor or 'a person'})"
    max_length = Page._meta.get_field("attention_reason").max_length or 300
    return Page.objects.filter(pk__in=ids).update(
        status=Page.Status.DISCARDED,
        attention_reason=why[:max_length],
        **steps.advanced(Page.Stage.SETTLED, due=False),
    )
