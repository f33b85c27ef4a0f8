"""Real headless Chromium against pytest-django's live server.

One browser for the whole session (a new context, i.e. a fresh cookie jar, per user). Tests
log in by handing the browser a session cookie made with Django's test client. Screenshots of
the main pages go to test-artifacts/screenshots/ (git-ignored) for a person to look at.

Without the ``playwright`` package or Debian's Chromium the tests are skipped, except under
``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require_service("playwright", sync_playwright is not None, "pip install playwright==1.65.2")
    require_service("Chromium", shutil.which(CHROMIUM) is not None, f"{CHROMIUM} not found")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are ordinary blocking calls, which Django allows with this flag.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def as_user(browser, live_server):
    """``as_user(user)`` -> a page logged in as that user (its own browser context)."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1400, "height": 900}
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def demo(settings, tmp_path, transactional_db, django_capture_on_commit_callbacks):
    """The demo course with three students, graded by the pipeline (run eagerly)."""
    from django.core.management import call_command

    from exams.models import Exam

    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--reset", "--students", "3", "--seed", "11", stdout=StringIO())
    return Exam.objects.get(title="Midterm (demo)")
