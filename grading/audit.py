"""The seal of the grade audit log on PostgreSQL: who may erase it, and the application role.

Two database roles run gradebook in a deployment. The **owner** runs the migrations and owns
every table; the **application** role (web and workers) gets, from :func:`grant_app_role`,
what the app needs and no more: SELECT, INSERT, UPDATE, DELETE on the tables, but only SELECT
and INSERT on the audit logs (of grades, and of the exams' publication), and SELECT on the
migration history. A trigger (migration
``0004``) refuses UPDATE to everyone, DELETE to anyone but the owner, and TRUNCATE to anyone
but a superuser, whatever the session has set. The owner can still alter its own table: the
log is sealed against the application, not against whoever holds the owner's password.

SQLite has no roles: there, only the model and its queryset refuse to rewrite the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from grading.models import ExamEvent, GradeEvent

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class AuditLogSealedError(Exception):
    """This database connection may not erase grade history: it is not the owner's."""


def audit_log_erasable(connection: BaseDatabaseWrapper = default_connection) -> bool:
    """Whether this connection's role may delete grade events (the owner of the log, or a
    superuser). Always true on SQLite, which has no roles."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, c.relowner, 'MEMBER')"
            " FROM pg_class c WHERE c.oid = %s::regclass",
            [GradeEvent._meta.db_table],
        )
        return bool(cursor.fetchone()[0])


def require_audit_log_erasable(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Raise :class:`AuditLogSealedError`, with the way out, unless the log may be erased."""
    if not audit_log_erasable(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            role = cursor.fetchone()[0]
        raise AuditLogSealedError(
            f"The database role {role!r} may not erase grade history: only the owner of the "
            "tables can. Run this as the owner (the DATABASE_URL the migrations use; with "
            "docker compose: docker compose run --rm migrate python manage.py ...)."
        )


@dataclass(frozen=True)
class AppRolePrivileges:
    """What the application role may do on the audit log, read back from PostgreSQL."""

    role: str
    select: bool
    insert: bool
    update: bool
    delete: bool
    truncate: bool
    owner: bool
    superuser: bool

    @property
    def sealed(self) -> bool:
        """The role can read and append the log, and nothing else."""
        return (
            self.select
            and self.insert
            and not (self.update or self.delete or self.truncate or self.owner or self.superuser)
        )


def app_role_privileges(
    role: str, connection: BaseDatabaseWrapper = default_connection
) -> AppRolePrivileges:
    """The role's effective privileges on the log (through PUBLIC and role membership too)."""
    table = GradeEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(r.oid, c.oid, 'SELECT'),"
            " has_table_privilege(r.oid, c.oid, 'INSERT'),"
            " has_table_privilege(r.oid, c.oid, 'UPDATE'),"
            " has_table_privilege(r.oid, c.oid, 'DELETE'),"
            " has_table_privilege(r.oid, c.oid, 'TRUNCATE'),"
            " pg_has_role(r.oid, c.relowner, 'MEMBER'), r.rolsuper"
            " FROM pg_roles r, pg_class c WHERE r.rolname = %s AND c.oid = %s::regclass",
            [role, table],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValueError(f"no database role named {role!r}")
    return AppRolePrivileges(role, *(bool(value) for value in row))


def grant_app_role(
    role: str, connection: BaseDatabaseWrapper = default_connection
) -> AppRolePrivileges:
    """Give the application role what the app needs, and no way to rewrite the audit log.

    Run as the owner after every ``migrate`` (new tables need their grants); idempotent.
    Raises ``ValueError`` for a role that does not exist or could still erase the log (a
    superuser, the owner or one of its members, or a role given DELETE through another).
    """
    if connection.vendor != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    if not _ROLE_NAME.match(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    before = app_role_privileges(role, connection)
    if before.superuser or before.owner:
        raise ValueError(
            f"role {role!r} is a superuser or owns the tables: the application must run as "
            "a role of its own, or it can erase the audit log"
        )
    log = GradeEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        q = connection.ops.quote_name
        for statement in (
            f"GRANT USAGE ON SCHEMA {q(schema)} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {q(schema)} TO {role}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {q(schema)} FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {role}",
            f"REVOKE UPDATE, DELETE ON {q(log)} FROM {role}",
            f"REVOKE UPDATE, DELETE ON {q(ExamEvent._meta.db_table)} FROM {role}",
            f"REVOKE INSERT, UPDATE, DELETE ON {q('django_migrations')} FROM {role}",
        ):
            cursor.execute(statement)
    after = app_role_privileges(role, connection)
    if not after.sealed:
        raise ValueError(
            f"role {role!r} can still change the audit log after the grants ({after}): it "
            "inherits UPDATE, DELETE or TRUNCATE from another role or from PUBLIC"
        )
    return after
