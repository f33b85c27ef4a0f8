from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("exams", "0006_course_decimal_sign")]

    operations = [
        migrations.AddField(
            model_name="transcription",
            name="reading",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
