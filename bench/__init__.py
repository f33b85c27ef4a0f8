"""Benchmarks of the grading pipeline: ``python -m bench [--quick] [--services] [--out FILE]``.

Prints one JSON object (schema in :data:`REQUIRED`): ingest throughput against its floor,
auto-check throughput against math-verify, the peer suite's tally (math-verify's own cases,
judged by both), server time and queries of the staff pages, and
with ``--services`` the whole pipeline on PostgreSQL + Redis + Celery worker processes.
Every figure of a section is measured side by side in the same run and reported as a ratio
as well, because the machines it runs on are shared and noisy. See docs/performance.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.ingest import IngestConfig


@dataclass(frozen=True)
class Config:
    """One benchmark size: what each section generates and how often it repeats."""

    name: str
    ingest: IngestConfig
    check_students: int
    check_mv_students: int
    check_repeats: int
    page_sizes: tuple[int, ...]
    page_requests: int
    #: Run math-verify's own cases through both checkers (bench/peer.py, ~20 s).
    peer: bool = True
    #: Answers per (kind, scan quality) cell of the reading benchmark (bench/reading.py).
    reading_per_cell: int = 1
    #: Fakescan copies (8 answers each, written in fonts) read after the handwriting cells.
    reading_fakescan_copies: int = 0


CONFIGS = {
    # The test's configuration: every measurement, each on the least data that makes it.
    "smallest": Config(
        "smallest",
        IngestConfig(students=2, sizes=(4,), repeats=1, ocr_sizes=(4,)),
        check_students=4,
        check_mv_students=2,
        check_repeats=1,
        page_sizes=(2, 4),
        page_requests=3,
        peer=False,  # the test suite runs the peer suite itself (tests/autocheck)
        reading_per_cell=1,
    ),
    "quick": Config(
        "quick",
        IngestConfig(students=6, sizes=(6, 12), repeats=2, ocr_sizes=(12,)),
        check_students=50,
        check_mv_students=20,
        check_repeats=2,
        page_sizes=(10, 50),
        page_requests=10,
        reading_per_cell=4,
        reading_fakescan_copies=1,
    ),
    "full": Config(
        "full",
        IngestConfig(
            students=90, sizes=(20, 60, 180), repeats=3, ocr_sizes=(20, 60), ocr_repeats=3
        ),
        check_students=500,
        check_mv_students=100,
        check_repeats=3,
        page_sizes=(50, 500),
        page_requests=30,
        reading_per_cell=40,
        reading_fakescan_copies=12,
    ),
}

#: Every figure a run must report, as paths into the JSON; the test checks each is > 0.
REQUIRED = (
    "ingest.floor_pages_per_s",
    "ingest.floor_draft_pages_per_s",
    "ingest.pipeline_ocr_off_pages_per_s",
    "ingest.pipeline_ocr_on_pages_per_s",
    "ingest.pipeline_to_floor",
    "ingest.ocr_on_to_off",
    "ingest.reading_on_to_floor",
    "ingest.pages",
    "checker.autocheck_answers_per_s",
    "checker.autocheck_cold_cache_answers_per_s",
    "checker.math_verify_answers_per_s",
    "checker.speed_ratio",
    "checker.agreement_pct",
    "checker.compared_answers",
    "reading.answers",
    "reading.ms_per_line",
)
#: The staff pages every run must measure (at each size: p50_ms, p95_ms, queries).
REQUIRED_PAGES = ("review", "statistics")


def missing(result: dict) -> list[str]:
    """The required figures absent from ``result`` or not positive."""
    gaps = []
    for path in REQUIRED:
        node: Any = result
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, int | float) or isinstance(node, bool) or node <= 0:
            gaps.append(path)
    pages = result.get("pages", {})
    for label in REQUIRED_PAGES:
        row = pages.get("views", {}).get(label, {})
        for n in pages.get("students", []):
            for fig in ("p50_ms", "p95_ms", "queries"):
                value = row.get(str(n), {}).get(fig)
                if not isinstance(value, int | float) or value <= 0:
                    gaps.append(f"pages.views.{label}.{n}.{fig}")
    return gaps
