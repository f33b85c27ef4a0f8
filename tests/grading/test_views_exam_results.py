"""Publication, CSV exports and the statistics page (instructors only)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from grading import services
from grading.models import Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(cast):
    return view_fixtures.graded_answers(cast)


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_scores_per_part_csv(client, cast, answers):
    client.force_login(cast.instructor.user)
    response = client.get(reverse("export_scores", args=[cast.exam.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["student_number"]: r for r in _rows(response)}
    alice = rows[cast.student.student_number]
    assert (alice["1.a"], alice["1.b"], alice["email"]) == ("", "0.00", "alice@example.org")
    assert rows[cast.other_student.student_number]["1.b"] == "6.00"


def test_lms_gradebook_csv_and_formula_cells_are_defused(client, cast, answers):
    user = cast.student.user
    user.first_name = "=HYPERLINK(1)"
    user.save()
    services.submission_recompute_total(submission=cast.other_submission)
    client.force_login(cast.instructor.user)
    response = client.get(reverse("export_gradebook", args=[cast.exam.pk]))
    rows = _rows(response)
    assert list(rows[0]) == ["student_number", "name", "email", "total", "status", "note"]
    by_number = {r["student_number"]: r for r in rows}
    assert by_number[cast.other_student.student_number]["total"] == "6.00"
    assert by_number[cast.student.student_number]["name"].startswith("'=")


def test_statistics_show_histograms_wrong_answers_and_agreement(client, cast, answers):
    wrong = answers["wrong"]
    services.score_set(
        answer=wrong,
        actor=cast.ta.user,
        expected_version=Score.objects.get(answer=wrong).version,
        points=Decimal(2),
    )
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_stats", args=[cast.exam.pk]))
    assert response.status_code == 200
    stats = {s.part.part_id: s for s in response.context["parts"]}
    assert [(w.final_answer, w.count) for w in stats["1.b"].wrong] == [("79", 1)]
    assert (stats["1.b"].compared, stats["1.b"].agreed) == (1, 0)
    assert stats["1.b"].mean_abs_diff == 2.0
    assert "<svg" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["export_scores", "export_gradebook", "export_canvas", "export_moodle"]
)
def test_exports_are_for_the_instructor_only_and_get_only(client, cast, name):
    url = reverse(name, args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.post(url).status_code == 405
    assert client.get(reverse(name, args=[999999])).status_code == 404
