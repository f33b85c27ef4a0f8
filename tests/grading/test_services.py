"""Grading writes: every change logged, no silent overwrite, auto never beats a person."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exams.models import Answer
from grading import services
from grading.models import GradeEvent, RegradeRequest, RubricItem, Score

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(cast):
    part = cast.exam.parts.get(part_id="1.b")  # 6 points
    return Answer.objects.create(
        submission=cast.submission,
        part=part,
        verdict=Answer.Verdict.CORRECT,
        suggested_points=Decimal(6),
    )


def test_auto_check_records_suggested_points_and_logs_it(answer):
    score = services.score_apply_auto(answer=answer)
    assert score.points == Decimal(6)
    assert score.source == Score.Source.AUTO
    event = GradeEvent.objects.get(answer=answer)
    assert (event.action, event.old_points, event.new_points, event.actor) == (
        "auto_check",
        None,
        Decimal(6),
        None,
    )


def test_re_running_the_auto_check_logs_nothing_new(answer):
    services.score_apply_auto(answer=answer)
    services.score_apply_auto(answer=answer)
    assert GradeEvent.objects.filter(answer=answer).count() == 1


def test_auto_check_never_overwrites_a_person(cast, answer):
    services.score_apply_auto(answer=answer)
    services.score_set(answer=answer, actor=cast.ta.user, expected_version=1, points=Decimal("2.5"))
    answer.suggested_points = Decimal(6)
    assert services.score_apply_auto(answer=answer) is None
    assert Score.objects.get(answer=answer).points == Decimal("2.5")


def test_a_stale_grade_is_refused_and_nothing_written(cast, answer):
    services.score_set(answer=answer, actor=cast.ta.user, expected_version=0, points=Decimal(4))
    with pytest.raises(services.StaleScoreError, match="someone else"):
        services.score_set(
            answer=answer, actor=cast.instructor.user, expected_version=0, points=Decimal(1)
        )
    score = Score.objects.get(answer=answer)
    assert (score.points, score.version, score.graded_by) == (Decimal(4), 1, cast.ta.user)
    assert GradeEvent.objects.filter(answer=answer).count() == 1


def test_points_outside_the_part_range_are_refused(cast, answer):
    with pytest.raises(ValidationError):
        services.score_set(answer=answer, actor=cast.ta.user, expected_version=0, points=Decimal(7))
    assert not GradeEvent.objects.filter(answer=answer).exists()


def test_rubric_deductions_count_from_full_marks(cast, answer):
    sign = RubricItem.objects.create(part=answer.part, label="sign error", points=Decimal(-2))
    units = RubricItem.objects.create(part=answer.part, label="no units", points=Decimal("-0.5"))
    score = services.score_set(
        answer=answer, actor=cast.ta.user, expected_version=0, rubric_item_ids=[sign.pk, units.pk]
    )
    assert score.points == Decimal("3.5")
    assert set(score.rubric_items.all()) == {sign, units}


def test_positive_rubric_items_add_up_from_zero_and_clamp(cast, answer):
    a = RubricItem.objects.create(part=answer.part, label="setup", points=Decimal(4))
    b = RubricItem.objects.create(part=answer.part, label="result", points=Decimal(4))
    score = services.score_set(
        answer=answer, actor=cast.ta.user, expected_version=0, rubric_item_ids=[a.pk, b.pk]
    )
    assert score.points == Decimal(6)  # 8 clamped to the part's 6


def test_a_rubric_item_of_another_part_is_refused(cast, answer):
    other_part = cast.exam.parts.get(part_id="1.a")
    foreign = RubricItem.objects.create(part=other_part, label="x", points=Decimal(-1))
    with pytest.raises(ValidationError):
        services.score_set(
            answer=answer, actor=cast.ta.user, expected_version=0, rubric_item_ids=[foreign.pk]
        )


def test_grade_events_are_append_only(cast, answer):
    services.score_apply_auto(answer=answer)
    event = GradeEvent.objects.get(answer=answer)
    event.new_points = Decimal(0)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError, match="grade events are append-only"):
        GradeEvent.objects.filter(answer=answer).update(new_points=0)
    with pytest.raises(TypeError):
        GradeEvent.objects.all().delete()
    assert GradeEvent.objects.get(answer=answer).new_points == Decimal(6)


def test_total_is_the_sum_of_current_scores(cast, answer):
    other = Answer.objects.create(
        submission=cast.submission, part=cast.exam.parts.get(part_id="1.a")
    )
    assert services.submission_recompute_total(submission=cast.submission).total_points is None
    services.score_apply_auto(answer=answer)
    services.score_set(answer=other, actor=cast.ta.user, expected_version=0, points=Decimal("1.5"))
    assert services.submission_recompute_total(submission=cast.submission).total_points == Decimal(
        "7.5"
    )


def test_one_open_regrade_request_per_part(cast, answer):
    services.regrade_request_create(
        answer=answer, student=cast.student.user, message="Please look at (b)"
    )
    with pytest.raises(ValidationError, match="already open"):
        services.regrade_request_create(answer=answer, student=cast.student.user, message="again")
    with pytest.raises(ValidationError):
        services.regrade_request_create(answer=answer, student=cast.student.user, message="   ")
    assert RegradeRequest.objects.filter(answer=answer).count() == 1


def test_postgres_refuses_to_rewrite_the_audit_log_even_in_raw_sql(cast, answer):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    services.score_apply_auto(answer=answer)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE gradebook_gradeevent SET new_points = 0")
    assert GradeEvent.objects.get(answer=answer).new_points == Decimal(6)


def test_deleting_a_whole_exam_is_the_one_way_to_drop_its_history(cast, answer):
    services.score_apply_auto(answer=answer)
    services.exam_delete(exam=cast.exam)
    assert not GradeEvent.objects.filter(answer_id=answer.pk).exists()


def test_deleting_an_exam_with_placed_scanned_pages_removes_them_and_their_files(
    cast, media_root, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from exams.models import Page, ScanBatch

    batch = ScanBatch.objects.create(
        exam=cast.exam, original_name="x.pdf", checksum="d" * 64, size_bytes=3
    )
    batch.file.save("x.pdf", ContentFile(b"pdf"))
    page = Page(
        batch=batch,
        index_in_batch=0,
        status=Page.Status.PLACED,
        submission=cast.submission,
        page_number=1,
    )
    page.image.save("p.png", ContentFile(b"png"))
    names = [batch.file.name, page.image.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.exam_delete(exam=cast.exam)
    assert not Page.objects.filter(pk=page.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_copy_with_scanned_pages_cannot_be_deleted_by_accident(cast, media_root):
    from django.db.models import ProtectedError

    from exams.models import Page, ScanBatch

    batch = ScanBatch.objects.create(
        exam=cast.exam, file="scans/x.pdf", original_name="x.pdf", checksum="e" * 64, size_bytes=1
    )
    Page.objects.create(
        batch=batch,
        index_in_batch=0,
        status=Page.Status.PLACED,
        submission=cast.submission,
        page_number=1,
    )
    with pytest.raises(ProtectedError):
        cast.submission.delete()
