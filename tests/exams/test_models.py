"""Constraints that make pipeline re-runs update instead of duplicating."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from exams.models import Answer, Enrollment, Page, Role, ScanBatch, Submission, Transcription
from exams.services.courses import enrollment_add
from exams.services.structure import PartSpec, QuestionSpec, exam_structure_set
from exams.services.submissions import submission_ensure, submission_identify
from tests import factories

pytestmark = pytest.mark.django_db


def _batch(exam, checksum="a" * 64):
    return ScanBatch.objects.create(
        exam=exam, file="scans/x.pdf", original_name="x.pdf", checksum=checksum, size_bytes=1
    )


def test_a_user_is_enrolled_once_per_course(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(course=cast.course, user=cast.student.user, role=Role.TA)


def test_enrolling_again_updates_the_role_instead_of_duplicating(cast):
    enrollment_add(course=cast.course, user=cast.ta.user, role=Role.INSTRUCTOR)
    assert Enrollment.objects.filter(course=cast.course, user=cast.ta.user).count() == 1
    assert Enrollment.objects.get(course=cast.course, user=cast.ta.user).role == Role.INSTRUCTOR


def test_student_numbers_are_unique_within_a_course_only(cast):
    number = cast.student.student_number
    with pytest.raises(ValidationError):
        enrollment_add(
            course=cast.course, user=factories.user(), role=Role.STUDENT, student_number=number
        )
    other = enrollment_add(
        course=cast.other_course, user=factories.user(), role=Role.STUDENT, student_number=number
    )
    assert other.student_number == number


def test_staff_without_student_numbers_do_not_clash(cast):
    # Several empty student numbers (instructor, TA) are allowed in one course.
    assert cast.instructor.student_number == cast.ta.student_number == ""


def test_one_submission_per_copy_number(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(exam=cast.exam, copy_number=cast.submission.copy_number)


def test_submission_ensure_is_idempotent(cast):
    first = submission_ensure(exam=cast.exam, copy_number=999)
    again = submission_ensure(exam=cast.exam, copy_number=999)
    assert first.pk == again.pk
    assert Submission.objects.filter(exam=cast.exam, copy_number=999).count() == 1


def test_a_student_has_one_copy_per_exam(cast):
    spare = submission_ensure(exam=cast.exam, copy_number=500)
    with pytest.raises(ValidationError, match="Already matched to copy"):
        submission_identify(submission=spare, student=cast.student, identified_by="person")


def test_a_copy_cannot_be_matched_to_a_student_of_another_course(cast):
    spare = submission_ensure(exam=cast.exam, copy_number=501)
    with pytest.raises(ValidationError, match="Not a student of this exam"):
        submission_identify(submission=spare, student=cast.outsider_student, identified_by="person")


def test_the_same_file_is_stored_once_per_exam(cast):
    _batch(cast.exam)
    with pytest.raises(IntegrityError), transaction.atomic():
        _batch(cast.exam)


def test_a_copy_page_is_placed_only_once(cast):
    batch = _batch(cast.exam)
    Page.objects.create(
        batch=batch,
        index_in_batch=0,
        status=Page.Status.PLACED,
        submission=cast.submission,
        page_number=1,
    )
    duplicate = Page.objects.create(batch=batch, index_in_batch=1)
    duplicate.status, duplicate.submission, duplicate.page_number = (
        Page.Status.PLACED,
        cast.submission,
        1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # Marked duplicate, the same position is allowed: nothing is dropped.
    duplicate.status = Page.Status.DUPLICATE
    duplicate.save()
    assert Page.objects.filter(submission=cast.submission, page_number=1).count() == 2


def test_a_placed_page_needs_a_position(cast):
    batch = _batch(cast.exam)
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.create(batch=batch, index_in_batch=0, status=Page.Status.PLACED)


def test_one_answer_per_part_of_a_submission(cast):
    part = cast.exam.parts.first()
    Answer.objects.create(submission=cast.submission, part=part)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(submission=cast.submission, part=part)


def test_a_transcription_must_have_a_target_and_a_sane_confidence(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transcription.objects.create(source=Transcription.Source.OCR, text="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transcription.objects.create(
            source=Transcription.Source.OCR, submission=cast.submission, confidence=1.5
        )


def test_structure_import_twice_updates_in_place(cast):
    spec = [
        QuestionSpec(
            number="1",
            max_points=Decimal(10),
            parts=[
                PartSpec(part_id="1.a", label="(a)", max_points=Decimal(3)),
                PartSpec(part_id="1.b", label="(b)", max_points=Decimal(7)),
            ],
        ),
        QuestionSpec(
            number="2",
            max_points=Decimal(5),
            parts=[
                PartSpec(part_id="2.1", label="Q2.1", max_points=Decimal(5)),
            ],
        ),
    ]
    first = exam_structure_set(exam=cast.exam, questions=spec)
    again = exam_structure_set(exam=cast.exam, questions=list(reversed(spec)))
    assert {p.pk for p in first} == {p.pk for p in again}
    assert list(cast.exam.parts.values_list("part_id", flat=True)) == ["2.1", "1.a", "1.b"]


def test_structure_import_refuses_to_drop_a_part_with_answers(cast):
    part = cast.exam.parts.get(part_id="1.a")
    Answer.objects.create(submission=cast.submission, part=part)
    with pytest.raises(ValidationError, match=r"1\.a"):
        exam_structure_set(
            exam=cast.exam,
            questions=[
                QuestionSpec(
                    number="1",
                    max_points=Decimal(6),
                    parts=[
                        PartSpec(part_id="1.b", label="(b)", max_points=Decimal(6)),
                    ],
                ),
            ],
        )
    assert cast.exam.parts.filter(part_id="1.a").exists()
