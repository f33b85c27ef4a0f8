from django.contrib import admin

from exams import models

for model in (
    models.Course,
    models.Enrollment,
    models.Exam,
    models.Question,
    models.Part,
    models.AnswerKey,
    models.ScanBatch,
    models.Page,
    models.Submission,
    models.Answer,
    models.Transcription,
):
    admin.site.register(model)
