"""Pages come with their CSS and scripts in the shipped shapes, with DEBUG off: ``make demo``'s
runserver and compose's gunicorn. Before, both answered 404 for every static file: Django
serves them only with DEBUG on, and nothing else in the deployment did."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.parse

import pytest

from bench.slow_upload import NEW, REPO, free_port, gunicorn

FILES = {
    "/static/css/site.css": "text/css",
    "/static/js/review.js": "text/javascript",
    "/static/admin/css/base.css": "text/css",
}


def _get(base: str, path: str) -> tuple[int, str, bytes]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "", url.port or 80, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def _assert_served(base: str) -> None:
    for path, content_type in FILES.items():
        status, got_type, body = _get(base, path)
        assert (status, got_type.split(";")[0]) == (200, content_type), path
        assert body == (REPO / _source(path)).read_bytes(), path
    status, _, page = _get(base, "/accounts/login/")
    assert status == 200
    assert b"/static/css/site.css" in page


def _source(path: str):
    name = path.removeprefix("/static/")
    if name.startswith("admin/"):
        import django

        return os.path.join(os.path.dirname(django.__file__), "contrib/admin/static", name)
    return os.path.join("static", name)


def test_compose_gunicorn_serves_the_static_files():
    with gunicorn(NEW, timeout=30) as base:
        _assert_served(base)


def test_make_demos_runserver_serves_the_static_files(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}},
        "GRADEBOOK_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}", "/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("runserver did not start")
                time.sleep(0.2)
        _assert_served(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
