"""Every model change ships with its migration."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_before_the_grading_app_moved_has_nothing_to_migrate():
    """The grading app left the project package (gradebook/ -> grading/) under its old label:
    a deployed database, whose history and tables were made under "gradebook", is up to date
    and its tables are the app's, with nothing renamed."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    config = apps.get_app_config("gradebook")
    assert config.name == "grading"
    names = {m._meta.db_table for m in config.get_models()}
    # The tables the old layout made are the app's still (models added since come on top).
    assert names >= {
        "gradebook_rubricitem",
        "gradebook_score",
        "gradebook_gradeevent",
        "gradebook_regraderequest",
    }
    executor = MigrationExecutor(connection)
    # The history as the old layout wrote it: the same (app, name) rows, every one applied.
    written = set(executor.recorder.applied_migrations())
    assert ("gradebook", "0004_gradeevent_sealed_by_role") in written
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # And taken back before the grading app's first migration and forward again, it migrates.
    executor.migrate([("gradebook", None)])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "gradebook_gradeevent" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_their_stage_and_what_an_outage_left_undone_is_due():
    """A database from before pipeline steps: pages left pending by an outage, a placed page
    never read, one read but never checked, one read and checked; a batch stuck "done"."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("exams", "0004_page_alignment")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Course, Exam, Part, Question = (
        apps.get_model("exams", n) for n in ("Course", "Exam", "Part", "Question")
    )
    ScanBatch, Page, Submission = (
        apps.get_model("exams", n) for n in ("ScanBatch", "Page", "Submission")
    )
    AnswerKey, Answer, Transcription = (
        apps.get_model("exams", n) for n in ("AnswerKey", "Answer", "Transcription")
    )

    course = Course.objects.create(code="M1", title="t", term="T")
    exam = Exam.objects.create(course=course, title="e", slug="e", qr_code="MIG1", pages_per_copy=1)
    AnswerKey.objects.create(exam=exam, version=1, source="x", checksum="0")
    question = Question.objects.create(exam=exam, number="1", order=0, max_points=2)
    parts = [
        Part.objects.create(
            exam=exam,
            question=question,
            part_id=f"1.{c}",
            label=c,
            order=i,
            max_points=1,
            region={"page": 1, "box": [0.1, 0.1 + i / 4, 0.5, 0.3 + i / 4]},
        )
        for i, c in enumerate("ab")
    ]
    batch = ScanBatch.objects.create(
        exam=exam,
        original_name="s.pdf",
        checksum="1" * 64,
        size_bytes=1,
        status="done",
        pages_total=5,
        pages_done=5,
    )
    splitting = ScanBatch.objects.create(
        exam=exam, original_name="t.pdf", checksum="2" * 64, size_bytes=1, status="splitting"
    )

    def page(index, copy, status="placed", *, read=(), verdict="correct"):
        sub = Submission.objects.create(exam=exam, copy_number=copy) if copy else None
        for part in parts if copy else ():
            answer = Answer.objects.create(
                submission=sub, part=part, verdict=verdict if part in read else "pending"
            )
            if part in read:
                Transcription.objects.create(answer=answer, source="ocr", text="1")
        return Page.objects.create(
            batch=batch,
            index_in_batch=index,
            status=status,
            submission=sub,
            page_number=1 if copy else None,
        ).pk

    pending = page(0, None, "pending")
    attention = page(1, None, "needs_attention")
    unread = page(2, 1, read=parts[:1])
    unchecked = page(3, 2, read=parts, verdict="pending")
    checked = page(4, 3, read=parts)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from exams.models import Page as NewPage
    from exams.models import ScanBatch as NewBatch

    stages = {p.pk: (p.stage, p.due_at is not None) for p in NewPage.objects.all()}
    assert stages == {
        pending: ("split", True),
        attention: ("settled", False),
        unread: ("placed", True),
        unchecked: ("read", True),
        checked: ("checked", False),
    }
    assert NewBatch.objects.filter(pk=batch.pk).values_list("status", "pages_done").get() == (
        "processing",
        2,
    )
    assert NewBatch.objects.get(pk=splitting.pk).due_at is not None
