"""End to end on the real services: a task enqueued through Redis, executed by a separate
Celery worker process, its result committed in PostgreSQL."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from exams.models import Answer, Submission
from grading import services
from grading.models import GradeEvent
from grading.tasks import recompute_submission_total
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_task_runs_in_a_worker_process_and_commits_to_postgres(cast, celery_workers):
    from gradebook.celery import app

    worker = celery_workers.start()
    answer = Answer.objects.create(
        submission=cast.submission,
        part=cast.exam.parts.get(part_id="1.b"),
        suggested_points=Decimal(5),
    )
    services.score_apply_auto(answer=answer)

    result = recompute_submission_total.delay(submission_id=cast.submission.pk)

    assert not app.conf.task_always_eager
    assert result.id  # it went through the broker
    total = wait_for(lambda: Submission.objects.get(pk=cast.submission.pk).total_points)
    assert total == Decimal(5)
    assert worker.pid != os.getpid()
    assert worker.poll() is None
    assert GradeEvent.objects.filter(answer=answer).count() == 1
