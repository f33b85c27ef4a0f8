"""A new exam from its text: the proposed question tree with its warnings, editable points,
confirmation (exam and structure in one transaction), and the skeleton answer key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from autocheck.keys import parse_key
from autocheck.structure import propose_structure
from exams.models import Exam, Part, Question
from exams.selectors import exam_structure
from exams.services.keys import answer_key_skeleton, answer_key_store
from exams.services.structure import (
    PartSpec,
    QuestionSpec,
    exam_create_from_structure,
    exam_structure_from_proposal,
)

pytestmark = pytest.mark.django_db

TEXT = """# Deep learning quiz

Total: 30 points

## Question 1 (12 points)
(a) (4 points) How many parameters does the layer have?
(b) (8 points) Compute the output shape.

## Question 2 (18 points)
(a) (5 points) Write the softmax of z.
(b) (6 points) Compute the cross-entropy loss.
(c) (6 points) Explain why the loss is positive.
"""
#: Question 2's parts add up to 17, not the 18 printed.
WARNING = "question 2: parts sum to 17 but the question states 18"
PARTS = ["1.a", "1.b", "2.a", "2.b", "2.c"]


def post(client, name: str, course, data: dict):
    return client.post(reverse(name, args=[course.pk]), data)


def confirm_data(**points: str) -> dict:
    data = {"title": "Quiz 1", "source": TEXT, "pages_per_copy": "2"}
    data.update({f"points:{k.replace('_', '.')}": v for k, v in points.items()})
    return data


# --- the form and the proposal ----------------------------------------------------------------


def test_the_course_page_links_to_it_for_instructors_only(client, cast):
    url = reverse("exam_new", args=[cast.course.pk])
    client.force_login(cast.instructor.user)
    assert url in client.get(reverse("course_detail", args=[cast.course.pk])).content.decode()
    client.force_login(cast.ta.user)
    assert url not in client.get(reverse("course_detail", args=[cast.course.pk])).content.decode()


def test_the_instructor_gets_the_form(client, cast):
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_new", args=[cast.course.pk]))
    assert response.status_code == 200
    assert 'name="source"' in response.content.decode()


def test_the_proposal_shows_the_tree_points_totals_and_every_warning(client, cast):
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_propose", cast.course, {"title": "Quiz 1", "source": TEXT})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="structure-warnings"' in body
    assert WARNING in body
    for part_id in PARTS:
        assert f'name="points:{part_id}"' in body
    assert 'name="points:1.b" value="8"' in body
    assert "printed 18" in body
    assert "printed: 30" in body
    assert not Exam.objects.filter(title="Quiz 1").exists()  # nothing created yet


def test_an_uploaded_file_is_read_as_the_text(client, cast):
    client.force_login(cast.instructor.user)
    upload = SimpleUploadedFile("quiz.md", TEXT.encode("utf-8-sig"))
    response = post(client, "exam_new_propose", cast.course, {"title": "Q", "file": upload})
    assert response.status_code == 200
    assert [p.part_id for p in response.context["proposed"].parts] == PARTS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Q", "source": "  "}, "paste it"),
        ({"title": "Q", "file": SimpleUploadedFile("q.md", b"\xff\xfe\x00bad")}, "not UTF-8"),
    ],
)
def test_no_usable_text_is_400_with_a_message(client, cast, data, message):
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_propose", cast.course, data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_every_step_is_for_the_instructor_only(client, cast):
    before = Exam.objects.count()
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert client.get(reverse("exam_new", args=[cast.course.pk])).status_code == 404
        for name in ("exam_new_propose", "exam_new_confirm", "exam_new_skeleton"):
            assert post(client, name, cast.course, confirm_data()).status_code == 404, name
        url = reverse("answer_key_skeleton", args=[cast.exam.pk])
        assert client.get(url).status_code == 404
    assert Exam.objects.count() == before


def test_each_step_rejects_the_wrong_method(client, cast):
    client.force_login(cast.instructor.user)
    assert post(client, "exam_new", cast.course, {}).status_code == 405
    for name in ("exam_new_propose", "exam_new_confirm", "exam_new_skeleton"):
        assert client.get(reverse(name, args=[cast.course.pk])).status_code == 405, name
    assert client.post(reverse("answer_key_skeleton", args=[cast.exam.pk])).status_code == 405


# --- confirming -------------------------------------------------------------------------------


def test_confirming_creates_the_exam_with_the_points_as_edited(client, cast):
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_confirm", cast.course, confirm_data(**{"2_c": "7"}))
    exam = Exam.objects.get(course=cast.course, title="Quiz 1")
    assert response.status_code == 302
    assert response["Location"] == reverse("exam_detail", args=[exam.pk])
    assert exam.pages_per_copy == 2
    parts = {p.part_id: p for p in exam.parts.order_by("order")}
    assert list(parts) == PARTS
    assert [parts[p].max_points for p in PARTS] == [4, 8, 5, 6, 7]
    assert {p.kind for p in parts.values()} == {Part.Kind.DESCRIPTIVE}
    assert parts["2.a"].label == "(a)"
    assert dict(exam.questions.values_list("number", "max_points")) == {
        "1": Decimal(12),
        "2": Decimal(18),
    }


def test_bad_points_are_400_and_create_nothing(client, cast):
    before = Exam.objects.count()
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_confirm", cast.course, confirm_data(**{"1_a": "four"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give points" in body
    assert "1.a" in body
    assert WARNING in body  # the proposal is shown again, warnings included
    assert 'value="four"' in body  # with what was typed
    assert Exam.objects.count() == before


# --- the skeleton key -------------------------------------------------------------------------


def test_the_skeleton_of_the_proposal_parses_as_a_key_with_the_edited_points(client, cast):
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_skeleton", cast.course, confirm_data(**{"2_c": "7"}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="quiz-1-key.yaml"'
    key = parse_key(response.content.decode())
    assert (key.exam.id, key.exam.title) == ("quiz-1", "Quiz 1")
    assert [p.id for q in key.questions for p in q.parts] == PARTS
    assert [p.points for q in key.questions for p in q.parts] == [4, 8, 5, 6, 7]
    assert [q.points for q in key.questions] == [12, 18]
    assert [q.label for q in key.questions] == ["Question 1", "Question 2"]
    assert all(p.descriptive for q in key.questions for p in q.parts)


def test_the_exam_page_offers_the_skeleton_of_its_parts(client, cast):
    client.force_login(cast.instructor.user)
    url = reverse("answer_key_skeleton", args=[cast.exam.pk])
    assert url in client.get(reverse("exam_detail", args=[cast.exam.pk])).content.decode()
    key = parse_key(client.get(url).content.decode())
    assert [(p.id, p.points) for q in key.questions for p in q.parts] == [("1.a", 4), ("1.b", 6)]
    assert key.exam.id == cast.exam.slug


def test_a_skeleton_installs_as_the_exams_key(cast):
    source = answer_key_skeleton(
        exam_id=cast.exam.slug, title=cast.exam.title, questions=exam_structure(cast.exam)
    )
    _, _, created = answer_key_store(exam=cast.exam, source=source)
    assert created
    assert set(cast.exam.parts.values_list("part_id", "kind")) == {
        ("1.a", "descriptive"),
        ("1.b", "descriptive"),
    }


@pytest.mark.parametrize("seed", ["bonus", "single-part"])
def test_skeletons_of_bonus_and_single_part_questions_parse(seed):
    text = {
        "bonus": "## Question 1 (5 points)\n(a) (5 points) Why?\n\n## Question 2 Bonus (2 points)\n"
        "(a) (2 points) Why not?\n",
        "single-part": "## Question 1 (5 points)\nExplain dropout.\n\n## Question 2 (3 points)\n"
        "(a) (3 points) Why?\n",
    }[seed]
    proposed = propose_structure(text)
    questions = exam_structure_from_proposal(proposed)
    source = answer_key_skeleton(
        exam_id="x",
        title="X",
        questions=questions,
        bonus={q.number for q in proposed.questions if q.bonus},
    )
    key = parse_key(source)
    assert [p.id for q in key.questions for p in q.parts] == [p.part_id for p in proposed.parts]
    assert [q.bonus for q in key.questions] == [q.bonus for q in proposed.questions]


# --- the services -----------------------------------------------------------------------------


def test_structure_from_proposal_names_parts_without_points():
    proposed = propose_structure("## Question 1\nExplain dropout.\n\n## Question 2 (3 points)\n")
    with pytest.raises(ValidationError, match=r"Give points .* part 1"):
        exam_structure_from_proposal(proposed)
    questions = exam_structure_from_proposal(proposed, points={"1": "2.5"})
    assert [(q.number, q.max_points) for q in questions] == [("1", Decimal("2.5")), ("2", 3)]


@pytest.mark.parametrize("typed", ["-1", "1.234", "NaN", "1e9", ""])
def test_structure_from_proposal_refuses_points_that_are_not_points(typed):
    with pytest.raises(ValidationError, match=r"1\.a"):
        exam_structure_from_proposal(propose_structure(TEXT), points={"1.a": typed})


def test_exam_create_from_structure_makes_the_slug_unique_in_the_course(cast):
    spec = [QuestionSpec("1", Decimal(2), [PartSpec("1", "Q1", Decimal(2))])]
    first = exam_create_from_structure(course=cast.course, title="Quiz", questions=spec)
    second = exam_create_from_structure(course=cast.course, title="Quiz", questions=spec)
    assert (first.slug, second.slug) == ("quiz", "quiz-2")
    assert second.parts.get().max_points == 2


@pytest.mark.parametrize(
    "questions",
    [
        [],
        [
            QuestionSpec("1", Decimal(2), [PartSpec("1.a", "(a)", Decimal(2))]),
            QuestionSpec("1", Decimal(2), [PartSpec("1.b", "(b)", Decimal(2))]),
        ],
        [
            QuestionSpec(
                "1",
                Decimal(4),
                [PartSpec("1.a", "(a)", Decimal(2)), PartSpec("1.a", "(a)", Decimal(2))],
            )
        ],
    ],
    ids=["empty", "question-twice", "part-twice"],
)
def test_exam_create_from_structure_is_all_or_nothing(cast, questions):
    before = (Exam.objects.count(), Question.objects.count(), Part.objects.count())
    with pytest.raises(ValidationError):
        exam_create_from_structure(course=cast.course, title="Bad", questions=questions)
    assert (Exam.objects.count(), Question.objects.count(), Part.objects.count()) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Give the exam a title."),
        ({"pages_per_copy": "0"}, "Pages per copy must be a whole number from 1 to 60."),
        ({"pages_per_copy": "many"}, "Pages per copy must be a whole number from 1 to 60."),
        ({"pages_per_copy": "9" * 5000}, "Pages per copy must be a whole number from 1 to 60."),
        ({"pages_per_copy": "NaN"}, "Pages per copy must be a whole number from 1 to 60."),
        ({"title": "x" * 201}, "Title: Ensure this value has at most 200 characters"),
        ({"title": "a\x00b"}, "Title: Null characters are not allowed."),
    ],
)
def test_a_bad_title_or_page_count_is_400_and_creates_nothing(client, cast, changes, message):
    before = Exam.objects.count()
    client.force_login(cast.instructor.user)
    response = post(client, "exam_new_confirm", cast.course, {**confirm_data(), **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Exam.objects.count() == before
