"""A person places, moves, takes off or discards a scanned page, and undoes it.

Every such change goes through one primitive, :func:`_reposition`, and is logged as
``PageEvent`` rows (append-only; the events of one action share a batch id). An undo takes
back the user's latest action on the exam not undone yet, as new ``undo`` events, and only if
no page of it changed since: nothing is ever overwritten.

A page goes only on a copy that was printed (``Exam.copies_printed``) or already exists: a
typo never creates a copy 99 that then counts in the statistics and exports. A page whose QR
code is another exam's is placed only when the person says so. A page that leaves a copy
takes its reading with it: the answers of its parts on that copy are read again from the
page that replaces it (a person's grade stays, as everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exams import hooks
from exams.images import open_image
from exams.models import Answer, Exam, Page, PageEvent, Submission, Transcription
from exams.pipeline import steps
from exams.scanning.align import fit_alignment
from exams.scanning.qrcodes import QrPayload, QrPayloadError
from exams.services.submissions import submission_ensure

#: A page a person may place: waiting for a person, a second scan, or placed (then it moves).
PLACEABLE = (Page.Status.NEEDS_ATTENTION, Page.Status.DUPLICATE, Page.Status.PLACED)
_REASON_MAX = Page._meta.get_field("attention_reason").max_length or 300


def _who(actor: User | None) -> str:
    return actor.get_username() if actor is not None else "a person"


def _state(page: Page) -> dict[str, Any]:
    submission = page.submission
    return {
        "status": page.status,
        "copy": submission.copy_number if submission is not None else None,
        "page_number": page.page_number,
        "reason": page.attention_reason,
    }


def qr_exam_code(page: Page) -> str | None:
    """The exam code in the page's QR code, or None when it has none that parses."""
    if not page.qr_payload:
        return None
    try:
        return QrPayload.parse(page.qr_payload).exam_code
    except (QrPayloadError, ValueError):
        return None


def other_exam_code(page: Page) -> str | None:
    """The code of the other exam the page's QR code names, or None when it names this one
    (or none)."""
    code = qr_exam_code(page)
    return code if code is not None and code != page.batch.exam.qr_code else None


def copy_number_check(exam: Exam, copy_number: int) -> None:
    """``ValidationError`` unless ``copy_number`` is a printed copy of ``exam`` or one it
    already has (a copy scanned, imported or matched to a student)."""
    if 1 <= copy_number <= exam.copies_printed:
        return
    if Submission.objects.filter(exam=exam, copy_number=copy_number).exists():
        return
    printed = (
        f"copies 1 to {exam.copies_printed} were printed"
        if exam.copies_printed
        else "no copy was printed from gradebook"
    )
    raise ValidationError(
        {
            "copy_number": f"Copy {copy_number} does not exist for this exam ({printed}): "
            "check the number on the page."
        }
    )


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


def _forget_reading(submission: Submission, page_number: int) -> None:
    """The page that was ``page_number`` of the copy left it: the answers of its parts lose
    what the OCR read there (a person's typed text and grade stay) and are read again from
    the page placed there next."""
    parts = [p for p in submission.exam.parts.all() if (p.region or {}).get("page") == page_number]
    answers = list(Answer.objects.filter(submission=submission, part__in=parts))
    if not answers:
        return
    Transcription.objects.filter(answer__in=answers, source=Transcription.Source.OCR).delete()
    for answer in answers:
        typed = answer.transcriptions.order_by("-created_at", "-id").first()
        answer.answer_text = typed.text if typed is not None else ""
        answer.verdict = Answer.Verdict.PENDING
        answer.suggested_points = None
        answer.final_answer = answer.group_key = answer.diagnosis_code = answer.diagnosis = ""
        answer.candidates, answer.expected, answer.alignment = [], {}, {}
        answer.confidence = None
        answer.checked_at = None
        answer.save()
    # A person's grade given on the scan that left stands, marked to be looked at again.
    why = (
        f"The automatic check changed after this grade (a new reading of the answer: page "
        f"{page_number}, the scan it was given on, was replaced, moved or taken off the copy)."
    )
    hooks.grading().submission_checked(
        submission=submission, answers=answers, changed={a.pk: why for a in answers}
    )


