"""Who sees what: enrolled users see their courses; a student only their own submission and
only after publication; everyone else gets 404 (never 403, so ids cannot be probed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Exam

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _publish(exam):
    exam.status = Exam.Status.PUBLISHED
    exam.save()


def test_home_lists_only_enrolled_courses(client, cast):
    response = _get(client, cast.ta.user, reverse("home"))
    assert response.status_code == 200
    assert cast.course.code in response.text
    assert cast.other_course.code not in response.text


def test_anonymous_users_are_sent_to_login(client, cast):
    response = client.get(reverse("submission_detail", args=[cast.submission.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["instructor", "ta"])
def test_staff_read_any_submission_of_their_course(client, cast, who):
    user = getattr(cast, who).user
    response = _get(client, user, reverse("submission_detail", args=[cast.other_submission.pk]))
    assert response.status_code == 200


def test_a_ta_of_another_course_gets_404(client, cast):
    for url in (
        reverse("course_detail", args=[cast.course.pk]),
        reverse("exam_detail", args=[cast.exam.pk]),
        reverse("submission_detail", args=[cast.submission.pk]),
    ):
        assert _get(client, cast.other_ta.user, url).status_code == 404, url


def test_a_student_cannot_read_their_submission_before_publication(client, cast):
    url = reverse("submission_detail", args=[cast.submission.pk])
    assert _get(client, cast.student.user, url).status_code == 404


def test_a_student_reads_their_own_submission_after_publication(client, cast):
    _publish(cast.exam)
    url = reverse("submission_detail", args=[cast.submission.pk])
    response = _get(client, cast.student.user, url)
    assert response.status_code == 200
    assert cast.exam.title in response.text


def test_a_student_cannot_read_another_students_submission(client, cast):
    _publish(cast.exam)
    url = reverse("submission_detail", args=[cast.other_submission.pk])
    assert _get(client, cast.student.user, url).status_code == 404


def test_a_student_of_another_course_gets_404(client, cast):
    _publish(cast.exam)
    url = reverse("submission_detail", args=[cast.submission.pk])
    assert _get(client, cast.outsider_student.user, url).status_code == 404


def test_a_student_sees_only_published_exams_and_is_sent_to_their_copy(client, cast):
    course_url = reverse("course_detail", args=[cast.course.pk])
    assert cast.exam.title not in _get(client, cast.student.user, course_url).text
    assert (
        _get(client, cast.student.user, reverse("exam_detail", args=[cast.exam.pk])).status_code
        == 404
    )
    _publish(cast.exam)
    assert cast.exam.title in _get(client, cast.student.user, course_url).text
    response = client.get(reverse("exam_detail", args=[cast.exam.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[cast.submission.pk])


def test_staff_exam_page_lists_parts_and_submissions(client, cast):
    response = _get(client, cast.ta.user, reverse("exam_detail", args=[cast.exam.pk]))
    assert response.status_code == 200
    assert "1.a" in response.text
    assert "1.b" in response.text
    assert "Alice" in response.text


def test_unknown_ids_are_404(client, cast):
    assert (
        _get(client, cast.instructor.user, reverse("submission_detail", args=[999999])).status_code
        == 404
    )
    assert (
        _get(client, cast.instructor.user, reverse("page_image", args=[999999])).status_code == 404
    )


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("home", None),
        ("course_detail", "course"),
        ("exam_detail", "exam"),
        ("submission_detail", "submission"),
    ],
)
def test_pages_reject_post(client, cast, name, arg):
    obj = {"course": cast.course, "exam": cast.exam, "submission": cast.submission}.get(arg)
    url = reverse(name, args=[obj.pk] if obj else [])
    client.force_login(cast.instructor.user)
    assert client.post(url).status_code == 405


def test_healthz_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
