"""The fuzz suite: hypothesis over the key loader, the transcription parser and the grading
inputs, with no crash, and bounded time (a deadline per case) and memory (a cap on the
process's address space).

``make test`` runs it at the ``ci`` size: a few thousand cases, derandomised so a run is
repeatable, about a minute. ``make fuzz`` sets ``GRADEBOOK_FUZZ=long``: 50 times the cases,
random each run, failures kept in hypothesis' example database to be replayed first.
"""

from __future__ import annotations

import os
import resource
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("GRADEBOOK_FUZZ", "ci")
if PROFILE not in ("ci", "long"):
    raise pytest.UsageError(f"GRADEBOOK_FUZZ={PROFILE!r}: use ci or long")
SCALE = 50 if PROFILE == "long" else 1
#: Above this a case is a hang, not a slow machine (the slowest measured take ~0.3 s).
DEADLINE = timedelta(seconds=10)
#: Address space the process may grow by while fuzzing: an input that expands (an alias
#: bomb, a huge number) fails with MemoryError, which is a finding, instead of swapping.
MEMORY_ROOM = 2 * 2**30


def fuzz(examples: int) -> settings:
    """Hypothesis settings for one fuzz test: ``examples`` cases at the ``ci`` size."""
    return settings(
        max_examples=examples * SCALE,
        deadline=DEADLINE,
        derandomize=PROFILE == "ci",
        database=None if PROFILE == "ci" else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


@pytest.fixture(autouse=True)
def memory_cap():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + MEMORY_ROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
