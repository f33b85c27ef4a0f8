"""The exam's audit log (publication, anonymous grading) is sealed as the grade log is: on
PostgreSQL the application's role appends and reads it, and nothing else; a role given every
privilege by mistake is still stopped by the trigger."""

from __future__ import annotations

import pytest
from django.db import connection

from grading import publishing
from grading.models import ExamEvent
from tests.grading.test_audit_seal import (  # the roles, made once per session there
    APP,
    CARELESS,
    roles,  # noqa: F401 - a fixture
)
from tests.grading.test_audit_seal import _refused as refused
from tests.grading.test_audit_seal import _set_role as set_role

pytestmark = pytest.mark.django_db

EVENTS = ExamEvent._meta.db_table
ATTACKS = {
    "update": f"UPDATE {EVENTS} SET action = 'publish'",
    "delete": f"DELETE FROM {EVENTS}",
    "truncate": f"SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE {EVENTS}",
}


@pytest.fixture
def logged(cast, roles):  # noqa: F811 - the fixture imported above
    """A publication and an unpublication, in the log."""
    publishing.exam_publish(
        exam=cast.exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publishing.publish_readiness(cast.exam).unfinished,
    )
    publishing.exam_unpublish(exam=cast.exam, actor=cast.instructor.user, reason="typo")
    assert ExamEvent.objects.count() == 2


@pytest.mark.parametrize("sql", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_application_role_cannot_rewrite_the_exam_log(logged, sql):
    set_role(APP)
    refused(sql)
    assert ExamEvent.objects.count() == 2


@pytest.mark.parametrize("sql", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_role_with_every_privilege_is_stopped_by_the_trigger(logged, sql):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT ALL ON {EVENTS} TO {CARELESS}")
    set_role(CARELESS)
    refused(sql)
    assert ExamEvent.objects.count() == 2


def test_the_application_role_publishes_and_unpublishes(cast, roles):  # noqa: F811
    set_role(APP)
    publishing.exam_publish(
        exam=cast.exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publishing.publish_readiness(cast.exam).unfinished,
    )
    publishing.exam_unpublish(exam=cast.exam, actor=cast.instructor.user)
    publishing.exam_anonymous_set(exam=cast.exam, actor=cast.instructor.user, anonymous=True)
    assert list(ExamEvent.objects.values_list("action", flat=True)) == [
        ExamEvent.Action.PUBLISH,
        ExamEvent.Action.UNPUBLISH,
        ExamEvent.Action.ANONYMOUS_ON,
    ]
