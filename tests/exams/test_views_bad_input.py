"""Hostile or mistaken input to the exams app's views: a clear error, nothing written.

Answer keys from the issue (aliases expanding to 10^9 values, points of 1e308 or 12345678, a
5,000-digit integer, NUL or a lone surrogate in a title, a 4,000-digit literal, lists nested
20,000 deep) are refused with their line and field; whole numbers posted as NaN, 1e9 or with
5,000 digits are refused with the field's name.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import AnswerKey, Page, Part

pytestmark = pytest.mark.django_db

KEY = """\
format: 1
key_version: 1
exam: {{id: x, title: {title}}}
questions:
  - number: 1
    points: {points}
    parts:
      - {part}
"""
LAUGHS = "\n".join(
    ["      - points: 2", "        solver: fc.params", "        value: params", "        params:"]
    + ["          a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    + [
        f"          {n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


def _key(
    title: str = "T", points: str = "2", part: str = "{points: 2, answer: {number: 3}}"
) -> str:
    return KEY.format(title=title, points=points, part=part)


HOSTILE_KEYS = [
    pytest.param(
        _key(part="x").replace("      - x", LAUGHS),
        "expands to more than 200,000 values",
        id="billion-laughs",
    ),
    pytest.param(
        _key(points="1.0e+308"), "questions[0].points: 1.0e+308 is out of range", id="1e308"
    ),
    pytest.param(
        _key(points="12345678"),
        "questions[0].points: 12345678 points; at most 10,000",
        id="12345678",
    ),
    pytest.param(
        _key(points="9" * 5000), "an integer of 5,000 digits; at most 18", id="5000-digits"
    ),
    pytest.param(
        _key(title='"a\\0b"'), "exam.title: the text contains a NUL character", id="nul-title"
    ),
    pytest.param(
        _key(title='"a\\ud800b"'),
        "exam.title: the text contains the character U+D800",
        id="surrogate-title",
    ),
    pytest.param(
        _key(part='{points: 2, answer: {number: "%s"}}' % ("9" * 4000)),
        "answer.number: the text is 4,000 characters long; at most 400",
        id="4000-digit-literal",
    ),
    pytest.param(
        _key(part="{points: 2, answer: {vector: " + "[" * 20000 + "]" * 20000 + "}}"),
        "nested more than 32 levels deep",
        id="nested-20000",
    ),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE_KEYS)
def test_a_hostile_key_is_refused_with_its_line_and_field(client, cast, source, message):
    client.force_login(cast.instructor.user)
    url = reverse("answer_key_install", args=[cast.exam.pk])
    for data in (
        {"source": source},
        {"file": SimpleUploadedFile("k.yaml", source.encode("utf-8", "surrogatepass"))},
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        issues = response.context["key_issues"]
        assert any(issue.startswith("line ") and message in issue for issue in issues), issues
    assert not AnswerKey.objects.filter(exam=cast.exam).exists()


def test_a_key_file_too_large_is_refused_before_it_is_read(client, cast):
    client.force_login(cast.instructor.user)
    upload = SimpleUploadedFile("k.yaml", b"#" * (4 * 512 * 1024 + 1))
    response = client.post(reverse("answer_key_install", args=[cast.exam.pk]), {"file": upload})
    assert response.status_code == 400
    assert response.context["key_issues"] == [
        "the file is 2.0 MiB; a key has at most 524,288 characters"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"copy_number": "NaN", "page_number": "1"},
            "Copy must be a whole number from 1 to 2147483647.",
        ),
        (
            {"copy_number": "9" * 5000, "page_number": "1"},
            "Copy must be a whole number from 1 to 2147483647.",
        ),
        ({"copy_number": "1", "page_number": "1e9"}, "Page must be a whole number from 1 to 60."),
        ({"copy_number": "1", "page_number": ""}, "Page: This field is required."),
    ],
)
def test_placing_a_page_with_numbers_that_are_not_is_refused(client, cast, stray, data, message):
    client.force_login(cast.instructor.user)
    response = client.post(reverse("page_place", args=[stray.pk]), data)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    stray.refresh_from_db()
    assert stray.status == Page.Status.NEEDS_ATTENTION


@pytest.mark.parametrize("count", ["NaN", "1e3", "0", "1001", "9" * 5000])
def test_printing_a_count_that_is_not_one_is_refused(client, cast, count):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("exam_print", args=[cast.exam.pk]), {"mode": "anonymous", "count": count}
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Anonymous copies must be a whole number from 1 to 1000."


@pytest.mark.parametrize("student", ["9" * 30, "NaN", "-1", ""])
def test_identifying_with_a_student_id_that_is_not_one_is_refused(client, cast, student):
    copy = cast.submission
    copy.student = None
    copy.save()
    client.force_login(cast.instructor.user)
    response = client.post(reverse("submission_identify", args=[copy.pk]), {"student": student})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Choose a student of this course."
    ]


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"regions": {"1.a": {"page": NaN, "box": [0, 0, 1, 1]}}}'],
    ids=["nested-100000", "nan-page"],
)
def test_region_json_nested_deep_or_not_a_number_is_a_400(client, cast, body):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("exam_regions_save", args=[cast.exam.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not response.json()["ok"]
    assert not Part.objects.filter(exam=cast.exam).exclude(region={}).exists()


def test_region_json_with_a_nan_box_is_a_400(client, cast):
    client.force_login(cast.instructor.user)
    body = json.dumps({"regions": {"1.a": {"page": 1, "box": [float("nan"), 0, 1, 1]}}})
    response = client.post(
        reverse("exam_regions_save", args=[cast.exam.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "four finite numbers" in response.json()["error"]


@pytest.mark.parametrize("view", ["exam_new_propose", "exam_new_confirm", "exam_new_skeleton"])
def test_an_exam_text_too_large_is_refused_before_it_is_read(client, cast, view):
    """2 MB of newlines took 19 s to propose a structure from; 256 KB is 18 times the seeds."""
    from exams.models import Exam

    client.force_login(cast.instructor.user)
    data = {"title": "Quiz", "source": "\n" * (256 * 1024 + 1), "pages_per_copy": "1"}
    response = client.post(reverse(view, args=[cast.course.pk]), data)
    assert response.status_code == 400
    assert "The text is larger than 256 KB: not an exam" in response.content.decode()
    assert not Exam.objects.filter(title="Quiz").exists()


def test_a_roster_with_a_nul_character_anywhere_is_refused_whole(client, cast):
    """PostgreSQL refuses NUL in text; only the first 4 KB were looked at for it."""
    from exams.models import Enrollment

    padding = "".join(f"Student {i},{9000 + i},s{i}@example.org\n" for i in range(150))  # 4 KB
    csv = "name,student_number,email\n" + padding + "Nul\x00l Person,777,nul@example.org\n"
    client.force_login(cast.instructor.user)
    upload = SimpleUploadedFile("roster.csv", csv.encode())
    response = client.post(reverse("roster_import", args=[cast.course.pk]), {"file": upload})
    assert response.status_code == 400
    assert "Nothing imported: The file is not text" in response.content.decode()
    assert not Enrollment.objects.filter(course=cast.course, student_number="9000").exists()
