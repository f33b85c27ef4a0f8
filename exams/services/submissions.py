"""Writes on submissions, the graded side of a printed copy: found by its copy number,
matched to a student.

"Submission" is the code's name (the model, the services); "copy" is the word on paper and on
the pages (copy 12, ``copy_number``): one submission per printed copy.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Enrollment, Exam, Role, Submission
from gradebook.db import refuse_duplicate


@transaction.atomic
def submission_ensure(*, exam: Exam, copy_number: int) -> Submission:
    """The submission for a printed copy, created on first sight (idempotent)."""
    submission, _ = Submission.objects.get_or_create(exam=exam, copy_number=copy_number)
    return submission


@transaction.atomic
def submission_identify(
    *, submission: Submission, student: Enrollment, identified_by: str
) -> Submission:
    """Attach a copy to a student of the exam's course. A student has one copy per exam."""
    if student.course_id != submission.exam.course_id or student.role != Role.STUDENT:
        raise ValidationError({"student": "Not a student of this exam's course."})
    clash = (
        Submission.objects.filter(exam=submission.exam, student=student)
        .exclude(pk=submission.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"student": f"Already matched to copy {clash.copy_number} of this exam."}
        )
    submission.student = student
    submission.identified_by = identified_by
    submission.full_clean()
    # Two copies matched to the same student at the same moment: one wins.
    with refuse_duplicate({"student": "Already matched to another copy of this exam."}):
        submission.save(update_fields=["student", "identified_by"])
    return submission
