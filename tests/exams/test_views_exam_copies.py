"""The exam page's table of copies: paged and filtered (copy number, student, status), so that
it costs the same with 50 or 500 students."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Answer, Enrollment, Role, Submission
from grading import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_of_120(cast):
    """120 copies: the cast's two, 117 identified ones and one not identified; copy of
    student "Zoe Quinn" has a flagged answer left to grade."""
    part = cast.exam.parts.get(part_id="1.b")
    users = [factories.user(f"s{i:03d}") for i in range(117)]
    for i, user in enumerate(users):
        user.first_name, user.last_name = ("Zoe", "Quinn") if i == 7 else ("Sam", f"Lee{i}")
        user.save()
        student = factories.enroll(cast.course, user, Role.STUDENT, student_number=f"7{i:07d}")
        Submission.objects.create(exam=cast.exam, copy_number=100_000 + i, student=student)
    Submission.objects.create(exam=cast.exam, copy_number=200_000)
    zoe = Submission.objects.get(student__user__last_name="Quinn")
    flagged = Answer.objects.create(
        submission=zoe, part=part, verdict="needs_review", group_key="x", final_answer="x"
    )
    services.score_apply_auto(answer=flagged)
    return {"zoe": zoe, "flagged": flagged}


def copies(client, exam, **params) -> list[int]:
    response = client.get(reverse("exam_detail", args=[exam.pk]), params)
    assert response.status_code == 200
    return [s.copy_number for s in response.context["copies"]]


def test_the_copies_are_listed_fifty_to_a_page(client, cast, class_of_120):
    client.force_login(cast.ta.user)
    first = copies(client, cast.exam)
    assert len(first) == 50
    assert first == sorted(first)
    last = copies(client, cast.exam, page=3)
    assert len(last) == 20
    assert last[-1] == 200_000
    body = client.get(reverse("exam_detail", args=[cast.exam.pk]), {"page": 2}).content.decode()
    assert "Copies 51–100 of 120" in body
    assert 'rel="next"' in body
    assert 'rel="prev"' in body
    assert copies(client, cast.exam, page="x") == first  # a bad page number is the first


def test_the_filter_finds_a_copy_by_number_name_or_student_number(client, cast, class_of_120):
    client.force_login(cast.instructor.user)
    assert copies(client, cast.exam, q="100003") == [100_003]
    assert copies(client, cast.exam, q="zoe quinn") == [class_of_120["zoe"].copy_number]
    assert copies(client, cast.exam, q="70000012") == [100_012]
    assert copies(client, cast.exam, q="nobody") == []
    assert len(copies(client, cast.exam, q="lee")) == 50  # 116 match, paged


def test_the_filter_by_status(client, cast, class_of_120):
    client.force_login(cast.instructor.user)
    zoe = class_of_120["zoe"]
    assert copies(client, cast.exam, status="todo") == [zoe.copy_number]
    assert copies(client, cast.exam, status="unidentified") == [200_000]
    assert zoe.copy_number not in copies(client, cast.exam, status="done", q="quinn")
    services.answer_grade(
        answer=class_of_120["flagged"],
        actor=cast.ta.user,
        expected_version=1,
        points=Decimal(1),
    )
    assert copies(client, cast.exam, status="todo") == []
    assert copies(client, cast.exam, status="done", q="quinn") == [zoe.copy_number]
    # A status that does not exist lists every copy, never an error.
    assert len(copies(client, cast.exam, status="nonsense")) == 50


def test_the_exam_page_does_not_grow_with_the_class(client, cast, class_of_120):
    client.force_login(cast.instructor.user)
    url = reverse("exam_detail", args=[cast.exam.pk])
    small = len(client.get(url).content)
    more = [factories.user(f"t{i:03d}") for i in range(200)]
    Submission.objects.bulk_create(
        [
            Submission(
                exam=cast.exam,
                copy_number=300_000 + i,
                student=Enrollment.objects.create(
                    course=cast.course, user=u, role=Role.STUDENT, student_number=f"8{i:07d}"
                ),
            )
            for i, u in enumerate(more)
        ]
    )
    large = len(client.get(url).content)
    assert large < small * 1.1, (small, large)


def test_with_names_hidden_a_ta_finds_copies_by_number_only(client, cast, class_of_120):
    cast.exam.anonymous_grading = True
    cast.exam.save(update_fields=["anonymous_grading"])
    client.force_login(cast.ta.user)
    assert copies(client, cast.exam, q="quinn") == []
    assert copies(client, cast.exam, q="70000012") == []
    assert copies(client, cast.exam, q="100012") == [100_012]
    client.force_login(cast.instructor.user)  # instructors keep the names
    assert copies(client, cast.exam, q="quinn") == [class_of_120["zoe"].copy_number]
