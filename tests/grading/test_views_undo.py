"""The review page's undo: POST parts/<id>/review/undo takes back the grader's last grade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Answer
from grading import services
from grading.models import GradeEvent, Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


@pytest.fixture
def part(answers):
    return answers["wrong"].part


def url(part) -> str:
    return reverse("review_undo", args=[part.pk])


def grade(user, answer: Answer, points: str) -> None:
    services.answer_grade(
        answer=answer,
        actor=user,
        expected_version=Score.objects.get(answer=answer).version,
        points=Decimal(points),
    )


def test_it_undoes_the_last_grade_and_lands_on_the_answer(client, cast, part, answers):
    grade(cast.ta.user, answers["wrong"], "4")
    client.force_login(cast.ta.user)
    response = client.post(url(part), {"filter": "all"}, **JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["restored"] == [answers["wrong"].pk]
    assert body["skipped"] == []
    assert body["undone"] == "grade"
    assert body["next_url"] == (
        reverse("review", args=[part.pk]) + f"?filter=all&answer={answers['wrong'].pk}"
    )
    assert f"copy {answers['wrong'].submission.copy_number} is back to 0.00" in body["message"]
    score = Score.objects.get(answer=answers["wrong"])
    assert (score.points, score.source) == (Decimal(0), "auto")


def test_an_instructor_may_undo_their_own_grade(client, cast, part, answers):
    grade(cast.instructor.user, answers["right"], "3")
    client.force_login(cast.instructor.user)
    assert client.post(url(part), **JSON).status_code == 200
    assert Score.objects.get(answer=answers["right"]).points == Decimal(6)


def test_a_plain_form_post_redirects_to_the_restored_answer_with_a_message(
    client, cast, part, answers
):
    grade(cast.ta.user, answers["wrong"], "4")
    client.force_login(cast.ta.user)
    response = client.post(url(part), follow=True)
    assert response.redirect_chain[-1][0].endswith(f"?filter=todo&answer={answers['wrong'].pk}")
    assert response.context["current"].pk == answers["wrong"].pk
    assert "Undone (Graded)" in response.content.decode()


def test_answers_changed_since_are_listed(client, cast, part, answers):
    grade(cast.ta.user, answers["wrong"], "4")
    grade(cast.instructor.user, answers["wrong"], "5")
    client.force_login(cast.ta.user)
    body = client.post(url(part), **JSON).json()
    assert (body["restored"], body["skipped"]) == ([], [answers["wrong"].pk])
    assert "changed by someone since" in body["message"]
    assert Score.objects.get(answer=answers["wrong"]).points == Decimal(5)


def test_nothing_to_undo_is_a_400(client, cast, part):
    client.force_login(cast.ta.user)
    response = client.post(url(part), **JSON)
    assert response.status_code == 400
    assert "Nothing to undo" in response.json()["error"]
    plain = client.post(url(part))
    assert plain.status_code == 302
    assert not GradeEvent.objects.filter(action="undo").exists()


def test_it_is_for_the_course_staff_only(client, cast, part, answers):
    grade(cast.ta.user, answers["wrong"], "4")
    for user in (cast.student.user, cast.other_ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert client.post(url(part), **JSON).status_code == 404
    assert client.post(reverse("review_undo", args=[999999])).status_code == 404
    assert Score.objects.get(answer=answers["wrong"]).points == Decimal(4)


def test_it_rejects_get(client, cast, part, answers):
    grade(cast.ta.user, answers["wrong"], "4")
    client.force_login(cast.ta.user)
    assert client.get(url(part)).status_code == 405
    assert Score.objects.get(answer=answers["wrong"]).points == Decimal(4)


def test_it_needs_the_csrf_token(cast, part, answers):
    from django.test import Client

    grade(cast.ta.user, answers["wrong"], "4")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.ta.user)
    assert strict.post(url(part)).status_code == 403
    assert Score.objects.get(answer=answers["wrong"]).points == Decimal(4)


def test_the_review_page_offers_the_undo_button_and_key(client, cast, part):
    client.force_login(cast.ta.user)
    body = client.get(reverse("review", args=[part.pk])).content.decode()
    assert f'action="{url(part)}" id="undo-form"' in body
    assert "<kbd>u</kbd> undo my last grade" in body


def test_from_the_groups_page_a_group_grade_is_undone_and_it_goes_back_there(client, cast):
    from tests import factories

    group = factories.answer_group(cast.exam, n=3)
    part = group[0].part
    services.group_grade(
        part=part,
        group_key="79",
        actor=cast.ta.user,
        expected_versions={a.pk: Score.objects.get(answer=a).version for a in group},
        points=Decimal(1),
    )
    client.force_login(cast.ta.user)
    groups = reverse("groups", args=[part.pk])
    page = client.get(groups)
    assert url(part).encode() in page.content  # the button is on the page
    response = client.post(url(part), {"next": groups}, follow=True)
    assert response.redirect_chain[-1][0] == groups
    assert "Undone (Graded with its group)" in response.content.decode()
    assert [Score.objects.get(answer=a).points for a in group] == [Decimal(0)] * 3
