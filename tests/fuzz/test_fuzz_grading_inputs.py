"""The grading inputs on arbitrary values: every form accepts a value it can store or refuses
it with a message, and every write view answers with a page, a redirect or a 4xx, never a
500 (the test client raises any exception a view lets through).

Values mix what is typed by mistake or on purpose (NaN, sNaN, Infinity, 1e999, a NUL, digits
of other scripts, thousands of digits) with arbitrary text.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.forms import MAX_POINTS, GradeForm, GroupGradeForm, RubricItemForm
from tests import view_fixtures
from tests.fuzz.conftest import fuzz

TRICKY = [
    "NaN",
    "-nan",
    "sNaN",
    "Infinity",
    "-inf",
    "1e999",
    "1e-999",
    "-0",
    "0.005",
    "99999.99",
    "100000",
    "9" * 5000,
    "1_000",
    " 2,5 ",
    "2..5",
    "٣",
    "３",
    "½",
    "0x10",
    "\x00",
    "",
    " ",
    "1" * 19,
    "9223372036854775808",
    "-1",
    "3:4,5:NaN",
]
#: Text a browser can send: any character but a lone surrogate (not encodable in UTF-8).
CHARS = st.characters(blacklist_categories=["Cs"])
VALUES = st.one_of(st.sampled_from(TRICKY), st.text(CHARS, max_size=30))


def _valid_points(value: Decimal | None, *, minimum: Decimal) -> bool:
    return value is None or (
        value.is_finite()
        and minimum <= value <= MAX_POINTS
        and value == value.quantize(Decimal("0.01"))
    )


@fuzz(1500)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "version": VALUES,
            "points": VALUES,
            "adjustment": VALUES,
            "comment": VALUES,
            "rubric_items": st.lists(VALUES, max_size=3),
        },
    )
)
def test_grade_forms_clean_to_storable_values_or_refuse(data: dict):
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    for name, value in data.items():
        post.setlist(name, value if isinstance(value, list) else [value])
    for form in (GradeForm(post), GroupGradeForm(post), RubricItemForm(post)):
        if not form.is_valid():
            assert form.errors
            continue
        cleaned = form.cleaned_data
        assert _valid_points(cleaned.get("points"), minimum=-MAX_POINTS)
        assert _valid_points(cleaned.get("adjustment"), minimum=-MAX_POINTS)
        assert all(1 <= i < 2**63 for i in cleaned.get("rubric_items", []))
        for text in (cleaned.get("comment"), cleaned.get("label")):
            assert text is None or "\x00" not in text


@pytest.fixture
def grading(cast):
    from exams.models import Exam

    answers = view_fixtures.graded_answers(cast)
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PUBLISHED)
    return cast, answers


def _posts(cast, answers):
    from django.urls import reverse

    wrong = answers["wrong"]
    part = wrong.part
    return {
        "answer_grade": (
            cast.ta,
            reverse("answer_grade", args=[wrong.pk]),
            ["version", "points", "adjustment", "comment", "rubric_items"],
        ),
        "answer_accept": (cast.ta, reverse("answer_accept", args=[wrong.pk]), ["version"]),
        "group_grade": (
            cast.ta,
            reverse("group_grade", args=[part.pk]),
            ["group_key", "versions", "points", "adjustment", "rubric_items", "comment"],
        ),
        "rubric_item_create": (
            cast.instructor,
            reverse("rubric_item_create", args=[part.pk]),
            ["label", "points", "description"],
        ),
        "answer_transcription": (
            cast.ta,
            reverse("answer_transcription", args=[wrong.pk]),
            ["text"],
        ),
        "regrade_request_create": (
            cast.student,
            reverse("regrade_request_create", args=[wrong.pk]),
            ["message"],
        ),
        "answer_key_install": (
            cast.instructor,
            reverse("answer_key_install", args=[cast.exam.pk]),
            ["source"],
        ),
    }


VIEWS = [
    "answer_grade",
    "answer_accept",
    "group_grade",
    "rubric_item_create",
    "answer_transcription",
    "regrade_request_create",
    "answer_key_install",
]


@pytest.mark.django_db
@fuzz(400)
@given(data=st.data(), view=st.sampled_from(VIEWS), json=st.booleans())
def test_write_views_answer_any_values_without_a_server_error(client, grading, data, view, json):
    cast, answers = grading
    who, url, fields = _posts(cast, answers)[view]
    posted = {name: data.draw(VALUES, label=name) for name in fields}
    client.force_login(who.user)
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    response = client.post(url, posted, **headers)
    assert response.status_code in (200, 302, 400, 404, 409), (view, posted, response.status_code)
