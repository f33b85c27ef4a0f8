"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the grade audit log, so
not even raw SQL or a future bug can rewrite history. (The model and its queryset refuse it
on every backend.) The one exception is deleting a whole exam or course on purpose, which
``gradebook.services.exam_delete`` does inside a transaction that sets
``gradebook.allow_audit_delete``."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION gradebook_gradeevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('gradebook.allow_audit_delete', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'grade events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER gradebook_gradeevent_no_update_delete
    BEFORE UPDATE OR DELETE ON gradebook_gradeevent
    FOR EACH ROW EXECUTE FUNCTION gradebook_gradeevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS gradebook_gradeevent_no_update_delete ON gradebook_gradeevent;
DROP FUNCTION IF EXISTS gradebook_gradeevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("gradebook", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
