"""Tasks are safe to run twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Answer, Submission
from grading import services
from grading.tasks import recompute_submission_total

pytestmark = pytest.mark.django_db


def test_recompute_total_twice_gives_the_same_total(cast):
    answer = Answer.objects.create(
        submission=cast.submission,
        part=cast.exam.parts.get(part_id="1.a"),
        suggested_points=Decimal(3),
    )
    services.score_apply_auto(answer=answer)
    assert recompute_submission_total.delay(submission_id=cast.submission.pk).get() == "3.00"
    assert recompute_submission_total(submission_id=cast.submission.pk) == "3.00"
    assert Submission.objects.get(pk=cast.submission.pk).total_points == Decimal(3)


def test_recompute_total_of_a_deleted_submission_is_a_no_op(db):
    assert recompute_submission_total(submission_id=123456) is None
