"""The demo as a newcomer first sees it: ``make demo`` itself (migrate, load the demo course,
grade its copies, runserver with DEBUG off), then a real Chromium that signs in through the
login form and opens a graded copy. The page must arrive styled, with its scripts running and
its mathematics rendered by KaTeX: the first run once showed bare HTML with raw ``\\text{...}``
because nothing served ``/static/`` with DEBUG off, and pytest's live server hid it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.slow_upload import REPO, free_port
from demo import plan

#: make demo grades the demo copies with the real pipeline before it serves: on a loaded
#: 2-core machine that takes a minute or two.
START_TIMEOUT_S = 420


@pytest.fixture
def shipped_demo(tmp_path):
    """``make demo`` on a free port, in a throw-away var directory; its base URL."""
    port = free_port()
    venv = Path(sys.executable).resolve().parent.parent
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}},
        "GRADEBOOK_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
    }
    log = (tmp_path / "make-demo.log").open("wb")
    proc = subprocess.Popen(
        ["make", "demo", f"PORT={port}", f"VENV={venv}"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # make, manage.py and runserver stopped together
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (tmp_path / "make-demo.log").read_text(errors="replace")[-3000:]
                    pytest.fail(f"make demo did not start serving:\n{tail}")
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


def test_make_demo_serves_a_styled_page_with_its_scripts_and_rendered_maths(browser, shipped_demo):
    context = browser.new_context(base_url=shipped_demo, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )
    try:
        # Signed in as the README says, through the form.
        page.goto("/accounts/login/")
        page.fill('input[name="username"]', "instructor")
        page.fill('input[name="password"]', plan.PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_load_state("load")
        assert "/accounts/login/" not in page.url

        # A graded copy of the demo exam: the expected answers are maths.
        page.goto("/")
        page.locator(f"a:has-text('{plan.COURSE['code']}')").first.click()
        page.locator("a:has-text('Midterm')").first.click()
        page.locator('a[href^="/submissions/"]').first.click()
        page.wait_for_url("**/submissions/**")
        page.wait_for_load_state("load")

        # Styled: site.css is loaded and applied (its rules reach the page's elements).
        loaded = page.evaluate(
            "[...document.styleSheets].filter(s => (s.href || '').includes('/static/css/'))"
            ".map(s => s.cssRules.length)"
        )
        assert loaded, "no stylesheet from /static/css/"
        assert all(n > 0 for n in loaded), loaded
        # Scripts: the shared library ran.
        assert page.evaluate("typeof window.gradebook") == "object"
        # Maths: KaTeX rendered the expected answers (no raw TeX left in them).
        page.wait_for_selector(".katex", state="attached")
        assert page.locator(".katex").count() >= 3
        assert "\\text{" not in page.inner_text("main")
        assert failed == [], failed
        assert errors == [], errors
    finally:
        context.close()
