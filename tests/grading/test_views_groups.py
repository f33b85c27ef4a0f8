"""Answer groups: one row per equal extracted answer, graded at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Answer
from grading import services
from grading.models import GradeEvent, Score
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(cast):
    """Three copies that all wrote 79 for part 1.b."""
    answers = view_fixtures.graded_answers(cast)
    third = Answer.objects.create(
        submission=factories.submission(cast.exam),
        part=answers["wrong"].part,
        final_answer="79",
        group_key="79",
        verdict=Answer.Verdict.INCORRECT,
        suggested_points=Decimal(0),
    )
    services.score_apply_auto(answer=third)
    Answer.objects.filter(pk=answers["right"].pk).update(group_key="79")
    return answers["wrong"].part


def versions(part) -> str:
    return ",".join(
        f"{a}:{v}"
        for a, v in Score.objects.filter(answer__part=part, answer__group_key="79").values_list(
            "answer_id", "version"
        )
    )


def test_the_groups_page_shows_one_row_per_answer_with_a_count(client, cast, group):
    client.force_login(cast.ta.user)
    response = client.get(reverse("groups", args=[group.pk]))
    assert response.status_code == 200
    [row] = response.context["groups"]
    assert (row.group_key, row.count, row.graded) == ("79", 3, 0)


def test_a_group_is_graded_at_once_and_logged_per_answer(client, cast, group):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_grade", args=[group.pk]),
        {"group_key": "79", "versions": versions(group), "points": "2", "comment": "off by one"},
    )
    assert response.status_code == 302
    scores = Score.objects.filter(answer__part=group)
    assert sorted(scores.values_list("points", flat=True)) == [Decimal(2)] * 3
    assert set(scores.values_list("comment", flat=True)) == {"off by one"}
    assert GradeEvent.objects.filter(action="group_grade", actor=cast.ta.user).count() == 3


def test_an_answer_graded_meanwhile_is_skipped_and_reported(client, cast, group):
    seen = versions(group)
    first = Answer.objects.filter(part=group).order_by("pk").first()
    services.score_set(
        answer=first,
        actor=cast.instructor.user,
        expected_version=Score.objects.get(answer=first).version,
        points=Decimal(5),
    )
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_grade", args=[group.pk]),
        {"group_key": "79", "versions": seen, "points": "1"},
        HTTP_ACCEPT="application/json",
    )
    body = response.json()
    assert (body["graded"], body["skipped"]) == (2, [first.submission.copy_number])
    assert Score.objects.get(answer=first).points == Decimal(5)


def test_grading_a_group_is_for_staff_only_and_post_only(client, cast, group):
    url = reverse("group_grade", args=[group.pk])
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"group_key": "79", "versions": versions(group)}).status_code == 404
        assert client.get(reverse("groups", args=[group.pk])).status_code == 404
    client.force_login(cast.ta.user)
    assert client.get(url).status_code == 405
    assert client.post(reverse("groups", args=[group.pk])).status_code == 405
    assert not GradeEvent.objects.filter(action="group_grade").exists()


def test_a_damaged_versions_field_is_a_400(client, cast, group):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_grade", args=[group.pk]),
        {"group_key": "79", "versions": "x:y", "points": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400


def test_a_group_form_without_points_or_items_is_a_400(client, cast, group):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_grade", args=[group.pk]),
        {"group_key": "79", "versions": versions(group), "points": ""},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not GradeEvent.objects.filter(action="group_grade").exists()
