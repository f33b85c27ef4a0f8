"""The exam page: answer key install, printable copies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo import plan
from exams.models import AnswerKey, Role, Submission
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_instructor_sees_every_section_a_ta_only_grading(client, cast):
    client.force_login(cast.instructor.user)
    body = client.get(reverse("exam_detail", args=[cast.exam.pk])).content.decode()
    assert 'id="answer-key"' in body
    assert 'id="scans"' in body
    assert 'id="grading"' in body
    client.force_login(cast.ta.user)
    body = client.get(reverse("exam_detail", args=[cast.exam.pk])).content.decode()
    assert 'id="grading"' in body
    assert 'id="answer-key"' not in body


def test_the_exam_page_is_404_outside_the_course_and_rejects_post(client, cast):
    client.force_login(cast.other_ta.user)
    assert client.get(reverse("exam_detail", args=[cast.exam.pk])).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.post(reverse("exam_detail", args=[cast.exam.pk])).status_code == 405


def test_installing_the_key_from_a_file_says_what_it_changes_and_asks_first(client, cast):
    client.force_login(cast.instructor.user)
    upload = SimpleUploadedFile("key.yaml", plan.KEY_PATH.read_bytes())
    url = reverse("answer_key_install", args=[cast.exam.pk])
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    changes = "\n".join(response.context["key_changes"])
    assert "Adds 5 part(s)" in changes
    assert "part 1.a: points 4 -> 5" in changes
    assert "pages per copy go from 1 to 2" in changes
    assert not AnswerKey.objects.filter(exam=cast.exam).exists()
    assert set(cast.exam.parts.values_list("part_id", flat=True)) == {"1.a", "1.b"}
    source = response.context["key_source"]
    response = client.post(url, {"source": source, "confirm": "on"})
    assert response.status_code == 302
    assert AnswerKey.objects.get(exam=cast.exam).version == 1
    assert set(cast.exam.parts.values_list("part_id", flat=True)) >= {"1.a", "3.b", "4.a"}


def test_a_new_key_version_says_which_copies_are_checked_again(client, cast):
    from exams.pipeline import checking
    from exams.services.keys import answer_key_store

    key = plan.KEY_PATH.read_text()
    answer_key_store(exam=cast.exam, source=key)
    part = cast.exam.parts.get(part_id="1.a")
    checking.answer_set_text(
        submission=cast.submission,
        part=part,
        text="15",
        source="typed",
        engine="",
        confidence=1.0,
        actor=None,
    )
    checking.submission_check(submission=cast.submission)
    client.force_login(cast.instructor.user)
    v2 = key.replace("key_version: 1", "key_version: 2").replace("steps: 3000}", "steps: 2400}")
    response = client.post(
        reverse("answer_key_install", args=[cast.exam.pk]), {"source": v2}, follow=True
    )
    body = response.content.decode()
    assert "Answer key version 2 installed. 1 part changed: 1 copy is checked again" in body
    assert "A grade given by a person stands" in body


def test_a_bad_key_shows_its_issues_with_line_and_field(client, cast):
    source = plan.KEY_PATH.read_text().replace("points: 5", "points: lots", 1)
    client.force_login(cast.instructor.user)
    response = client.post(reverse("answer_key_install", args=[cast.exam.pk]), {"source": source})
    assert response.status_code == 400
    issues = response.context["key_issues"]
    assert any("line" in i and "points" in i for i in issues), issues
    assert not AnswerKey.objects.filter(exam=cast.exam).exists()
    assert "points: lots" in response.content.decode()  # the pasted text is kept


def test_key_install_is_for_the_instructor_only_and_post_only(client, cast):
    url = reverse("answer_key_install", args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"source": plan.KEY_PATH.read_text()}).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    assert not AnswerKey.objects.exists()


def test_printing_personalised_copies_for_students_without_one(client, cast):
    newcomer = factories.enroll(cast.course, factories.user("nina"), Role.STUDENT)
    client.force_login(cast.instructor.user)
    response = client.post(reverse("exam_print", args=[cast.exam.pk]), {"mode": "roster"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Submission.objects.get(exam=cast.exam, student=newcomer).identified_by == "qr"


def test_printing_anonymous_copies(client, cast):
    client.force_login(cast.instructor.user)
    before = Submission.objects.filter(exam=cast.exam).count()
    response = client.post(
        reverse("exam_print", args=[cast.exam.pk]), {"mode": "anonymous", "count": "2"}
    )
    assert response.content.startswith(b"%PDF")
    assert Submission.objects.filter(exam=cast.exam).count() == before  # copies made on scan


def test_printing_for_a_roster_that_has_its_copies_says_so(client, cast):
    client.force_login(cast.instructor.user)
    response = client.post(reverse("exam_print", args=[cast.exam.pk]), {"mode": "roster"})
    assert response.status_code == 302
    response = client.post(
        reverse("exam_print", args=[cast.exam.pk]), {"mode": "anonymous", "count": "0"}
    )
    assert response.status_code == 302


def test_printing_is_for_the_instructor_only_and_post_only(client, cast):
    url = reverse("exam_print", args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"mode": "anonymous", "count": "1"}).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
