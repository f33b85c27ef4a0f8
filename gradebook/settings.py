"""Django settings, read from the environment (see docs/deployment.md for every variable).

Defaults are the embedded ones: SQLite in ``var/`` and Celery tasks executed eagerly in the
web process, so a fresh checkout runs with nothing else installed. ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch to PostgreSQL and Redis with no code change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gradebook.env import envbool, envchoice, envint, envlist, envstr, generated_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("GRADEBOOK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
DATABASE_URL = envstr("DATABASE_URL", "")
SECRET_KEY = envstr("SECRET_KEY")
if SECRET_KEY.startswith("change-me"):
    raise ImproperlyConfigured(
        "SECRET_KEY is still the placeholder of gradebook.env.example: replace it"
    )
if not SECRET_KEY:
    if DATABASE_URL and not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set: a deployment (DATABASE_URL is set) "
            "never runs on a key it did not choose. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # The embedded default (or DEBUG): a random key made once for this checkout, never a
    # key written in the code.
    SECRET_KEY = generated_secret(VAR_DIR / "secret_key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "exams",
    "grading",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gradebook.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gradebook.urls"
WSGI_APPLICATION = "gradebook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_config(url: str) -> dict[str, Any]:
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:/// or postgres://)"
        )
    try:
        config: dict[str, Any] = {
            **dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 60, minimum=0))
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from exc
    if config["ENGINE"].endswith("sqlite3"):
        # Several Celery threads and the web process share one SQLite file in the demo;
        # wait on a lock instead of failing at once. Write-ahead logging lets pages be read
        # while a stack is being written, and with it synchronous=NORMAL is still safe from
        # corruption while syncing to disk once per checkpoint rather than per commit (a
        # commit was a third of placing a page: docs/performance.md).
        config["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
    return config


if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'gradebook.sqlite3'}"
DATABASES = {"default": _database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Email: invitations, "your grades are published", "your regrade was answered". Printed on
# the console (the process's log) unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "gradebook@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address as students reach it: the links in emails start with it.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# How long an invitation (set-password) link stays valid; `manage.py invitation_links`
# prints fresh ones at any time.
PASSWORD_RESET_TIMEOUT = 86400 * envint("INVITATION_DAYS", 14, minimum=1)

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the files straight from the code's static folders, read once at start-up
# (they change only with the code), so every process serves them with DEBUG off and no
# collectstatic is needed. STATIC_ROOT is only collectstatic's target, for a proxy that
# should serve them itself; unset, nothing is collected.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = Path(_root) if (_root := envstr("STATIC_ROOT", "")) else None

MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded scans and page images are never served by URL directly: every file goes through
# a view that checks the course and the role (exams/views/scans.py).
MEDIA_URL = "/media-not-served/"

STORAGE_BACKEND = envchoice("STORAGE_BACKEND", "filesystem", ("filesystem", "s3"))
if STORAGE_BACKEND == "s3":
    # django-storages (pip install '.[deploy]'); credentials come from AWS_* variables.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("S3_BUCKET"),
            "endpoint_url": envstr("S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Upload limits (bytes). Scans arrive as large PDFs; Django streams them to disk past this.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
SCAN_UPLOAD_MAX_BYTES = envint("SCAN_UPLOAD_MAX_BYTES", 1024 * 1024 * 1024, minimum=1)
# What one scan upload may expand to (exams.scanning.pages.PageLimits; docs/deployment.md):
# pages, pixels of a page and of all pages, and pixels per byte of the file beyond a free
# allowance (a 16 KB ZIP of 40 blank 59.5 Mpx pages is refused before any page is decoded).
SCAN_MAX_PAGES = envint("SCAN_MAX_PAGES", 10_000, minimum=1)
SCAN_MAX_PAGE_MEGAPIXELS = envint("SCAN_MAX_PAGE_MEGAPIXELS", 60, minimum=1)
SCAN_MAX_UPLOAD_MEGAPIXELS = envint("SCAN_MAX_UPLOAD_MEGAPIXELS", 50_000, minimum=1)
SCAN_MAX_PIXELS_PER_BYTE = envint("SCAN_MAX_PIXELS_PER_BYTE", 1_000, minimum=1)
SCAN_FREE_MEGAPIXELS = envint("SCAN_FREE_MEGAPIXELS", 1_000, minimum=0)
# An upload in progress is spooled to a temporary file with no name on disk: a worker killed
# mid-upload leaves nothing behind.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "gradebook.uploads.AnonymousTemporaryFileUploadHandler",
]

# --- Celery -------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL and urlparse(CELERY_BROKER_URL).scheme not in {"redis", "rediss", "memory"}:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL {CELERY_BROKER_URL!r} must be a redis:// or rediss:// URL"
    )
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = ("gradebook.celery.route_task",)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Results live in the database (the task commits its effect); no result backend is needed.
CELERY_TASK_IGNORE_RESULT = True
# Every task's hard time limit (s); the soft one, which a task can catch, is 80% of it. Tasks
# are short by design (a split works in slices and sends itself again), so that the
# visibility timeout below, which must stay above the longest task, can be small.
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 150, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 4 // 5
_RESTORE_INTERVAL = envint("CELERY_RESTORE_INTERVAL", 10, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest task (a system check says so): an unacknowledged message, whose
    # worker died, is redelivered after this. The reconciler below does not wait for it.
    "visibility_timeout": envint(
        "CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 6 // 5, minimum=1
    ),
    # The task of a worker that died is put back on its queue by a sweep of Redis, which
    # kombu runs every 10th tick of 10 s by default (100 s): sweep on every tick instead.
    "unacked_restore_interval": _RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
    # The sweep holds a lock in Redis for a few milliseconds; a worker killed while holding
    # it blocked every other sweep for kombu's default of 300 s.
    "unacked_mutex_expire": max(5, 3 * _RESTORE_INTERVAL),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Pipeline steps and their reconciler (exams.pipeline.steps, exams.pipeline.reconcile; docs/pipeline.md) ---
# The database records each page's step; the broker only carries the nudges. Celery beat runs
# the reconciler, which sends again every due step no worker is working on.
PIPELINE_RECONCILE_SECONDS = envint("PIPELINE_RECONCILE_SECONDS", 30, minimum=1)
# A step sent waits this long for a worker before the reconciler may send it again (when its
# queue is empty), and a failed attempt is retried after it, doubling each time up to the cap.
PIPELINE_RETRY_SECONDS = envint("PIPELINE_RETRY_SECONDS", 30, minimum=1)
PIPELINE_RETRY_MAX_SECONDS = envint("PIPELINE_RETRY_MAX_SECONDS", 900, minimum=1)
# Attempts that end without a result (an error, a time limit, a worker that died) before the
# step stops and waits for a person. Outages of the database or the broker do not count.
PIPELINE_MAX_ATTEMPTS = envint("PIPELINE_MAX_ATTEMPTS", 5, minimum=1)
# While a step's queue still holds messages, its message is probably among them: the step is
# sent again only once it is this late.
PIPELINE_BUSY_RESEND_SECONDS = envint("PIPELINE_BUSY_RESEND_SECONDS", 1800, minimum=1)
# One split task works this long, then sends itself again for the rest of the file.
PIPELINE_SPLIT_SLICE_SECONDS = envint(
    "PIPELINE_SPLIT_SLICE_SECONDS", CELERY_TASK_SOFT_TIME_LIMIT // 2, minimum=1
)
# Fault injection for tests/integration only (exams.pipeline.steps.failpoint); empty elsewhere.
PIPELINE_FAILPOINT = envstr("GRADEBOOK_FAILPOINT", "")
# The OCR engine of the pipeline (exams.pipeline.engine): auto takes the best one installed.
OCR_ENGINE = envchoice("OCR_ENGINE", "auto", ("auto", "rapidocr", "tesseract"))
# What exams asks of the grading app (exams.hooks): the project is where the two apps meet,
# so that exams never imports grading (grading depends on exams).
GRADING_HOOKS = "grading.hooks"
CELERY_BEAT_SCHEDULE = {
    "pipeline-reconcile": {
        "task": "exams.tasks.reconcile_pipeline",
        "schedule": PIPELINE_RECONCILE_SECONDS,
        # A run that waited longer than the interval is skipped: the next one does its work.
        "options": {"expires": PIPELINE_RECONCILE_SECONDS},
    },
    # Emails a mail server or the broker kept from going out (grading.notify).
    "notifications-send": {
        "task": "grading.tasks.notifications_send_due",
        "schedule": 300,
        "options": {"expires": 300},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = envstr(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False  # the review page's script reads it for its POSTs
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# HTTPS. Off by default (the embedded default serves http://127.0.0.1); on in the production
# example, gradebook.env.example, with which `manage.py check --deploy` reports no issue.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# The container's health probe speaks plain HTTP from inside; it is never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy, the header it sets to "https" (e.g. X-Forwarded-Proto).
# Only name a header the proxy always overwrites: a client could send it otherwise.
_PROXY_SSL_HEADER = envstr("SECURE_PROXY_SSL_HEADER", "")
if _PROXY_SSL_HEADER and not re.fullmatch(r"[A-Za-z0-9-]+", _PROXY_SSL_HEADER):
    raise ImproperlyConfigured(
        f"SECURE_PROXY_SSL_HEADER={_PROXY_SSL_HEADER!r} must be a header name, e.g. X-Forwarded-Proto"
    )
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
