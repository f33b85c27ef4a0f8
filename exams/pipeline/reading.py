"""Built-in reading of answer regions: crop each part's box from a placed page, read it
through ``exams.scanning.reading.read_answer`` (the one reading entry point) and store the
text with its engine and confidence.

The key tells the reader what to check: the expected value and the typical wrong values are
scored against what is written (``exams.scanning.hypotheses``). A read the reader does not
accept (no hypothesis clearly wins and the free read is unsure, or its final value does not
have the form the key expects) gets a confidence below the review threshold: the checker then
sends it to a person instead of marking it wrong.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from exams.images import open_upright
from exams.models import Answer, Page, Part, Transcription
from exams.pipeline import steps
from exams.pipeline.checking import LOW_CONFIDENCE, NewText, answers_set_texts, key_for
from exams.pipeline.identification import submission_identify_from_cover
from exams.scanning import ocr
from exams.scanning.align import UprightPage
from exams.scanning.hypotheses import reading_plan
from exams.scanning.reading import FREE_TEXT, Hypothesis, read_answer

log = logging.getLogger(__name__)


def _plan(part_id: str, expected: dict) -> tuple[str, tuple[Hypothesis, ...]]:
    answer = expected.get(part_id)
    if answer is None or len(answer.targets) != 1 or answer.targets[0].value is None:
        return "expression", ()
    return reading_plan(answer.targets[0].value)


def read_region(
    page: UprightPage, part: Part, expected: dict
) -> tuple[ocr.TranscriptionResult, dict]:
    """Read one part's answer box: the text with its confidence (empty with confidence 1 when
    the box is blank), and what the reader saw, for the TA (``AnswerRead.as_json``)."""
    crop = page.crop(tuple(part.region.get("box")), inset=0.004)
    kind, hypotheses = _plan(part.part_id, expected)
    if part.kind == Part.Kind.DESCRIPTIVE:  # a person grades it from the scan: not transcribed
        kind, hypotheses = FREE_TEXT, ()
    read = read_answer(crop, kind=kind, hypotheses=hypotheses)
    if read.blank:
        return ocr.TranscriptionResult("", 1.0, read.engine), read.as_json()
    confidence = read.confidence if read.accepted else min(read.confidence, LOW_CONFIDENCE - 0.05)
    return ocr.TranscriptionResult(read.text, confidence, read.engine), read.as_json()


#: Why a placed page is not read yet, when its exam has no answer key.
WAITING_FOR_KEY = "waiting for the exam's answer key"


def page_transcribe(*, page_id: int, upright: UprightPage | None = None) -> list[Answer]:
    """Read every answer region on a placed page (from ``upright``, its scan as placing
    decoded and aligned it, when given; else from the stored file), then move it to the stage
    ``read`` (its copy's check due), or ``checked`` when it has no answer region. Without an
    answer key the page stays ``placed``, not due, until one is installed
    (``exams.pipeline.reconcile.exam_key_installed``).

    Each read is kept with the scan it was read from and becomes the part's current text. A
    part already read from *this* scan is not read again (a redelivered task, a page sent back
    to be read because the key added a part): a new scan placed at the copy's position in
    place of another is read whole, and its reads supersede the replaced scan's (which left
    with it; a grade a person gave stays, marked, see ``exams.services.pages``). A scan that
    stops being the placed one while it is read (replaced meanwhile) writes nothing."""
    page = Page.objects.select_related("submission__exam").filter(pk=page_id).first()
    if (
        page is None
        or page.status != Page.Status.PLACED
        or page.stage != Page.Stage.PLACED
        or page.submission is None
    ):
        return []
    submission = page.submission
    image = upright
    # The student-number box is printed on rendered templates only; an instructor's own PDF
    # has its own cover, so its copies are matched by QR or by a person.
    if page.page_number == 1 and submission.student_id is None and not submission.exam.template_pdf:
        if image is None:
            image = open_upright(page)
        submission_identify_from_cover(submission=submission, page=image)
    parts = [
        p
        for p in submission.exam.parts.all()
        if p.region.get("page") == page.page_number and p.region.get("box")
    ]
    this_page = Page.objects.filter(pk=page.pk, stage=Page.Stage.PLACED)
    if not parts:
        this_page.update(**steps.advanced(Page.Stage.CHECKED, due=False))
        return []
    answer_key = submission.exam.answer_keys.order_by("-version").first()
    if answer_key is None:
        this_page.update(due_at=None, attempts=0, last_error=WAITING_FOR_KEY)
        return []
    _, expected = key_for(answer_key)
    done = parts_read_from(page, parts)
    todo = [part for part in parts if part.pk not in done]
    if todo and image is None:
        image = open_upright(page)
    # Every region is read before anything is written, then the reads are stored in one
    # transaction: the page is locked once, and a read interrupted midway stores nothing (the
    # page is read again whole).
    reads = [(part, *read_region(image, part, expected)) for part in todo if image is not None]
    with transaction.atomic():
        # Locked: placing another scan here (exams.services.pages) waits for these reads to
        # commit, or they see that the scan was replaced and write nothing.
        placed = Page.objects.select_for_update().filter(pk=page.pk, status=Page.Status.PLACED)
        if placed.first() is None:
            return []
        answers = answers_set_texts(
            submission=submission,
            texts=[
                NewText(part, result.text, result.engine, result.confidence, reading=reading)
                for part, result, reading in reads
            ],
            source=Transcription.Source.OCR,
            actor=None,
            page=page,
        )
        this_page.update(**steps.advanced(Page.Stage.READ, due=True))
    return answers


def parts_read_from(page: Page, parts: list[Part]) -> set[int]:
    """The pks of ``parts`` that the OCR already read from this scan. A read kept before reads
    named their scan counts when it was made after this scan was placed."""
    assert page.submission_id is not None
    from_page = Q(page=page)
    if page.processed_at is not None:
        from_page |= Q(page__isnull=True, created_at__gte=page.processed_at)
    return set(
        Transcription.objects.filter(
            from_page,
            answer__submission_id=page.submission_id,
            answer__part__in=parts,
            source=Transcription.Source.OCR,
        ).values_list("answer__part_id", flat=True)
    )