def _reposition(page: Page, target: dict[str, Any], *, exam: Exam) -> None:
    """Put a locked ``page`` where ``target`` (a :func:`_state`) says, checking nothing but
    that a placed position is free. A page leaving a copy takes its reading with it; a page
    placed is read once the transaction commits."""
    placed = target["status"] == Page.Status.PLACED
    where = (target["copy"], target["page_number"])
    left = page.submission if page.status == Page.Status.PLACED else None
    if left is not None and (not placed or (left.copy_number, page.page_number) != where):
        _forget_reading(left, page.page_number or 0)
    submission = None
    if placed:
        submission = submission_ensure(exam=exam, copy_number=target["copy"])
        Submission.objects.select_for_update().get(pk=submission.pk)
        taken = (
            Page.objects.filter(
                submission=submission, page_number=target["page_number"], status=Page.Status.PLACED
            )
            .exclude(pk=page.pk)
            .select_related("batch")
            .first()
        )
        if taken is not None:
            raise ValidationError(
                {
                    "page_number": (
                        f"Copy {where[0]} page {where[1]} already has a scan "
                        f"(page {taken.index_in_batch + 1} of {taken.batch.original_name}); "
                        "tick 'replace' to keep this one instead."
                    )
                }
            )
        _straighten(page)
    elif target["copy"] is not None:
        submission = Submission.objects.filter(exam=exam, copy_number=target["copy"]).first()
    page.status = target["status"]
    page.submission = submission
    page.page_number = target["page_number"] if submission is not None else None
    page.attention_reason = target["reason"][:_REASON_MAX]
    page.processed_at = timezone.now()
    steps.advance(page, Page.Stage.PLACED if placed else Page.Stage.SETTLED, due=placed)
    page.full_clean()
    page.save()
    if placed:
        step = steps.page_step(page)  # its reading: the same step as a page the pipeline placed
        if step is not None:
            name, ids = step
            steps.send_after_commit(name, **ids)


def _log(
    page: Page,
    *,
    exam: Exam,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    batch: str,
    undoes: str = "",
) -> PageEvent:
    return PageEvent.objects.create(
        exam=exam,
        page=page,
        actor=actor,
        action=action,
        before=before,
        after=_state(page),
        batch=batch,
        undoes=undoes,
    )


def _locked(page: Page) -> Page:
    return (
        Page.objects.select_for_update(of=("self",))
        .select_related("batch__exam", "submission")
        .get(pk=page.pk)
    )


@transaction.atomic
def page_place(
    *,
    page: Page,
    copy_number: int,
    page_number: int,
    actor: User | None,
    replace: bool = False,
    other_exam: bool = False,
) -> Page:
    """Place a page by hand on (copy, page number) of its exam, or move a placed page there.

    The copy must exist or have been printed (:func:`copy_number_check`); a page whose QR code
    names another exam is placed only with ``other_exam``. If another scan is placed there,
    ``ValidationError`` says so unless ``replace``: then that scan is discarded and this one
    kept. Logged (``place`` or ``move``, and ``replaced``) and undoable with
    :func:`page_undo`; the page's answers are read once the transaction commits.
    """
    page = _locked(page)
    exam = page.batch.exam
    if page.status not in PLACEABLE:
        raise ValidationError("This page is not waiting to be placed.")
    if not 1 <= page_number <= exam.pages_per_copy:
        raise ValidationError({"page_number": f"The exam has pages 1 to {exam.pages_per_copy}."})
    if copy_number < 1:
        raise ValidationError({"copy_number": "Copy numbers start at 1."})
    copy_number_check(exam, copy_number)
    code = other_exam_code(page)
    if code is not None and not other_exam:
        raise ValidationError(
            {
                "other_exam": (
                    f"This page's QR code is of another exam (code {code}, this exam's is "
                    f"{exam.qr_code}): tick 'it belongs here' to place it anyway."
                )
            }
        )
    batch = uuid4().hex
    action = PageEvent.Action.MOVE if page.status == Page.Status.PLACED else PageEvent.Action.PLACE
    if replace:
        taken = (
            Page.objects.select_for_update(of=("self",))
            .filter(
                submission__exam=exam,
                submission__copy_number=copy_number,
                page_number=page_number,
                status=Page.Status.PLACED,
            )
            .exclude(pk=page.pk)
            .select_related("submission")
            .first()
        )
        if taken is not None:
            before = _state(taken)
            reason = f"replaced by page {page.pk} (by {_who(actor)})"
            _reposition(
                taken, {**before, "status": Page.Status.DISCARDED, "reason": reason}, exam=exam
            )
            _log(
                taken,
                exam=exam,
                actor=actor,
                action=PageEvent.Action.REPLACED,
                before=before,
                batch=batch,
            )
    before = _state(page)
    target = {
        "status": Page.Status.PLACED,
        "copy": copy_number,
        "page_number": page_number,
        "reason": "",
    }
    _reposition(page, target, exam=exam)
    _log(page, exam=exam, actor=actor, action=action, before=before, batch=batch)
    return page


@transaction.atomic
def page_unplace(*, page: Page, actor: User | None) -> Page:
    """Take a placed page off its copy: back on the "needs attention" list, its copy's page
    missing again. Logged (``unplace``) and undoable."""
    page = _locked(page)
    if page.status != Page.Status.PLACED:
        raise ValidationError("This page is not placed.")
    before = _state(page)
    reason = f"taken off copy {before['copy']} page {before['page_number']} by {_who(actor)}"
    target = {
        "status": Page.Status.NEEDS_ATTENTION,
        "copy": None,
        "page_number": None,
        "reason": reason,
    }
    _reposition(page, target, exam=page.batch.exam)
    _log(
        page,
        exam=page.batch.exam,
        actor=actor,
        action=PageEvent.Action.UNPLACE,
        before=before,
        batch=uuid4().hex,
    )
    return page


