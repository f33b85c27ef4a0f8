"""WSGI entry point (gunicorn gradebook.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")
application = get_wsgi_application()
