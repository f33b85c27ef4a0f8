"""Rubric editing per part (instructors): add, edit (re-scores users), delete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grading import services
from grading.models import GradeEvent, RubricItem, Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(cast):
    return cast.exam.parts.get(part_id="1.b")


def test_the_instructor_sees_and_adds_items(client, cast, part):
    client.force_login(cast.instructor.user)
    assert client.get(reverse("rubric", args=[part.pk])).status_code == 200
    response = client.post(
        reverse("rubric_item_create", args=[part.pk]), {"label": "sign error", "points": "-2"}
    )
    assert response.status_code == 302
    assert RubricItem.objects.get(part=part).points == Decimal(-2)


def test_a_bad_item_is_refused(client, cast, part):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("rubric_item_create", args=[part.pk]),
        {"label": "x", "points": "lots"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not RubricItem.objects.exists()


def test_editing_points_re_scores_the_answers_using_the_item(client, cast):
    answers = view_fixtures.graded_answers(cast)
    items = view_fixtures.rubric(cast)
    answer = answers["wrong"]
    services.score_set(
        answer=answer,
        actor=cast.ta.user,
        expected_version=Score.objects.get(answer=answer).version,
        rubric_item_ids=[items[0].pk],
    )
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("rubric_item_update", args=[items[0].pk]),
        {"label": "rounding", "points": "-3", "description": ""},
    )
    assert response.status_code == 302
    assert Score.objects.get(answer=answer).points == Decimal(3)
    event = GradeEvent.objects.filter(answer=answer).last()
    assert (event.action, event.actor, event.old_points, event.new_points) == (
        "rubric_edit",
        cast.instructor.user,
        Decimal(4),
        Decimal(3),
    )


def test_deleting_an_item_re_scores_without_it(client, cast):
    answers = view_fixtures.graded_answers(cast)
    items = view_fixtures.rubric(cast)
    answer = answers["wrong"]
    services.score_set(
        answer=answer,
        actor=cast.ta.user,
        expected_version=Score.objects.get(answer=answer).version,
        rubric_item_ids=[items[0].pk],
    )
    client.force_login(cast.instructor.user)
    assert client.post(reverse("rubric_item_delete", args=[items[0].pk])).status_code == 302
    assert not RubricItem.objects.filter(pk=items[0].pk).exists()
    assert Score.objects.get(answer=answer).points == Decimal(6)


def test_rubric_editing_is_for_the_instructor_only(client, cast, part):
    item = services.rubric_item_create(part=part, label="a", points=Decimal(-1))
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(reverse("rubric", args=[part.pk])).status_code == 404
        if user != cast.ta.user:  # the course's TA may add items: see below
            assert (
                client.post(
                    reverse("rubric_item_create", args=[part.pk]), {"label": "b", "points": "1"}
                ).status_code
                == 404
            )
        assert (
            client.post(reverse("rubric_item_update", args=[item.pk]), {"points": "5"}).status_code
            == 404
        )
        assert client.post(reverse("rubric_item_delete", args=[item.pk])).status_code == 404
    assert list(RubricItem.objects.values_list("label", "points")) == [("a", Decimal(-1))]


def test_rubric_views_reject_the_wrong_method(client, cast, part):
    item = services.rubric_item_create(part=part, label="a", points=Decimal(-1))
    client.force_login(cast.instructor.user)
    assert client.post(reverse("rubric", args=[part.pk])).status_code == 405
    assert client.get(reverse("rubric_item_create", args=[part.pk])).status_code == 405
    assert client.get(reverse("rubric_item_update", args=[item.pk])).status_code == 405
    assert client.get(reverse("rubric_item_delete", args=[item.pk])).status_code == 405


def test_a_ta_adds_a_rubric_item_while_grading_and_goes_back_to_the_answer(client, cast, part):
    client.force_login(cast.ta.user)
    review = reverse("review", args=[part.pk]) + "?answer=7"
    response = client.post(
        reverse("rubric_item_create", args=[part.pk]),
        {"label": "forgot the biases", "points": "-1", "next": review},
    )
    assert response.status_code == 302
    assert response["Location"] == review
    assert list(part.rubric_items.values_list("label", "points")) == [
        ("forgot the biases", Decimal(-1))
    ]
    # From the page's script: JSON, and the page to reload.
    response = client.post(
        reverse("rubric_item_create", args=[part.pk]),
        {"label": "sign", "points": "-2", "next": review},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"ok": True, "message": "Added sign (-2).", "reload_url": review}
    # Elsewhere than this site is not followed.
    response = client.post(
        reverse("rubric_item_create", args=[part.pk]),
        {"label": "units", "points": "-1", "next": "https://evil.invalid/"},
    )
    assert response["Location"] == reverse("rubric", args=[part.pk])


def test_the_review_page_offers_to_add_a_rubric_item(client, cast, part):
    from tests import view_fixtures

    answer = view_fixtures.graded_answers(cast)["wrong"]
    client.force_login(cast.ta.user)
    page = client.get(reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}")
    assert page.status_code == 200
    assert reverse("rubric_item_create", args=[answer.part_id]).encode() in page.content
