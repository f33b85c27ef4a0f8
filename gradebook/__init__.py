"""The gradebook Django project (settings, urls, Celery app) and its grading app: grades,
rubrics, reviews and feedback."""

from gradebook.celery import app as celery_app

__all__ = ["celery_app"]