@transaction.atomic
def page_discard(*, page: Page, actor: User | None, reason: str = "") -> Page:
    """Take a page off the list without placing it (a blank sheet, another exam's page, the
    second scan of a page fed twice). Logged (``discard``) and undoable."""
    page = _locked(page)
    if page.status == Page.Status.PLACED:
        raise ValidationError("A placed page is not discarded from here.")
    before = _state(page)
    why = (reason.strip() or "discarded") + f" (by {_who(actor)})"
    _reposition(
        page, {**before, "status": Page.Status.DISCARDED, "reason": why}, exam=page.batch.exam
    )
    _log(
        page,
        exam=page.batch.exam,
        actor=actor,
        action=PageEvent.Action.DISCARD,
        before=before,
        batch=uuid4().hex,
    )
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
    """Discard at once a group of ``exams.services.attention.page_groups``: the pages of one
    file of ``exam`` waiting for a person for ``reason`` (a thousand blank sheets need one
    click, not a thousand), up to page id ``up_to``, the newest the person saw listed. Logged
    as one action, undone whole. Returns how many were discarded; 0 when the group was
    settled meanwhile."""
    pages = list(
        Page.objects.select_for_update().filter(
            batch__exam=exam,
            batch_id=batch_id,
            status=Page.Status.NEEDS_ATTENTION,
            attention_reason=reason,
            pk__lte=up_to,
        )
    )
    why = f"{note.strip() or reason} (discarded with its group by {_who(actor)})"[:_REASON_MAX]
    befores = {p.pk: _state(p) for p in pages}
    Page.objects.filter(pk__in=list(befores)).update(
        status=Page.Status.DISCARDED,
        attention_reason=why,
        submission=None,
        page_number=None,
        **steps.advanced(Page.Stage.SETTLED, due=False),
    )
    batch = uuid4().hex
    after = {"status": Page.Status.DISCARDED, "copy": None, "page_number": None, "reason": why}
    PageEvent.objects.bulk_create(
        PageEvent(
            exam=exam,
            page_id=pk,
            actor=actor,
            action=PageEvent.Action.DISCARD,
            before=before,
            after=after,
            batch=batch,
        )
        for pk, before in befores.items()
    )
    return len(pages)


@dataclass(frozen=True)
class PageUndo:
    #: The action undone (``PageEvent.Action``) and the pages it put back.
    action: str
    pages: list[Page]

    @property
    def message(self) -> str:
        label = PageEvent.Action(self.action).label.lower()
        if len(self.pages) == 1:
            page = self.pages[0]
            return f"Undone ({label}): page {page.index_in_batch + 1} of {page.batch.original_name} is back as it was."
        return f"Undone ({label}): {len(self.pages)} pages are back as they were."


def _latest_batch(exam: Exam, actor: User) -> list[PageEvent]:
    undone = set(
        PageEvent.objects.filter(exam=exam, action=PageEvent.Action.UNDO).values_list(
            "undoes", flat=True
        )
    )
    mine = (
        PageEvent.objects.filter(exam=exam, actor=actor)
        .exclude(action=PageEvent.Action.UNDO)
        .order_by("-created_at", "-id")
    )
    for event in mine.only("batch").iterator():
        if event.batch not in undone:
            return list(
                PageEvent.objects.filter(exam=exam, batch=event.batch)
                .select_related("page__batch")
                .order_by("-id")
            )
    raise ValidationError("Nothing to undo: you have no page change on this exam left to undo.")


@transaction.atomic
def page_undo(*, exam: Exam, actor: User) -> PageUndo:
    """Undo ``actor``'s latest page change on ``exam`` not undone yet (a placement with the
    scan it replaced, a move, a page taken off, a discard, a group discarded), newest event
    first. Refused, and nothing changed, when a page of it was changed since by anyone; a
    position taken since is refused in the same way. Calling it again undoes the change
    before."""
    Exam.objects.select_for_update().filter(pk=exam.pk).first()  # one undo at a time
    events = _latest_batch(exam, actor)
    batch = uuid4().hex
    pages: list[Page] = []
    for event in events:
        page = _locked(event.page)
        if _state(page) != event.after:
            raise ValidationError(
                f"Not undone: page {page.index_in_batch + 1} of {page.batch.original_name} "
                "was changed since; change it by hand instead."
            )
        _reposition(page, event.before, exam=exam)
        _log(
            page,
            exam=exam,
            actor=actor,
            action=PageEvent.Action.UNDO,
            before=event.after,
            batch=batch,
            undoes=event.batch,
        )
        pages.append(page)
    main = next(
        (e.action for e in events if e.action != PageEvent.Action.REPLACED), events[0].action
    )
    return PageUndo(action=main, pages=pages)


def page_history(exam: Exam, *, limit: int = 20) -> Sequence[PageEvent]:
    """The exam's latest page changes by hand, newest first."""
    return list(
        PageEvent.objects.filter(exam=exam)
        .select_related("page__batch", "actor")
        .order_by("-created_at", "-id")[:limit]
    )
