"""A slow upload is not cut by gunicorn's worker timeout (a real gunicorn, a throttled client).

Before: sync workers, which tell the arbiter they are alive only between requests, were
killed mid-upload once a request outlasted ``--timeout``. The short version here: a 3 s
timeout and an upload that takes about 7 s, to the old command and to deploy/gunicorn.conf.py.
``python -m bench.slow_upload`` runs the full-size measurement (docs/deployment.md).
"""

from __future__ import annotations

import importlib.util

import pytest

from bench.slow_upload import compare
from tests.conftest import require_service

TIMEOUT = 3
SECONDS = 7
SIZE = 700_000


@pytest.fixture(scope="module")
def results():
    require_service(
        "gunicorn", importlib.util.find_spec("gunicorn") is not None, "pip install '.[dev]'"
    )
    return compare(size=SIZE, rate=SIZE / SECONDS, timeout=TIMEOUT)


def test_the_threaded_workers_of_the_shipped_config_let_a_slow_upload_finish(results):
    new = results["gthread (deploy/gunicorn.conf.py)"]
    assert new.status == 200, new
    assert new.sent_bytes == new.total_bytes
    assert new.seconds > TIMEOUT + 2  # it really outlasted the worker timeout


def test_the_old_sync_workers_cut_the_same_upload(results):
    """The control: the throttled client does reproduce the failure."""
    old = results["sync (before)"]
    assert old.status is None, old
    assert old.sent_bytes < old.total_bytes
