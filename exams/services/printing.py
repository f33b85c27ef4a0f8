"""Printable copies of an exam: the template (uploaded, or rendered from the parts' answer
regions) stamped with a QR code per page and corner markers, optionally personalised."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from exams.images import delete_after_commit
from exams.models import Enrollment, Exam, Submission
from exams.scanning.copies import Student, make_copies, render_template
from exams.scanning.layout import STUDENT_NUMBER_REGION, Region
from exams.services.regions import exam_text_layout, part_regions_propose, printed_label
from exams.services.submissions import submission_identify


def exam_regions(exam: Exam) -> list[Region]:
    """The boxes printed on the template: the student-number box on the cover, then the
    answer regions of the exam's parts (parts without a region are skipped), each labelled
    with its part id and captioned with the part's printed label (``4(a)``)."""
    regions = [] if exam.template_pdf else [STUDENT_NUMBER_REGION]
    for part in exam.parts.select_related("question").order_by("order"):
        region = part.region or {}
        if region.get("page") and region.get("box"):
            x0, y0, x1, y1 = map(float, region["box"])
            caption = printed_label(part.question.number, part.label)
            regions.append(Region(part.part_id, int(region["page"]), x0, y0, x1, y1, caption))
    return regions


def exam_template(exam: Exam) -> bytes:
    """The blank exam PDF: the one the instructor uploaded, else one rendered with the
    question text of an exam made from text, the parts' answer regions and the cover's
    student-number box."""
    if exam.template_pdf:
        with exam.template_pdf.open("rb") as fh:
            return fh.read()
    layout = exam_text_layout(exam)
    return render_template(
        exam.title,
        exam_regions(exam),
        pages=max(exam.pages_per_copy, layout.pages if layout else 1),
        subtitle=f"{exam.course.code} · {exam.course.title}",
        text=layout.lines if layout else (),
    )


@transaction.atomic
def exam_print_copies(
    *,
    exam: Exam,
    students: Sequence[Enrollment] = (),
    anonymous: int = 0,
    template_pdf: bytes | None = None,
) -> bytes:
    """One PDF with a personalised copy per student, then ``anonymous`` blank copies.

    Copy numbers continue after the highest already printed (``Exam.copies_printed``, or a
    copy already scanned), so printing again never reuses a number. A personalised copy is
    matched to its student now (identified by QR).
    """
    exam = Exam.objects.select_for_update().get(pk=exam.pk)  # two printings: numbers apart
    first = max(exam.submissions.aggregate(m=Max("copy_number"))["m"] or 0, exam.copies_printed) + 1
    entries: list[Student | None] = [
        Student(e.user.get_full_name() or e.user.get_username(), e.student_number) for e in students
    ] + [None] * anonymous
    if not entries:
        raise ValueError("Nothing to print: choose students or a number of blank copies.")
    pdf = make_copies(
        template_pdf or exam_template(exam),
        exam_code=exam.qr_code,
        copies=entries,
        first_copy=first,
    )
    for offset, enrollment in enumerate(students):
        submission = Submission.objects.create(exam=exam, copy_number=first + offset)
        submission_identify(
            submission=submission, student=enrollment, identified_by=Submission.IdentifiedBy.QR
        )
    exam.copies_printed = first + len(entries) - 1
    if exam.status == Exam.Status.DRAFT:
        exam.status = Exam.Status.PRINTED
    exam.save(update_fields=["status", "copies_printed"])
    return pdf


#: A blank exam longer than this is a mistake (or a scan uploaded in the wrong place).
MAX_TEMPLATE_PAGES = 60
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024


@transaction.atomic
def exam_template_upload(*, exam: Exam, data: bytes, name: str) -> Exam:
    """Use the instructor's own blank exam PDF as the template of the printed copies.

    The PDF must open, be unencrypted and have at most ``MAX_TEMPLATE_PAGES`` pages; the exam's
    pages per copy becomes its page count. The parts without an answer region get the one
    found on the PDF's text layer (``regions.part_regions_propose``), for the instructor to
    confirm or adjust.
    """
    import pypdfium2 as pdfium
    from django.core.files.base import ContentFile

    if not data.startswith(b"%PDF"):
        raise ValidationError({"template_pdf": "The blank exam must be a PDF file."})
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError({"template_pdf": "The blank exam is larger than 50 MiB."})
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValidationError(
            {"template_pdf": f"The PDF cannot be read ({exc}); is it encrypted or damaged?"}
        ) from exc
    try:
        pages = len(document)
    finally:
        document.close()
    if not 1 <= pages <= MAX_TEMPLATE_PAGES:
        raise ValidationError(
            {
                "template_pdf": f"The blank exam has {pages} pages; 1 to {MAX_TEMPLATE_PAGES} expected."
            }
        )
    if exam.template_pdf:
        delete_after_commit([exam.template_pdf.name])
    exam.template_pdf.save(f"exam-{exam.pk}.pdf", ContentFile(data), save=False)
    exam.pages_per_copy = pages
    exam.save(update_fields=["template_pdf", "pages_per_copy"])
    _printed_from_pdf(exam, data)
    # A region already drawn beyond the new page count is the regions editor's to report:
    # it does not refuse the blank exam.
    with contextlib.suppress(ValidationError):
        part_regions_propose(exam=exam)
    return exam


def _printed_from_pdf(exam: Exam, data: bytes) -> None:
    """The PDF's text layer becomes the exam's printed text, unless the exam has a better
    one (the text it was created from, or an uploaded transcription of the blank)."""
    from exams.models import PrintedExam
    from exams.services.printed import pdf_text, printed_exam_current, printed_exam_store

    current = printed_exam_current(exam)
    if current is not None and current.source != PrintedExam.Source.PDF_TEXT:
        return
    try:
        printed_exam_store(exam=exam, text=pdf_text(data), source=PrintedExam.Source.PDF_TEXT)
    except ValidationError:
        return  # a scanned PDF without a text layer: nothing to align with
