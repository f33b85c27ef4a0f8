"""Every grading input that reaches Decimal, an integer or the database is checked by a form:
NaN, sNaN, Infinity, 1e999, a 5,000-digit number, a NUL character are a 400 naming the field,
for the page script (JSON) and for a plain form post (an error message, then the page), and
nothing is written."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from grading.models import GradeEvent, RegradeRequest, RubricItem, Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}

#: Values that are not points: each reached Decimal arithmetic (NaN and sNaN as a 500).
NOT_POINTS = [
    "NaN",
    "nan",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e999",
    "1e-999",
    "9" * 5000,
    "1" * 40,
    "0.001",
    "100000",
    "2..5",
    "\x00",
    "½",
    "١",  # an Arabic-Indic digit one: Decimal reads it, a grader did not mean it
]


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


def _version(answer) -> int:
    return Score.objects.get(answer=answer).version


def _unchanged(answer, before: int) -> None:
    assert _version(answer) == before
    assert not GradeEvent.objects.filter(answer=answer, action="grade").exists()


@pytest.mark.parametrize("value", NOT_POINTS)
@pytest.mark.parametrize("field", ["points", "adjustment"])
def test_a_grade_with_points_or_adjustment_not_a_number_is_a_400(
    client, cast, answers, field, value
):
    answer = answers["wrong"]
    before = _version(answer)
    client.force_login(cast.ta.user)
    data = {"version": before, field: value}
    response = client.post(reverse("answer_grade", args=[answer.pk]), data, **JSON)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field.capitalize()}: ")
    assert "is not a number from" in response.json()["error"]
    _unchanged(answer, before)


def test_a_plain_form_post_gets_the_message_and_its_page_back(client, cast, answers):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]), {"version": _version(answer), "points": "NaN"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?answer={answer.pk}")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Points: 'NaN' is not a number from 0 to 99999.99 with at most two decimals."


@pytest.mark.parametrize("version", ["", "NaN", "-1", "9" * 5000, "1.5", "2147483648"])
def test_a_damaged_version_asks_to_reload(client, cast, answers, version):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    for view in ("answer_grade", "answer_accept"):
        response = client.post(
            reverse(view, args=[answer.pk]), {"version": version, "points": "3"}, **JSON
        )
        assert response.status_code == 400
        assert "missing the score version; reload" in response.json()["error"]


@pytest.mark.parametrize("items", [["x"], ["9" * 5000], ["-3"], ["1.0"], ["0"], ["١"]])
def test_rubric_item_ids_that_are_not_ids_are_a_400(client, cast, answers, items):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": _version(answer), "rubric_items": items},
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Rubric items: ")


def test_more_fields_than_django_reads_are_a_400_too(client, cast, answers):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": _version(answer), "rubric_items": ["3"] * 1001},
        **JSON,
    )
    assert response.status_code == 400  # DATA_UPLOAD_MAX_NUMBER_FIELDS: Django's own page


def test_a_comment_with_a_nul_character_is_a_400(client, cast, answers):
    answer = answers["wrong"]
    before = _version(answer)
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": before, "points": "3", "comment": "a\x00b"},
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Comment: Null characters are not allowed."
    _unchanged(answer, before)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"points": "sNaN"}, "Points: 'sNaN' is not a number"),
        ({"points": "2", "adjustment": "NaN"}, "Adjustment: 'NaN' is not a number"),
        ({"points": "2", "versions": "1:NaN"}, "Versions: The form is damaged; reload the page."),
        ({"points": "2", "versions": "9" * 5000 + ":1"}, "Versions: "),
        ({"points": "2", "group_key": "a\x00"}, "Group: Null characters are not allowed."),
    ],
)
def test_a_group_grade_with_bad_values_is_a_400(client, cast, answers, data, message):
    part = answers["wrong"].part
    client.force_login(cast.ta.user)
    response = client.post(reverse("group_grade", args=[part.pk]), data, **JSON)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert not GradeEvent.objects.filter(action="group_grade").exists()


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "1e999", "9" * 5000])
def test_rubric_items_with_points_not_a_number_are_a_400(client, cast, answers, value):
    part = answers["wrong"].part
    item = view_fixtures.rubric(cast)[0]
    client.force_login(cast.instructor.user)
    created = client.post(
        reverse("rubric_item_create", args=[part.pk]), {"label": "x", "points": value}, **JSON
    )
    assert created.status_code == 400
    assert created.json()["error"].startswith("Points: ")
    assert not RubricItem.objects.filter(label="x").exists()
    edited = client.post(reverse("rubric_item_update", args=[item.pk]), {"points": value})
    assert edited.status_code == 302  # the rubric page again, with the message
    [message] = [str(m) for m in get_messages(edited.wsgi_request)]
    assert message.startswith("Points: ")
    assert RubricItem.objects.get(pk=item.pk).points == item.points


@pytest.mark.parametrize(
    ("view", "field"),
    [("answer_transcription", "text"), ("regrade_request_create", "message")],
)
def test_typed_text_with_a_nul_character_is_refused(client, cast, answers, view, field):
    answer = answers["wrong"]
    user = cast.ta.user if view == "answer_transcription" else answer.submission.student.user
    answer.part.exam.status = "published"
    answer.part.exam.save()
    client.force_login(user)
    response = client.post(reverse(view, args=[answer.pk]), {field: "a\x00b"}, **JSON)
    assert response.status_code in (302, 400)
    assert not RegradeRequest.objects.exists()
    assert not answer.transcriptions.filter(text__contains="a").exists()


@pytest.mark.parametrize(
    "answer", ["9" * 5000, "9" * 30, str(2**63), "٣", "-1", "1e3"], ids=lambda v: v[:12]
)
def test_the_review_page_ignores_an_answer_id_that_is_not_one(client, cast, answers, answer):
    part = answers["wrong"].part
    client.force_login(cast.ta.user)
    response = client.get(reverse("review", args=[part.pk]), {"answer": answer})
    assert response.status_code == 200
    assert response.context["current"] is None or response.context["current"].part == part


@pytest.mark.parametrize(
    "pk", [str(2**63), "9" * 30, "9" * 5000], ids=["2^63", "30 digits", "5000 digits"]
)
@pytest.mark.parametrize(
    "name", ["review", "groups", "submission_detail", "answer_crop", "page_image", "exam_detail"]
)
def test_ids_past_the_database_range_are_404(client, cast, name, pk):
    client.force_login(cast.instructor.user)
    url = reverse(name, args=[1]).replace("/1/", f"/{pk}/")
    assert client.get(url).status_code == 404
