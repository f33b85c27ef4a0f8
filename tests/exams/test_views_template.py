"""An instructor's own blank exam PDF as the template of the printed copies."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import Exam
from exams.scanning.copies import render_template
from exams.scanning.layout import Region
from exams.scanning.qrcodes import decode_page
from exams.services import printing

pytestmark = pytest.mark.django_db


def _blank_exam(pages: int) -> bytes:
    return render_template("My own midterm", [Region("q", pages, 0.1, 0.5, 0.9, 0.6)], pages=pages)


def _post(client, user, exam, data: bytes, name="blank.pdf"):
    client.force_login(user)
    return client.post(
        reverse("exam_template_upload", args=[exam.pk]),
        {"template_pdf": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_an_instructor_installs_a_blank_exam_and_copies_are_printed_from_it(
    client, cast, media_root
):
    response = _post(client, cast.instructor.user, cast.exam, _blank_exam(3))
    assert response.status_code == 302
    assert response["Location"] == reverse("exam_regions", args=[cast.exam.pk])
    exam = Exam.objects.get(pk=cast.exam.pk)
    assert exam.pages_per_copy == 3
    assert printing.exam_template(exam) == _blank_exam(3)

    pdf = printing.exam_print_copies(exam=exam, anonymous=2)
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 2 * 3
    # Every page of every copy is stamped with its own QR code.
    bitmap = document[4].render(scale=150 / 72).to_pil()
    read = decode_page(bitmap)
    assert (read.payload.exam_code, read.payload.page) == (exam.qr_code, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a pdf at all", "must be a PDF"),
        (b"%PDF-1.7\n garbage", "cannot be read"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_changes(
    client, cast, media_root, data, message
):
    response = _post(client, cast.instructor.user, cast.exam, data)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert message in follow.text
    exam = Exam.objects.get(pk=cast.exam.pk)
    assert not exam.template_pdf
    assert exam.pages_per_copy == cast.exam.pages_per_copy


def test_only_the_exams_instructors_may_install_a_template(client, cast, media_root):
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        assert _post(client, user, cast.exam, _blank_exam(1)).status_code == 404
    assert not Exam.objects.get(pk=cast.exam.pk).template_pdf


def test_the_template_upload_rejects_get(client, cast):
    client.force_login(cast.instructor.user)
    assert client.get(reverse("exam_template_upload", args=[cast.exam.pk])).status_code == 405
