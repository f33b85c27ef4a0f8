"""A new exam from its text or its blank PDF, in one step: the question tree proposed from the
printed numbering, the exam created, and each part's answer region found (``regions``).

The web page does the same in two steps (propose, then confirm with the points as edited);
the command line (``manage.py exam_create``) and scripts call these directly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from exams.images import delete_after_commit
from exams.models import Course, Exam
from exams.services.printing import exam_template_upload
from exams.services.regions import part_regions_propose
from exams.services.structure import exam_create_from_structure, exam_structure_from_proposal

__all__ = [
    "exam_create_from_pdf",
    "exam_create_from_text",
    "pdf_layer_text",
    "pending_template_store",
]


#: Where a blank exam PDF waits between the proposal and its confirmation, by its SHA-256
#: (under ``templates/``: one never confirmed is swept after a day, ``services.sweep``).
PENDING_FOLDER = "templates/pending"


def pending_template_store(data: bytes) -> str:
    """Keep a blank exam PDF until the structure proposed from it is confirmed; returns the
    digest that names it (the same PDF twice is stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{PENDING_FOLDER}/{digest}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))
    return digest


def _pending_template_take(digest: str) -> bytes:
    name = f"{PENDING_FOLDER}/{digest}.pdf"
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or not default_storage.exists(name):
        raise ValidationError("The blank exam's PDF is no longer here: upload it again.")
    with default_storage.open(name, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValidationError("The blank exam's PDF is damaged: upload it again.")
    delete_after_commit([name])
    return data


@transaction.atomic
def exam_create_from_text(
    *,
    course: Course,
    title: str,
    source: str,
    points: Mapping[str, object] | None = None,
    pages_per_copy: int = 1,
    template_digest: str = "",
    actor: User | None = None,
) -> Exam:
    """Create an exam from its text (Markdown with LaTeX): the structure proposed from it
    with ``points`` overriding the printed points per part id, the text kept as the printed
    text. Every part's answer region is laid out after its question text, or, when the text
    came from a blank PDF kept by :func:`pending_template_store` (``template_digest``), that
    PDF becomes the template and the regions are found on it. The pages per copy grow to
    what the layout needs. ``ValidationError`` when a part has no points, the text has no
    numbering or the kept PDF is gone."""
    from autocheck.structure import propose_structure

    template = _pending_template_take(template_digest) if template_digest else None
    questions = exam_structure_from_proposal(propose_structure(source), points=points)
    exam = exam_create_from_structure(
        course=course,
        title=title,
        questions=questions,
        pages_per_copy=pages_per_copy,
        printed_text=source,
        actor=actor,
    )
    if template is not None:
        return exam_template_upload(exam=exam, data=template, name=f"{exam.slug}.pdf")
    part_regions_propose(exam=exam)
    return exam


def pdf_layer_text(data: bytes) -> str:
    """The PDF's text layer as lines, as the regions are found on it; ``ValidationError``
    when the file is no PDF or has no text layer (a scan)."""
    import pypdfium2 as pdfium

    from exams.scanning.pdftext import pdf_lines

    if not data.startswith(b"%PDF"):
        raise ValidationError("The blank exam must be a PDF file.")
    try:
        lines = pdf_lines(data)
    except pdfium.PdfiumError as exc:
        raise ValidationError(f"The PDF cannot be read ({exc}).") from exc
    if not lines:
        raise ValidationError("The PDF has no text layer (a scan?): give the exam's text instead.")
    return "\n".join(line.text for line in lines)


@transaction.atomic
def exam_create_from_pdf(
    *,
    course: Course,
    title: str,
    data: bytes,
    points: Mapping[str, object] | None = None,
    actor: User | None = None,
) -> Exam:
    """Create an exam from its blank PDF: the structure proposed from its text layer, the
    PDF kept as the template of the printed copies, and every part's answer region found
    below its printed prompt. ``ValidationError`` for a PDF without a text layer, or a part
    without points."""
    from autocheck.structure import propose_structure

    text = pdf_layer_text(data)
    questions = exam_structure_from_proposal(propose_structure(text), points=points)
    exam = exam_create_from_structure(course=course, title=title, questions=questions, actor=actor)
    return exam_template_upload(exam=exam, data=data, name=f"{exam.slug}.pdf")
