"""Rubric items imported from another part: of the same exam, or of another exam of a course
the user staffs; never from a course they do not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Role
from grading import services
from grading.models import RubricItem
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(cast):
    return cast.exam.parts.get(part_id="1.b")


@pytest.fixture
def source(cast):
    """Part 1.a of the same exam, with three items."""
    part = cast.exam.parts.get(part_id="1.a")
    services.rubric_item_create(part=part, label="sign error", points=Decimal(-2))
    services.rubric_item_create(
        part=part, label="no units", points=Decimal(-1), description="say what is counted"
    )
    services.rubric_item_create(part=part, label="bonus", points=Decimal("0.5"))
    return part


def ids(part) -> list[int]:
    return list(part.rubric_items.order_by("order").values_list("pk", flat=True))


def test_the_rubric_page_offers_the_parts_with_items_and_lists_the_chosen_ones(
    client, cast, target, source
):
    client.force_login(cast.instructor.user)
    url = reverse("rubric", args=[target.pk])
    assert [p.pk for p in client.get(url).context["sources"]] == [source.pk]
    listed = client.get(url, {"from": source.pk}).context["source_items"]
    assert [(item.label, here) for item, here in listed] == [
        ("sign error", False),
        ("no units", False),
        ("bonus", False),
    ]


def test_ticked_items_are_copied_after_the_parts_own(client, cast, target, source):
    services.rubric_item_create(part=target, label="rounding", points=Decimal(-1))
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("rubric_import", args=[target.pk]),
        {"source": source.pk, "items": ids(source)[:2]},
    )
    assert response.status_code == 302
    copied = list(
        target.rubric_items.order_by("order").values_list("label", "points", "description")
    )
    assert copied == [
        ("rounding", Decimal(-1), ""),
        ("sign error", Decimal(-2), ""),
        ("no units", Decimal(-1), "say what is counted"),
    ]
    assert source.rubric_items.count() == 3  # copied, not moved


def test_a_label_the_part_has_is_left_out_and_said(client, cast, target, source):
    services.rubric_item_create(part=target, label="sign error", points=Decimal(-3))
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("rubric_import", args=[target.pk]),
        {"source": source.pk, "items": ids(source)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json()["created"] == 2
    assert "Already here, left out: sign error" in response.json()["message"]
    assert target.rubric_items.get(label="sign error").points == Decimal(-3)


def test_items_come_from_another_exam_of_a_course_the_user_staffs(client, cast, target):
    last_year = factories.course()
    factories.enroll(last_year, cast.instructor.user, Role.TA)
    old_exam = factories.exam(last_year)
    old_part = old_exam.parts.get(part_id="1.b")
    services.rubric_item_create(part=old_part, label="floor vs ceil", points=Decimal(-2))
    client.force_login(cast.instructor.user)
    sources = client.get(reverse("rubric", args=[target.pk])).context["sources"]
    assert old_part in sources
    response = client.post(
        reverse("rubric_import", args=[target.pk]), {"source": old_part.pk, "items": ids(old_part)}
    )
    assert response.status_code == 302
    assert target.rubric_items.get().label == "floor vs ceil"


def test_a_part_of_a_course_the_user_does_not_staff_is_a_404(client, cast, target):
    foreign = factories.exam(cast.other_course).parts.get(part_id="1.a")
    services.rubric_item_create(part=foreign, label="secret", points=Decimal(-1))
    client.force_login(cast.instructor.user)
    assert foreign not in client.get(reverse("rubric", args=[target.pk])).context["sources"]
    assert client.get(reverse("rubric", args=[target.pk]), {"from": foreign.pk}).status_code == 404
    response = client.post(
        reverse("rubric_import", args=[target.pk]), {"source": foreign.pk, "items": ids(foreign)}
    )
    assert response.status_code == 404
    assert not target.rubric_items.exists()


def test_an_item_of_another_part_than_the_source_is_refused(client, cast, target, source):
    other = services.rubric_item_create(part=target, label="mine", points=Decimal(-1))
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("rubric_import", args=[target.pk]),
        {"source": source.pk, "items": [other.pk]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert RubricItem.objects.count() == 4


def test_import_is_for_the_instructor_and_post_only(client, cast, target, source):
    url = reverse("rubric_import", args=[target.pk])
    data = {"source": source.pk, "items": ids(source)}
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, data).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    assert not target.rubric_items.exists()
