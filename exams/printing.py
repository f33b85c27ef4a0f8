"""Printable copies of an exam: the template (uploaded, or rendered from the parts' answer
regions) stamped with a QR code per page and corner markers, optionally personalised."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max

from exams.models import Enrollment, Exam, Submission
from exams.scanning.copies import Student, make_copies, render_template
from exams.scanning.layout import Region
from exams.services import submission_identify


def exam_regions(exam: Exam) -> list[Region]:
    """The boxes printed on the template: the student-number box on the cover, then the
    answer regions of the exam's parts (parts without a region are skipped)."""
    from exams.identify import STUDENT_NUMBER_REGION

    regions = [STUDENT_NUMBER_REGION]
    for part in exam.parts.order_by("order"):
        region = part.region or {}
        if region.get("page") and region.get("box"):
            regions.append(Region(part.part_id, int(region["page"]), *map(float, region["box"])))
    return regions


def exam_template(exam: Exam) -> bytes:
    """A blank exam PDF rendered from the parts' answer regions."""
    return render_template(
        exam.title,
        exam_regions(exam),
        pages=exam.pages_per_copy,
        subtitle=f"{exam.course.code} · {exam.course.title}",
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

    Copy numbers continue after the highest already printed, so printing again never reuses
    a number. A personalised copy is matched to its student now (identified by QR).
    """
    first = (exam.submissions.aggregate(m=Max("copy_number"))["m"] or 0) + 1
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
    if exam.status == Exam.Status.DRAFT:
        exam.status = Exam.Status.PRINTED
        exam.save(update_fields=["status"])
    return pdf
