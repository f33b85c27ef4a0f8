"""The exam's printed (blank) text: stored and versioned like the answer key, and used to tell
a student's writing from print when a copy is split into parts (``autocheck.align``).

It comes from the text the exam was created from, a transcription of the blank exam the
instructor uploads, or the text layer of the instructor's blank exam PDF.
"""

from __future__ import annotations

import hashlib
import re

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Exam, PrintedExam

__all__ = [
    "MAX_PRINTED_CHARS",
    "pdf_text",
    "printed_exam_current",
    "printed_exam_store",
]

#: A printed exam longer than this is no exam (a 30-page exam is about 100,000 characters).
MAX_PRINTED_CHARS = 500_000
#: Fewer words than this is no exam text (a scanned PDF without a text layer, an empty file).
MIN_PRINTED_WORDS = 10


def printed_exam_current(exam: Exam) -> PrintedExam | None:
    """The exam's newest printed text, if any."""
    return exam.printed_versions.order_by("-version").first()


@transaction.atomic
def printed_exam_store(
    *, exam: Exam, text: str, source: str, actor: User | None = None
) -> tuple[PrintedExam, bool]:
    """Store ``text`` as the exam's printed text, a new version unless it is the current one.

    Returns ``(printed, created)``. Raises ``ValidationError`` for text too short or too long
    to be an exam, or an unknown source.
    """
    if source not in PrintedExam.Source.values:
        raise ValidationError({"source": f"unknown source {source!r}"})
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_PRINTED_CHARS:
        raise ValidationError(
            f"The printed exam has {len(text):,} characters; at most {MAX_PRINTED_CHARS:,}."
        )
    if len(re.findall(r"\w{2,}", text)) < MIN_PRINTED_WORDS:
        raise ValidationError(
            "The printed exam has almost no text: give its transcription (Markdown or text)."
        )
    checksum = hashlib.sha256(text.encode()).hexdigest()
    # One store at a time per exam: two at once would both build the same version.
    Exam.objects.select_for_update().filter(pk=exam.pk).first()
    latest = printed_exam_current(exam)
    if latest is not None and latest.checksum == checksum:
        return latest, False
    printed = PrintedExam.objects.create(
        exam=exam,
        version=(latest.version + 1) if latest else 1,
        text=text,
        source=source,
        checksum=checksum,
        created_by=actor,
    )
    return printed, True


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page after page (empty for a scanned PDF without one)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            try:
                pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            finally:
                textpage.close()
                page.close()
        return "\n\n".join(p.strip() for p in pages if p.strip())
    finally:
        document.close()
