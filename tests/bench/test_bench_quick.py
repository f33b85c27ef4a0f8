"""The benchmark's smallest configuration, run in-process: every figure is there and positive.

The list of figures is written out here, not taken from the benchmark, so a measurement that
goes missing (or comes out as zero, None or an error) fails this test.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

FIGURES = (
    "ingest.floor_pages_per_s",
    "ingest.floor_draft_pages_per_s",
    "ingest.pipeline_ocr_off_pages_per_s",
    "ingest.pipeline_ocr_on_pages_per_s",
    "ingest.pipeline_to_floor",
    "ingest.reading_on_to_floor",
    "ingest.ocr_on_to_off",
    "ingest.pages",
    "ingest.placed_pipeline",
    "ingest.qr_found_floor",
    "checker.answers",
    "checker.autocheck_answers_per_s",
    "checker.autocheck_cold_cache_answers_per_s",
    "checker.math_verify_answers_per_s",
    "checker.speed_ratio",
    "checker.compared_answers",
    "checker.agreement_pct",
    "reading.answers",
    "reading.ms_per_line",
)
PAGES = ("review", "statistics")


def _at(result: dict, path: str):
    node = result
    for key in path.split("."):
        assert isinstance(node, dict), f"{path}: {key!r} is under a non-object"
        assert key in node, f"{path}: no {key!r}"
        node = node[key]
    return node


def _positive(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def test_the_smallest_run_reports_every_figure(media_root, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from bench import CONFIGS
    from bench.__main__ import run

    result = run(CONFIGS["smallest"])

    json.dumps(result)  # what the command prints must be JSON
    for section in ("ingest", "checker", "pages", "reading"):
        assert "error" not in result[section], result[section]
    for path in FIGURES:
        assert _positive(_at(result, path)), (path, _at(result, path))
    sizes = result["pages"]["students"]
    assert len(sizes) == 2
    for label in PAGES:
        row = _at(result, f"pages.views.{label}")
        for n in sizes:
            for figure in ("p50_ms", "p95_ms", "queries"):
                assert _positive(row[str(n)].get(figure)), (label, n, figure, row[str(n)])
        assert isinstance(row["queries_constant"], bool)
    # Every generated page is found and placed, so the rates are rates of real work.
    assert result["ingest"]["placed_pipeline"] == result["ingest"]["pages"]
    # How long it takes is a figure of the benchmark (each section's section_s), not a bound
    # here: a 60 s bound failed on a loaded machine.
