"""The grade audit log is sealed against the application's database role (PostgreSQL).

The suite's cluster runs as a superuser, which owns the test database's tables: the owner.
The application role is made here the way a deployment makes it (``grant_app_role``), and
the tests switch to it with ``SET LOCAL ROLE`` inside the test's transaction, so the app's
own services run under it; one test logs in as that role over TCP, as the web and workers
do, where there is no role to go back to.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from exams.models import Answer
from grading import services
from grading.audit import AuditLogSealedError, app_role_privileges, audit_log_erasable
from grading.models import GradeEvent
from tests.conftest import require_service

APP = "gradebook_test_app"
#: A role given every privilege on the log by mistake: only the trigger stands in its way.
CARELESS = "gradebook_test_careless"
#: A role that is a member of the owner but no superuser, as the owner is in a deployment.
OWNER = "gradebook_test_owner"
INSUFFICIENT_PRIVILEGE = "42501"
LOG = GradeEvent._meta.db_table
#: The test's own inserts leave deferred foreign-key checks pending, which TRUNCATE refuses
#: before any trigger runs: run them first.
TRUNCATE = f"SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE {LOG}"


def _create_role(cursor, name: str) -> None:
    cursor.execute(
        f"DO $$ BEGIN CREATE ROLE {name} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )


@pytest.fixture(scope="session")
def roles(django_db_setup, django_db_blocker) -> None:
    """The three roles, with their grants committed in the test database."""
    with django_db_blocker.unblock():
        require_service(
            "PostgreSQL", connection.vendor == "postgresql", "the roles exist on PostgreSQL only"
        )
        with connection.cursor() as cursor:
            for name in (APP, CARELESS, OWNER):
                _create_role(cursor, name)
            cursor.execute(
                "SELECT relowner::regrole::text FROM pg_class WHERE oid = %s::regclass", [LOG]
            )
            owner = cursor.fetchone()[0]
            cursor.execute(f"GRANT {owner} TO {OWNER}")
            cursor.execute(f"GRANT ALL ON {LOG} TO {CARELESS}")
        call_command("grant_app_role", APP, verbosity=0)


@pytest.fixture
def graded(cast, roles) -> Answer:
    """An answer auto-checked and then graded by a TA: two events in the log."""
    answer = Answer.objects.create(
        submission=cast.submission,
        part=cast.exam.parts.get(part_id="1.b"),
        verdict=Answer.Verdict.CORRECT,
        suggested_points=Decimal(6),
    )
    services.score_apply_auto(answer=answer)
    services.score_set(answer=answer, actor=cast.ta.user, expected_version=1, points=Decimal(4))
    assert GradeEvent.objects.count() == 2
    return answer


def _set_role(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {name}")


def _in_savepoint(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def _refused(sql: str, pgcode: str = INSUFFICIENT_PRIVILEGE) -> str:
    """Run ``sql`` in a savepoint; it must fail with ``pgcode``. Returns the error text."""
    with pytest.raises(DatabaseError) as info:
        _in_savepoint(sql)
    assert getattr(info.value.__cause__, "pgcode", None) == pgcode, info.value
    return str(info.value)


ATTACKS = {
    "update": f"UPDATE {LOG} SET new_points = 0",
    "delete": f"DELETE FROM {LOG}",
    "delete after the old session switch": (
        f"SET LOCAL gradebook.allow_audit_delete = 'on'; DELETE FROM {LOG}"
    ),
    "truncate": f"TRUNCATE {LOG}",
    "truncate cascade": f"TRUNCATE {LOG} CASCADE",
    "disable its triggers": f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
    "drop its trigger": f"DROP TRIGGER gradebook_gradeevent_no_update_delete ON {LOG}",
    "drop the table": f"DROP TABLE {LOG} CASCADE",
    "take the table": f"ALTER TABLE {LOG} OWNER TO {APP}",
    "skip every trigger": "SET session_replication_role = replica",
}


@pytest.mark.parametrize("sql", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_application_role_cannot_erase_or_rewrite_the_log(graded, sql):
    _set_role(APP)
    _refused(sql)
    assert list(GradeEvent.objects.values_list("new_points", flat=True)) == [6, 4]


def test_the_application_role_cannot_orphan_the_log_by_deleting_the_answers(graded):
    _set_role(APP)
    _refused(f"SET CONSTRAINTS ALL IMMEDIATE; DELETE FROM {Answer._meta.db_table}", "23503")
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        graded.delete()  # Django's cascade reaches the log's rows: refused
    assert GradeEvent.objects.count() == 2


def test_the_application_role_grades_and_reads_the_log(cast, graded):
    _set_role(APP)
    services.score_set(answer=graded, actor=cast.ta.user, expected_version=2, points=Decimal(5))
    assert list(GradeEvent.objects.values_list("new_points", flat=True)) == [6, 4, 5]
    assert not audit_log_erasable()


def test_the_application_role_cannot_delete_an_exam_or_its_history(cast, graded):
    _set_role(APP)
    with pytest.raises(AuditLogSealedError, match="only the owner"):
        services.exam_delete(exam=cast.exam)
    with pytest.raises(CommandError, match="docker compose run --rm migrate"):
        call_command("exam_delete", cast.exam.pk, interactive=False)
    assert GradeEvent.objects.count() == 2


def test_the_owner_deletes_a_whole_exam_with_the_command(cast, graded, capsys):
    _set_role(OWNER)  # the owner's member, not a superuser: as in a deployment
    call_command("exam_delete", cast.exam.pk, interactive=False)
    assert "2 grade events" in capsys.readouterr().out
    assert not GradeEvent.objects.exists()
    assert not cast.exam.__class__.objects.filter(pk=cast.exam.pk).exists()


def test_the_exam_deletion_asks_for_the_exam_id(cast, graded, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    with pytest.raises(CommandError, match="nothing deleted"):
        call_command("exam_delete", cast.exam.pk)
    assert GradeEvent.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {LOG} SET new_points = 0", TRUNCATE],
    ids=["update", "truncate"],
)
def test_not_even_the_owner_updates_or_truncates_the_log(graded, sql):
    _set_role(OWNER)
    assert "append-only" in _refused(sql)
    assert GradeEvent.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {LOG} SET new_points = 0", f"DELETE FROM {LOG}", TRUNCATE],
    ids=["update", "delete", "truncate"],
)
def test_the_trigger_refuses_a_role_granted_everything_by_mistake(graded, sql):
    _set_role(CARELESS)
    assert "append-only" in _refused(sql)
    assert GradeEvent.objects.count() == 2


def test_the_grants_leave_the_app_role_reading_and_appending_only(roles, db):
    privileges = app_role_privileges(APP)
    assert (privileges.select, privileges.insert) == (True, True)
    assert (privileges.update, privileges.delete, privileges.truncate) == (False, False, False)
    assert privileges.sealed


def test_grant_app_role_refuses_a_role_that_could_still_erase_the_log(roles, db):
    with pytest.raises(CommandError, match="superuser or owns the tables"):
        call_command("grant_app_role", OWNER)
    with connection.cursor() as cursor:
        _create_role(cursor, "gradebook_test_heir")
        cursor.execute(f"GRANT {CARELESS} TO gradebook_test_heir")
    with pytest.raises(CommandError, match="inherits UPDATE, DELETE or TRUNCATE"):
        call_command("grant_app_role", "gradebook_test_heir")
    with pytest.raises(CommandError, match="not a plain role name"):
        call_command("grant_app_role", "app; DROP TABLE x")


def test_logged_in_as_the_application_role_no_switch_opens_the_log(roles, db):
    """The web and workers log in as the role itself: RESET ROLE leads nowhere else."""
    import psycopg2

    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=s["NAME"], user=APP, host=s["HOST"] or "localhost", port=s["PORT"] or 5432
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("RESET ROLE")
            cur.execute("SET gradebook.allow_audit_delete = 'on'")
            cur.execute("SELECT count(*) FROM " + LOG)
            for sql in (
                "SET session_replication_role = replica",
                f"DELETE FROM {LOG}",
                f"TRUNCATE {LOG}",
                f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
            ):
                with pytest.raises(psycopg2.Error) as info:
                    cur.execute(sql)
                assert info.value.pgcode == INSUFFICIENT_PRIVILEGE, (sql, info.value)
    finally:
        conn.close()


def test_a_user_named_in_the_log_cannot_be_deleted(cast, graded):
    """Django would set the events' actor to NULL: an UPDATE of the log, refused to all."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        cast.ta.user.delete()
    assert GradeEvent.objects.filter(actor=cast.ta.user).count() == 1
