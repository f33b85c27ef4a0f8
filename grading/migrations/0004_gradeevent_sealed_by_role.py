"""The grade audit log sealed by database role, not by a session switch.

0002's trigger let any session delete rows after ``SET LOCAL gradebook.allow_audit_delete``,
and did not fire on TRUNCATE. From here:

- UPDATE is refused to every role.
- DELETE is refused unless the current role is (a member of) the table's owner: the role that
  runs migrations. The application runs as another role, granted INSERT and SELECT only on
  this table (``manage.py grant_app_role``), so it is refused twice over, by privilege and by
  this trigger. No setting changes this.
- TRUNCATE is refused to every role but a superuser (who is above every trigger anyway, and
  which the test suite's throw-away cluster uses to empty tables between tests).

The owner could still disable the trigger: it owns the table. That is the boundary docs/
reliability.md states: the log is sealed against the application, not against its owner.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION gradebook_gradeevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_has_role(
        current_user,
        (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
        'MEMBER'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'grade events are append-only (% refused for role %)', TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION gradebook_gradeevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'grade events are append-only (TRUNCATE refused for role %)', current_user
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS gradebook_gradeevent_no_truncate ON gradebook_gradeevent;
CREATE TRIGGER gradebook_gradeevent_no_truncate
    BEFORE TRUNCATE ON gradebook_gradeevent
    FOR EACH STATEMENT EXECUTE FUNCTION gradebook_gradeevent_no_truncate();
"""

# Back to 0002's function (the session switch) and no TRUNCATE trigger.
DROP = """
DROP TRIGGER IF EXISTS gradebook_gradeevent_no_truncate ON gradebook_gradeevent;
DROP FUNCTION IF EXISTS gradebook_gradeevent_no_truncate();
CREATE OR REPLACE FUNCTION gradebook_gradeevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('gradebook.allow_audit_delete', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'grade events are append-only';
END;
$$ LANGUAGE plpgsql;
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor: no parameters, so the functions' % placeholders reach plpgsql as is.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("gradebook", "0003_gradeevent_undo_action")]
    operations = [migrations.RunPython(forwards, backwards)]
