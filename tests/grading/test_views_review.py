"""The TA review queue and its write views: grade, accept, correct the transcription,
resolve a regrade request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from exams.models import Answer
from grading import services
from grading.models import GradeEvent, RegradeRequest, Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


@pytest.fixture
def part(answers):
    return answers["wrong"].part


def version(answer: Answer) -> int:
    return Score.objects.get(answer=answer).version


# --- the queue page -----------------------------------------------------------------------


def test_a_ta_sees_the_flagged_answer_first_with_its_expected_value(client, cast, part, answers):
    client.force_login(cast.ta.user)
    response = client.get(reverse("review", args=[part.pk]))
    assert response.status_code == 200
    assert response.context["current"].pk == answers["wrong"].pk
    # The correct answer is not in the default "to do" queue but is in "all", last.
    assert [a.pk for a in response.context["queue"]] == [answers["wrong"].pk]
    body = response.content.decode()
    assert "you rounded the number of mini-batches" in body.lower()
    assert 'data-latex="78"' in body
    assert f'name="version" value="{version(answers["wrong"])}"' in body
    everything = client.get(reverse("review", args=[part.pk]) + "?filter=all")
    assert [a.pk for a in everything.context["queue"]] == [
        answers["wrong"].pk,
        answers["right"].pk,
    ]


def test_the_ta_sees_what_the_reader_saw(client, cast, part, answers):
    from exams.models import Transcription

    summary = "read 79 (expected 78: p=0.31; 79: p=0.66)"
    Transcription.objects.create(
        answer=answers["wrong"],
        source=Transcription.Source.OCR,
        engine="handwriting-ctc",
        text="79",
        confidence=0.45,
        reading={"summary": summary, "lines": ["N = 390/5", "~~80", "79"], "accepted": False},
    )
    client.force_login(cast.ta.user)
    body = client.get(reverse("review", args=[part.pk])).content.decode()
    assert "read 79 (expected 78: p=0.31; 79: p=0.66)" in body
    assert "~~80" in body


def test_free_text_is_shown_as_not_transcribed_with_its_lines_counted(client, cast, part, answers):
    """An explanation is found on the scan, not transcribed: the TA is told to read the scan,
    not shown an empty transcription or empty lines."""
    from exams.models import Transcription
    from exams.scanning.reading import AnswerRead

    read = AnswerRead("", ("", ""), 0.0, False, transcribed=False)
    answers["wrong"].answer_text = ""
    answers["wrong"].save(update_fields=["answer_text"])
    Transcription.objects.create(
        answer=answers["wrong"],
        source=Transcription.Source.OCR,
        engine="layout",
        text="",
        confidence=0.0,
        reading=read.as_json(),
    )
    client.force_login(cast.ta.user)
    body = client.get(reverse("review", args=[part.pk])).content.decode()
    assert "(not transcribed: read it on the scan)" in body
    assert "2 lines of free text, graded from the scan" in body
    assert "· lines:" not in body


def test_an_open_regrade_request_joins_the_queue(client, cast, part, answers):
    RegradeRequest.objects.create(
        answer=answers["right"], requested_by=cast.other_student.user, message="look again"
    )
    client.force_login(cast.ta.user)
    response = client.get(reverse("review", args=[part.pk]))
    assert [a.pk for a in response.context["queue"]] == [answers["wrong"].pk, answers["right"].pk]
    regrades = client.get(reverse("review", args=[part.pk]) + "?filter=regrade")
    assert [a.pk for a in regrades.context["queue"]] == [answers["right"].pk]
    page = client.get(reverse("review", args=[part.pk]) + f"?answer={answers['right'].pk}")
    assert "look again" in page.content.decode()


def test_the_review_page_is_for_staff_only(client, cast, part):
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(reverse("review", args=[part.pk])).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(reverse("review", args=[part.pk])).status_code == 200


def test_the_review_page_rejects_post(client, cast, part):
    client.force_login(cast.ta.user)
    assert client.post(reverse("review", args=[part.pk])).status_code == 405


def test_a_guessed_part_id_is_404(client, cast):
    client.force_login(cast.ta.user)
    assert client.get(reverse("review", args=[999999])).status_code == 404


# --- grading ------------------------------------------------------------------------------


def test_a_ta_grades_with_rubric_items_and_a_comment(client, cast, answers):
    items = view_fixtures.rubric(cast)
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": version(answer), "rubric_items": [items[0].pk], "comment": "floor, not ceil"},
        **JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["points"] == "4.00"
    score = Score.objects.get(answer=answer)
    assert (score.points, score.source, score.graded_by, score.comment) == (
        Decimal(4),
        "person",
        cast.ta.user,
        "floor, not ceil",
    )
    event = GradeEvent.objects.filter(answer=answer).last()
    assert (event.action, event.actor, event.new_points) == ("grade", cast.ta.user, Decimal(4))
    answer.submission.refresh_from_db()
    assert answer.submission.total_points == Decimal(4)


def test_a_plain_form_post_redirects_to_the_next_answer(client, cast, answers):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": version(answer), "points": "5", "next_answer": answers["right"].pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"answer={answers['right'].pk}")


def test_a_stale_version_is_a_409_and_nothing_is_written(client, cast, answers):
    answer = answers["wrong"]
    seen = version(answer)
    services.score_set(
        answer=answer, actor=cast.instructor.user, expected_version=seen, points=Decimal(3)
    )
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]), {"version": seen, "points": "5"}, **JSON
    )
    assert response.status_code == 409
    assert "changed this grade meanwhile" in response.json()["error"]
    assert Score.objects.get(answer=answer).points == Decimal(3)
    # Without script: a message and back to the same answer.
    plain = client.post(reverse("answer_grade", args=[answer.pk]), {"version": seen, "points": "5"})
    assert plain.status_code == 302
    assert Score.objects.get(answer=answer).points == Decimal(3)


def test_points_out_of_range_are_a_400(client, cast, answers):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": version(answer), "points": "60"},
        **JSON,
    )
    assert response.status_code == 400
    assert "between 0 and 6" in response.json()["error"]


def test_an_empty_save_is_refused_rather_than_full_marks(client, cast, answers):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_grade", args=[answer.pk]),
        {"version": version(answer), "points": "", "comment": "hm"},
        **JSON,
    )
    assert response.status_code == 400
    assert "Nothing to save" in response.json()["error"]
    assert Score.objects.get(answer=answer).source == "auto"


def test_grading_is_for_staff_only(client, cast, answers):
    answer = answers["wrong"]
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        response = client.post(
            reverse("answer_grade", args=[answer.pk]), {"version": 1, "points": "6"}
        )
        assert response.status_code == 404
    assert Score.objects.get(answer=answer).source == "auto"


def test_grading_rejects_get(client, cast, answers):
    client.force_login(cast.ta.user)
    assert client.get(reverse("answer_grade", args=[answers["wrong"].pk])).status_code == 405


def test_grading_needs_the_csrf_token(cast, answers):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.ta.user)
    response = strict.post(
        reverse("answer_grade", args=[answers["wrong"].pk]), {"version": 1, "points": "6"}
    )
    assert response.status_code == 403


# --- accepting the auto verdict -----------------------------------------------------------


def test_accepting_makes_the_suggestion_a_persons_grade(client, cast, answers):
    answer = answers["right"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_accept", args=[answer.pk]), {"version": version(answer)}, **JSON
    )
    assert response.status_code == 200
    score = Score.objects.get(answer=answer)
    assert (score.points, score.source) == (Decimal(6), "person")
    assert GradeEvent.objects.filter(answer=answer).last().action == "accept"


def test_accepting_without_a_suggestion_is_a_400(client, cast, answers):
    answer = answers["wrong"]
    Answer.objects.filter(pk=answer.pk).update(suggested_points=None, verdict="needs_review")
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_accept", args=[answer.pk]), {"version": version(answer)}, **JSON
    )
    assert response.status_code == 400


def test_accepting_is_for_staff_only_and_post_only(client, cast, answers):
    answer = answers["right"]
    client.force_login(cast.other_student.user)
    assert (
        client.post(reverse("answer_accept", args=[answer.pk]), {"version": 1}).status_code == 404
    )
    client.force_login(cast.ta.user)
    assert client.get(reverse("answer_accept", args=[answer.pk])).status_code == 405


# --- correcting the transcription ---------------------------------------------------------


def test_correcting_the_transcription_re_runs_the_check(client, cast, answers, monkeypatch):
    calls = []

    def fake_correct(*, answer, text, actor):
        calls.append((answer.pk, text, actor))
        return answer

    monkeypatch.setattr("exams.pipeline.checking.answer_correct_text", fake_correct)
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_transcription", args=[answer.pk]), {"text": "78"}, **JSON
    )
    assert response.status_code == 200
    assert calls == [(answer.pk, "78", cast.ta.user)]


def test_correcting_without_a_key_is_a_400(client, cast, answers):
    client.force_login(cast.ta.user)
    response = client.post(
        reverse("answer_transcription", args=[answers["wrong"].pk]), {"text": "78"}, **JSON
    )
    assert response.status_code == 400
    assert "answer key" in response.json()["error"]


def test_correcting_is_for_staff_only_and_post_only(client, cast, answers):
    url = reverse("answer_transcription", args=[answers["wrong"].pk])
    client.force_login(cast.student.user)
    assert client.post(url, {"text": "1"}).status_code == 404
    client.force_login(cast.ta.user)
    assert client.get(url).status_code == 405


# --- regrade requests ---------------------------------------------------------------------


@pytest.fixture
def regrade(cast, answers):
    return RegradeRequest.objects.create(
        answer=answers["wrong"], requested_by=cast.student.user, message="I used floor"
    )


def test_resolving_a_regrade_records_the_response(client, cast, answers, regrade):
    answer = answers["wrong"]
    client.force_login(cast.ta.user)
    # A grade given while the request is open is logged as a regrade.
    client.post(
        reverse("answer_grade", args=[answer.pk]), {"version": version(answer), "points": "6"}
    )
    assert GradeEvent.objects.filter(answer=answer).last().action == "regrade"
    response = client.post(
        reverse("regrade_resolve", args=[regrade.pk]), {"response": "Right, full marks."}
    )
    assert response.status_code == 302
    regrade.refresh_from_db()
    assert (regrade.status, regrade.response, regrade.resolved_by) == (
        "resolved",
        "Right, full marks.",
        cast.ta.user,
    )


def test_resolving_needs_a_response(client, cast, regrade):
    client.force_login(cast.ta.user)
    response = client.post(reverse("regrade_resolve", args=[regrade.pk]), {"response": " "}, **JSON)
    assert response.status_code == 400
    assert RegradeRequest.objects.get(pk=regrade.pk).status == "open"


def test_resolving_is_for_staff_only_and_post_only(client, cast, regrade):
    url = reverse("regrade_resolve", args=[regrade.pk])
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"response": "no"}).status_code == 404
    client.force_login(cast.ta.user)
    assert client.get(url).status_code == 405
    assert (
        client.post(reverse("regrade_resolve", args=[999999]), {"response": "x"}).status_code == 404
    )
