"""The exam's audit log (publication, anonymous grading) and the notifications sent by email."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('exams', '0008_printed_exam'),
        ('gradebook', '0004_gradeevent_sealed_by_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExamEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('publish', 'Grades published'), ('unpublish', 'Grades unpublished'), ('anonymous_on', 'Anonymous grading switched on'), ('anonymous_off', 'Anonymous grading switched off')], max_length=20)),
                ('detail', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('exam', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='exams.exam')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('published', 'Grades published'), ('regrade_answered', 'Regrade request answered')], max_length=20)),
                ('subject', models.CharField(max_length=200)),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, default='', max_length=500)),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='notification_unsent_idx')],
            },
        ),
    ]


# The exam's audit log is sealed as the grade log is (0004): the same trigger functions,
# which refuse UPDATE, DELETE by anyone but the tables' owner, and TRUNCATE but by a superuser.
SEAL = """
CREATE TRIGGER gradebook_examevent_append_only
    BEFORE UPDATE OR DELETE ON gradebook_examevent
    FOR EACH ROW EXECUTE FUNCTION gradebook_gradeevent_append_only();
CREATE TRIGGER gradebook_examevent_no_truncate
    BEFORE TRUNCATE ON gradebook_examevent
    FOR EACH STATEMENT EXECUTE FUNCTION gradebook_gradeevent_no_truncate();
"""
UNSEAL = """
DROP TRIGGER IF EXISTS gradebook_examevent_append_only ON gradebook_examevent;
DROP TRIGGER IF EXISTS gradebook_examevent_no_truncate ON gradebook_examevent;
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def seal(apps, schema_editor):
    _run(schema_editor, SEAL)


def unseal(apps, schema_editor):
    _run(schema_editor, UNSEAL)


Migration.operations.append(migrations.RunPython(seal, unseal))
