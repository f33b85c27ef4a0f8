"""From a blank exam PDF to printed copies in the browser, without drawing a region: the new
exam page reads the PDF's text, the blank exam upload finds the regions, and the regions page
finds them again on demand."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import Exam, Part
from tests.exams.blank_exams import ROOM, blank_exam_pdf

pytestmark = pytest.mark.django_db


def _pdf(name: str = "quiz2.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, blank_exam_pdf(), content_type="application/pdf")


def test_an_instructor_goes_from_a_pdf_to_printed_copies_without_drawing(client, cast, media_root):
    client.force_login(cast.instructor.user)
    propose = client.post(
        reverse("exam_new_propose", args=[cast.course.pk]), {"title": "Quiz 2", "file": _pdf()}
    )
    assert propose.status_code == 200
    source, template = propose.context["source"], propose.context["template"]
    assert [p.part_id for p in propose.context["proposed"].parts] == list(ROOM)
    assert f'name="template" value="{template}"' in propose.content.decode()
    confirm = client.post(
        reverse("exam_new_confirm", args=[cast.course.pk]),
        {"title": "Quiz 2", "source": source, "pages_per_copy": "1", "template": template},
    )
    assert confirm.status_code == 302
    exam = Exam.objects.get(course=cast.course, title="Quiz 2")
    # The PDF the text was read from is the template: its regions are found, none drawn.
    assert exam.template_pdf
    assert exam.pages_per_copy == 2
    parts = Part.objects.filter(exam=exam)
    assert {p.part_id: p.region["page"] for p in parts} == {k: v[0] for k, v in ROOM.items()}
    printed = client.post(reverse("exam_print", args=[exam.pk]), {"mode": "anonymous", "count": 3})
    assert printed.status_code == 200
    assert printed["Content-Type"] == "application/pdf"


def test_a_confirmation_whose_pdf_is_gone_says_so_and_creates_nothing(client, cast, media_root):
    client.force_login(cast.instructor.user)
    propose = client.post(
        reverse("exam_new_propose", args=[cast.course.pk]), {"title": "Quiz 2", "file": _pdf()}
    )
    confirm = client.post(
        reverse("exam_new_confirm", args=[cast.course.pk]),
        {"title": "Quiz 2", "source": propose.context["source"], "template": "0" * 64},
    )
    assert confirm.status_code == 400
    assert "upload it again" in confirm.context["error"]
    assert not Exam.objects.filter(title="Quiz 2").exists()


def test_the_regions_page_finds_the_regions_again(client, cast, media_root):
    client.force_login(cast.instructor.user)
    exam = cast.exam
    client.post(reverse("exam_template_upload", args=[exam.pk]), {"template_pdf": _pdf()})
    # The cast's exam has parts 1.a and 1.b, printed on the PDF as (a) and (b) of question 1.
    Part.objects.filter(exam=exam).update(region={})
    url = reverse("exam_regions_find", args=[exam.pk])
    response = client.post(url, {"replace": "missing"}, follow=True)
    assert response.status_code == 200
    regions = dict(Part.objects.filter(exam=exam).values_list("part_id", "region"))
    assert regions["1.a"]["page"] == 1
    assert regions["1.b"]["page"] == 1
    assert regions["1.a"]["box"][3] <= regions["1.b"]["box"][1]
    assert "2 regions set." in response.content.decode()


def test_finding_the_regions_is_for_the_instructor_only(client, cast):
    url = reverse("exam_regions_find", args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"replace": "all"}).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    bad = client.post(url, {"replace": "everything"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"%PDF-1.4 not really", "cannot be read"), (None, "no text layer")],
)
def test_a_pdf_that_is_not_readable_text_is_refused_with_the_reason(client, cast, data, reason):
    if data is None:  # a scan: a page with ink but no text
        import io

        from reportlab.pdfgen.canvas import Canvas

        buf = io.BytesIO()
        c = Canvas(buf)
        c.rect(100, 100, 200, 200, fill=1)
        c.showPage()
        c.save()
        data = buf.getvalue()
    client.force_login(cast.instructor.user)
    blank = SimpleUploadedFile("scan.pdf", data, content_type="application/pdf")
    response = client.post(
        reverse("exam_new_propose", args=[cast.course.pk]), {"title": "Q", "file": blank}
    )
    assert response.status_code == 400
    assert reason in response.context["error"]
