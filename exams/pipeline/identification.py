"""Match an anonymous copy to its student from the number written on its cover page.

Personalised copies are matched when they are printed (their QR code's copy number belongs to
one student). An anonymous copy carries the student's number written in the box on page 1:
the pipeline reads it with the offline OCR engine and, when the read is confident, all digits,
and exactly one student of the course has that number and no other copy of the exam, matches
the copy. Anything less is left to a person, with the read number ranking the suggestions.
"""

from __future__ import annotations

import re

from django.db import transaction

from exams.models import Enrollment, Role, Submission, Transcription
from exams.pipeline.engine import engine
from exams.scanning import ocr
from exams.scanning.align import UprightPage
from exams.scanning.layout import STUDENT_NUMBER_REGION
from exams.services.submissions import submission_identify

_PREFIX = "student number read from the cover: "
#: A wrong match gives one student another's grades: only a near-certain read matches by itself.
_MIN_CONFIDENCE = 0.9


def read_student_number(page: UprightPage) -> ocr.TranscriptionResult | None:
    """OCR of the cover's student-number box; None when the box is empty."""
    ink = ocr.ink_crop(page.crop(STUDENT_NUMBER_REGION.box, inset=0.004))
    reader = engine()
    if ink is None or reader is None:
        return None
    return reader.transcribe(ink)


@transaction.atomic
def submission_identify_from_cover(
    *, submission: Submission, page: UprightPage
) -> Enrollment | None:
    """Try once per copy; the read is kept as a transcription of the copy either way."""
    if (
        submission.student_id is not None
        or submission.transcriptions.filter(text__startswith=_PREFIX).exists()
    ):
        return None
    result = read_student_number(page)
    if result is None:
        return None
    Transcription.objects.create(
        submission=submission,
        source=Transcription.Source.OCR,
        engine=result.engine,
        text=_PREFIX + result.text,
        confidence=max(0.0, min(1.0, result.confidence)),
    )
    number = re.sub(r"\s+", "", result.text)
    if result.confidence < _MIN_CONFIDENCE or not number.isdigit():
        return None
    matches = list(
        Enrollment.objects.filter(
            course_id=submission.exam.course_id, role=Role.STUDENT, student_number=number
        )
    )
    if (
        len(matches) != 1
        or Submission.objects.filter(exam=submission.exam, student=matches[0]).exists()
    ):
        return None
    submission_identify(
        submission=submission,
        student=matches[0],
        identified_by=Submission.IdentifiedBy.STUDENT_NUMBER,
    )
    return matches[0]
