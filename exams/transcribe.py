"""Built-in OCR of answer regions: crop each part's box from a placed page, read it with the
offline engine, and store the text with its engine and confidence.

A read whose form does not match what the key expects (an integer count read with letters, a
decimal read without its point) has its confidence lowered below the review threshold: the
checker then sends it to a person instead of marking it wrong.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.db import transaction

from exams import steps
from exams.checking import LOW_CONFIDENCE, answer_set_text, key_for
from exams.identify import copy_identify_from_cover
from exams.images import open_upright
from exams.models import Answer, Page, Part, Transcription
from exams.scanning import ocr
from exams.scanning.align import UprightPage

log = logging.getLogger(__name__)
#: The confidence at most of a read that ``ocr.repair`` put in the expected form: still above
#: ``LOW_CONFIDENCE`` (its value is judged), below the engines' clean reads.
REPAIRED_CONFIDENCE = 0.8


@lru_cache(maxsize=1)
def engine() -> ocr.TranscriptionEngine | None:
    """The process's OCR engine (loaded once), or None when none is installed."""
    try:
        return ocr.default_engine()
    except RuntimeError as exc:
        log.warning("no OCR engine: %s", exc)
        return None


def _expected_form(part_id: str, expected: dict) -> ocr.AnswerKind | None:
    from autocheck.kinds import kind_for

    answer = expected.get(part_id)
    if answer is None or len(answer.targets) != 1 or answer.targets[0].value is None:
        return None
    value = answer.targets[0].value
    return kind_for(value).ocr_form(value)


def read_region(page: UprightPage, part: Part, expected: dict) -> ocr.TranscriptionResult:
    """OCR one part's answer box; empty text with confidence 1 when the box is blank."""
    box = part.region.get("box")
    crop = page.crop(tuple(box), inset=0.004)
    ink = ocr.ink_crop(crop)
    reader = engine()
    if ink is None:
        return ocr.TranscriptionResult("", 1.0, reader.name if reader else "none")
    if reader is None:
        return ocr.TranscriptionResult("", 0.0, "none")
    result = reader.transcribe(ink)
    form = _expected_form(part.part_id, expected)
    repaired = ocr.repair(result.text, form) if form is not None else None
    if repaired is not None:
        # A usual misreading ("62 α 62 16", "C.357"): trusted a little less than a clean read.
        result = ocr.TranscriptionResult(
            repaired, min(result.confidence, REPAIRED_CONFIDENCE), result.engine
        )
    if form is not None and not ocr.check_form(result.text, form).ok:
        result = ocr.TranscriptionResult(
            result.text, min(result.confidence, LOW_CONFIDENCE - 0.05), result.engine
        )
    return result


#: Why a placed page is not read yet, when its exam has no answer key.
WAITING_FOR_KEY = "waiting for the exam's answer key"


def page_transcribe(*, page_id: int) -> list[Answer]:
    """Read every answer region on a placed page, then move it to the stage ``read`` (its
    copy's check due), or ``checked`` when it has no answer region. Idempotent: a part
    already read by the same engine is not read again (a TA's typed correction is never
    replaced). Without an answer key the page stays ``placed``, not due, until one is
    installed (``exams.reconcile.exam_key_installed``)."""
    page = Page.objects.select_related("submission__exam").filter(pk=page_id).first()
    if (
        page is None
        or page.status != Page.Status.PLACED
        or page.stage != Page.Stage.PLACED
        or page.submission is None
    ):
        return []
    submission = page.submission
    image: UprightPage | None = None
    # The student-number box is printed on rendered templates only; an instructor's own PDF
    # has its own cover, so its copies are matched by QR or by a person.
    if page.page_number == 1 and submission.student_id is None and not submission.exam.template_pdf:
        image = open_upright(page)
        copy_identify_from_cover(submission=submission, page=image)
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
    if image is None:
        image = open_upright(page)
    done = set(
        Transcription.objects.filter(
            answer__submission=submission,
            answer__part__in=parts,
        )
        .exclude(source=Transcription.Source.IMPORTED)
        .values_list("answer__part_id", flat=True)
    )
    answers = []
    for part in parts:
        if part.pk in done:
            continue
        result = read_region(image, part, expected)
        with transaction.atomic():
            answers.append(
                answer_set_text(
                    submission=submission,
                    part=part,
                    text=result.text,
                    source=Transcription.Source.OCR,
                    engine=result.engine,
                    confidence=result.confidence,
                    actor=None,
                )
            )
    this_page.update(**steps.advanced(Page.Stage.READ, due=True))
    return answers
