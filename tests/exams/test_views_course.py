"""The course page and the roster import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import Enrollment, Role

pytestmark = pytest.mark.django_db


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")


def students(course) -> set[str]:
    return set(
        Enrollment.objects.filter(course=course, role=Role.STUDENT).values_list(
            "student_number", flat=True
        )
    )


def test_staff_see_the_roster_students_do_not(client, cast):
    client.force_login(cast.ta.user)
    response = client.get(reverse("course_detail", args=[cast.course.pk]))
    assert response.status_code == 200
    assert cast.student.student_number in response.content.decode()
    client.force_login(cast.student.user)
    response = client.get(reverse("course_detail", args=[cast.course.pk]))
    assert response.status_code == 200
    assert cast.other_student.student_number not in response.content.decode()


def test_the_course_page_is_404_for_outsiders_and_rejects_post(client, cast):
    client.force_login(cast.other_ta.user)
    assert client.get(reverse("course_detail", args=[cast.course.pk])).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.post(reverse("course_detail", args=[cast.course.pk])).status_code == 405


def test_roster_import_keeps_valid_rows_and_lists_bad_ones(client, cast):
    before = students(cast.course)
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("roster_import", args=[cast.course.pk]),
        {
            "file": csv_file(
                "Name,Student Number,Email\n"
                "Carla Diaz,30000001,carla@example.org\n"
                ",30000002,nobody@example.org\n"
                "Dev Patel,30000003,not-an-email\n"
                "Eve Stone,30000001,eve@example.org\n"
                "Fay Wong,30000004,FAY@example.org\n"
            )
        },
    )
    assert response.status_code == 200
    result = response.context["roster_result"]
    assert [e.line for e in result.errors] == [3, 4, 5]
    assert "name" in result.errors[0].message
    assert "email" in result.errors[1].message.lower()
    assert "also on line 2" in result.errors[2].message
    assert students(cast.course) == before | {"30000001", "30000004"}
    assert "Dev Patel" in response.content.decode()


def test_a_file_level_error_imports_nothing(client, cast):
    before = students(cast.course)
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("roster_import", args=[cast.course.pk]),
        {"file": csv_file("name,email\nCarla,carla@example.org\n")},
    )
    assert response.status_code == 400
    assert "student number" in response.context["roster_error"]
    assert students(cast.course) == before


def test_roster_import_is_for_the_instructor_only_and_post_only(client, cast):
    url = reverse("roster_import", args=[cast.course.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        response = client.post(
            url, {"file": csv_file("name,student number,email\nA B,1,a@b.org\n")}
        )
        assert response.status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    assert "1" not in students(cast.course)
