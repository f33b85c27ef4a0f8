"""Anonymous copies are matched to their students from the number written on the cover."""

from __future__ import annotations

import io

import pytest

from demo import build
from exams.models import Submission, Transcription
from exams.pipeline import upload
from exams.scanning.fakescan import ScanDefects, fake_scan
from exams.scanning.layout import STUDENT_NUMBER_REGION
from exams.services import printing

pytestmark = pytest.mark.django_db


def _scan(exam, numbers: dict[int, str], seed=4):
    pdf = printing.exam_print_copies(exam=exam, anonymous=len(numbers))
    answers = {(copy, STUDENT_NUMBER_REGION.label): number for copy, number in numbers.items()}
    answers |= {(copy, "1.a"): "15" for copy in numbers}
    return fake_scan(
        pdf,
        answers,
        printing.exam_regions(exam),
        seed=seed,
        dpi=150,
        defects=ScanDefects(upside_down=1, dropped=0, duplicated=0),
    )


def test_written_student_numbers_match_copies_to_students(
    media_root, django_capture_on_commit_callbacks
):
    exam, roster = build.demo_exam(students=3)
    numbers = {1: roster[2].student_number, 2: roster[0].student_number, 3: "99999999"}
    scan = _scan(exam, numbers)
    with django_capture_on_commit_callbacks(execute=True):
        upload.scan_batch_upload(exam=exam, stream=io.BytesIO(scan.pdf), original_name="s.pdf")
    matched = dict(
        Submission.objects.filter(exam=exam).values_list("copy_number", "student__student_number")
    )
    identified_by = dict(
        Submission.objects.filter(exam=exam).values_list("copy_number", "identified_by")
    )
    reads = Transcription.objects.filter(
        submission__exam=exam, text__startswith="student number read"
    )
    assert reads.count() == 3  # every cover was read once, and the read is kept
    # A number no student has is never matched; the others are, unless the OCR misread them
    # (then a person matches them, with the read number ranking the suggestions).
    assert matched[3] is None
    assert sum(matched[c] == numbers[c] for c in (1, 2)) >= 1
    for copy in (1, 2):
        assert matched[copy] in (None, numbers[copy])
        if matched[copy]:
            assert identified_by[copy] == Submission.IdentifiedBy.STUDENT_NUMBER


def test_a_number_already_matched_to_another_copy_is_left_to_a_person(
    media_root, django_capture_on_commit_callbacks
):
    exam, roster = build.demo_exam(students=2)
    number = roster[0].student_number
    scan = _scan(exam, {1: number, 2: number}, seed=6)
    with django_capture_on_commit_callbacks(execute=True):
        upload.scan_batch_upload(exam=exam, stream=io.BytesIO(scan.pdf), original_name="s.pdf")
    assert Submission.objects.filter(exam=exam, student=roster[0]).count() <= 1
    assert Submission.objects.filter(exam=exam, student__isnull=True).count() >= 1
