"""The gradebook Django project: settings, URLs, the Celery app, and the few helpers both
apps share (``http``, ``db``). The apps are ``exams`` and ``grading``."""

from gradebook.celery import app as celery_app

__all__ = ["celery_app"]
