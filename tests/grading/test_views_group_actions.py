"""Answer groups beyond a plain group grade: the crops of the copies, the suggestion accepted
in one click, split and merge, each logged and undone like a grade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Answer
from grading import selectors, services
from grading.models import GradeEvent, GroupMove, Score
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(cast):
    part = cast.exam.parts.get(part_id="1.b")
    part.region = {"page": 1, "box": [0.1, 0.2, 0.6, 0.4]}
    part.save(update_fields=["region"])
    return part


@pytest.fixture
def wrong(cast, part):
    """Four copies that wrote 79 (incorrect, 0 points suggested)."""
    return factories.answer_group(cast.exam, value="79", n=4)


@pytest.fixture
def right(cast, part):
    """Two copies that wrote 78.0 (a group of its own, correct: 6 points suggested)."""
    answers = factories.answer_group(cast.exam, value="78.0", n=2)
    Answer.objects.filter(pk__in=[a.pk for a in answers]).update(
        verdict="correct", suggested_points=Decimal(6)
    )
    return answers


def group(part, key: str) -> selectors.AnswerGroup:
    found = selectors.answer_group(part, key)
    assert found is not None
    return found


def grade(answer: Answer, actor, points: str, comment: str = "") -> Score:
    return services.answer_grade(
        answer=answer,
        actor=actor,
        expected_version=Score.objects.get(answer=answer).version,
        points=Decimal(points),
        comment=comment,
    )


def accept(client, part, key: str, *, versions: str | None = None, token: str | None = None):
    g = group(part, key)
    return client.post(
        reverse("group_accept", args=[part.pk]),
        {
            "group_key": key,
            "versions": g.todo_versions_field if versions is None else versions,
            "suggestion": g.suggestion.token if token is None else token,
        },
        HTTP_ACCEPT="application/json",
    )


def test_the_groups_page_shows_each_copys_crop_lazily(client, cast, part, wrong):
    client.force_login(cast.ta.user)
    html = client.get(reverse("groups", args=[part.pk])).content.decode()
    for answer in wrong:
        crop = reverse("answer_crop", args=[answer.pk])
        assert f'<img loading="lazy" src="{crop}"' in html
    # The crops are served by the answer's access check: a TA of another course gets a 404.
    client.force_login(cast.other_ta.user)
    assert client.get(reverse("answer_crop", args=[wrong[0].pk])).status_code == 404


def test_a_large_group_shows_a_dozen_crops_until_it_is_opened(client, cast, part):
    many = factories.answer_group(cast.exam, value="80", n=15)
    client.force_login(cast.ta.user)
    url = reverse("groups", args=[part.pk])
    listed = client.get(url).content.decode()
    opened = client.get(url, {"key": "80"}).content.decode()
    crops = [reverse("answer_crop", args=[a.pk]) for a in many]
    assert sum(c in listed for c in crops) == 12
    assert all(c in opened for c in crops)


def test_accepting_the_auto_suggestion_grades_the_group_in_one_post(client, cast, part, right):
    client.force_login(cast.ta.user)
    assert group(part, "78.0").suggestion.kind == "auto"
    response = accept(client, part, "78.0")
    assert response.status_code == 200, response.content
    assert response.json()["graded"] == 2
    scores = Score.objects.filter(answer__in=right)
    assert {(s.points, s.source, s.graded_by_id) for s in scores} == {
        (Decimal(6), "person", cast.ta.user.pk)
    }
    events = GradeEvent.objects.filter(answer__in=right, action="accept", actor=cast.ta.user)
    assert events.count() == 2
    assert len({e.detail["batch"] for e in events}) == 1  # one action


def test_the_suggestion_is_the_grade_a_person_gave_most(client, cast, part, wrong):
    grade(wrong[0], cast.ta.user, "2", "off by one")
    grade(wrong[1], cast.ta.user, "2", "off by one")
    grade(wrong[2], cast.instructor.user, "1")
    suggestion = group(part, "79").suggestion
    assert (suggestion.kind, suggestion.points, suggestion.support) == ("grade", Decimal(2), 2)
    client.force_login(cast.ta.user)
    response = accept(client, part, "79")
    assert response.json()["graded"] == 1  # only the copy no person graded yet
    score = Score.objects.get(answer=wrong[3])
    assert (score.points, score.comment, score.source) == (Decimal(2), "off by one", "person")
    assert Score.objects.get(answer=wrong[2]).points == Decimal(1)  # left alone


def test_a_suggestion_changed_meanwhile_is_a_409_and_writes_nothing(client, cast, part, right):
    seen = group(part, "78.0")
    grade(right[0], cast.instructor.user, "3")  # the suggestion is now "3, as graded"
    client.force_login(cast.ta.user)
    response = accept(
        client, part, "78.0", versions=seen.todo_versions_field, token=seen.suggestion.token
    )
    assert response.status_code == 409
    assert "suggestion changed" in response.json()["error"]
    assert Score.objects.get(answer=right[1]).source == "auto"


def test_a_group_with_no_suggestion_refuses_to_accept(client, cast, part, wrong):
    Answer.objects.filter(pk=wrong[0].pk).update(suggested_points=None, verdict="needs_review")
    assert group(part, "79").suggestion is None
    client.force_login(cast.ta.user)
    response = accept(client, part, "79", token="0" * 16)
    assert response.status_code == 400
    assert not GradeEvent.objects.filter(action="accept").exists()


def test_accepted_suggestion_is_undone_as_a_whole(client, cast, part, right):
    client.force_login(cast.ta.user)
    accept(client, part, "78.0")
    response = client.post(reverse("review_undo", args=[part.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert set(Score.objects.filter(answer__in=right).values_list("source", flat=True)) == {"auto"}


def test_split_takes_ticked_copies_into_a_group_of_their_own(client, cast, part, wrong):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_split", args=[part.pk]),
        {"group_key": "79", "answers": [wrong[0].pk, wrong[1].pk]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    new_key = response.json()["group_key"]
    assert group(part, "79").count == 2
    split = group(part, new_key)
    assert {m.answer_id for m in split.members} == {wrong[0].pk, wrong[1].pk}
    assert split.final_answer == "79"
    assert split.moved == 2
    events = GradeEvent.objects.filter(action="group_split", actor=cast.ta.user)
    assert {e.detail["group"]["before"] for e in events} == {"79"}
    # A group grade of the split group reaches its copies only.
    services.group_grade(
        part=part,
        group_key=new_key,
        actor=cast.ta.user,
        expected_versions=split.versions,
        points=Decimal(3),
    )
    points = dict(Score.objects.filter(answer__in=wrong).values_list("answer_id", "points"))
    assert points == {wrong[0].pk: 3, wrong[1].pk: 3, wrong[2].pk: 0, wrong[3].pk: 0}


def test_split_refuses_every_copy_or_none(client, cast, part, wrong):
    client.force_login(cast.ta.user)
    url = reverse("group_split", args=[part.pk])
    for ticked in ([], [a.pk for a in wrong]):
        response = client.post(
            url, {"group_key": "79", "answers": ticked}, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 400
    assert not GroupMove.objects.exists()


def test_merge_joins_the_groups_into_the_largest(client, cast, part, wrong, right):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("group_merge", args=[part.pk]),
        {"groups": ["78.0", "79"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["group_key"] == "79"
    merged = group(part, "79")
    assert merged.count == 6
    assert merged.moved == 2
    assert selectors.answer_group(part, "78.0") is None
    assert GradeEvent.objects.filter(action="group_merge").count() == 2


def test_a_move_lapses_when_the_answer_is_read_again_with_another_value(cast, part, wrong, right):
    from grading import groups

    groups.group_merge(part=part, group_keys=["79", "78.0"], actor=cast.ta.user)
    Answer.objects.filter(pk=right[0].pk).update(group_key="77")
    assert group(part, "77").count == 1
    assert group(part, "79").count == 5


def test_undo_puts_split_and_merged_copies_back(client, cast, part, wrong, right):
    client.force_login(cast.ta.user)
    client.post(reverse("group_merge", args=[part.pk]), {"groups": ["79", "78.0"]})
    client.post(
        reverse("group_split", args=[part.pk]), {"group_key": "79", "answers": [wrong[0].pk]}
    )
    undo = reverse("review_undo", args=[part.pk])
    first = client.post(undo, HTTP_ACCEPT="application/json").json()
    assert "back in their group" in first["message"]
    assert group(part, "79").count == 6
    client.post(undo, HTTP_ACCEPT="application/json")
    assert group(part, "79").count == 4
    assert group(part, "78.0").count == 2
    assert not GroupMove.objects.exists()
    assert (
        GradeEvent.objects.filter(action="undo", detail__undone_action="group_merge").count() == 2
    )


def test_a_grade_undo_is_not_blocked_by_a_move_since(cast, part, wrong):
    from grading import groups, undo

    grade(wrong[0], cast.ta.user, "2")
    groups.group_split(
        part=part, group_key="79", answer_ids=[wrong[0].pk], actor=cast.instructor.user
    )
    result = undo.grade_undo(part=part, actor=cast.ta.user)
    assert [s.answer_id for s in result.restored] == [wrong[0].pk]
    assert Score.objects.get(answer=wrong[0]).source == "auto"


def test_group_actions_are_for_staff_only_and_post_only(client, cast, part, wrong):
    urls = {
        "group_accept": {"group_key": "79", "versions": "", "suggestion": "x"},
        "group_split": {"group_key": "79", "answers": [wrong[0].pk]},
        "group_merge": {"groups": ["79", "80"]},
    }
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        for name, data in urls.items():
            assert client.post(reverse(name, args=[part.pk]), data).status_code == 404
    client.force_login(cast.ta.user)
    for name in urls:
        assert client.get(reverse(name, args=[part.pk])).status_code == 405
    assert not GroupMove.objects.exists()
    assert not GradeEvent.objects.exclude(action="auto_check").exists()


def test_the_groups_page_runs_the_same_queries_for_more_students(
    client, cast, part, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.ta.user)
    url = reverse("groups", args=[part.pk])
    counts = []
    for n in (5, 40):
        factories.answer_group(cast.exam, value=f"v{n}", n=n)
        grade(Answer.objects.filter(group_key=f"v{n}").first(), cast.ta.user, "1")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
