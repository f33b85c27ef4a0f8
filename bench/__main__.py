"""``python -m bench [--quick] [--only SECTION] [--services] [--out FILE] [--chart FILE]``
``[--profile FILE]``
``python -m bench --corpus [--verbose] [--out FILE]``

``--corpus`` runs only the auto-checker against the development corpus (``bench/corpus.py``)
and prints its figures per exam as a table. Sections 1-3 (and the reading benchmark,
``bench/reading.py``, on the held-out handwriting) run in this process on the embedded default (a temporary SQLite file, a
temporary MEDIA_ROOT, Celery eager). ``--services`` adds section 4, run in a child process
(``python -m bench.e2e``) on PostgreSQL + Redis from DATABASE_URL / CELERY_BROKER_URL
(``bench/services.sh`` starts throw-away ones) with real Celery worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench import CONFIGS, Config, missing
from bench.env import REPO, django_environment, machine

#: The sections of :func:`run`, in the order they run (``--only`` picks one).
SECTIONS = ("corpus", "ingest", "checker", "pages", "reading", "peer")


def run(
    config: Config, *, profile_to: str | None = None, only: str | None = None
) -> dict[str, Any]:
    """Sections 1-3 on an already configured Django (the caller owns the database); only the
    section ``only`` when given.

    A section that fails is reported as ``{"error": ...}`` and the others still run: the
    code measured is being changed by others while the benchmark runs.
    """
    from bench import checker, corpus, ingest, pages, peer, reading

    sections: dict[str, Callable[[], dict[str, Any]]] = {
        "corpus": lambda: _corpus_summary(corpus.run()),
        "ingest": lambda: ingest.run(config.ingest, profile_to=profile_to),
        "checker": lambda: checker.run(
            students=config.check_students,
            mv_students=config.check_mv_students,
            repeats=config.check_repeats,
        ),
        "pages": lambda: pages.run(sizes=config.page_sizes, requests=config.page_requests),
        "reading": lambda: reading.run(
            per_cell=config.reading_per_cell, fakescan=config.reading_fakescan_copies
        ),
    }
    if config.peer:
        sections["peer"] = peer.run
    if only is not None:
        sections = {only: sections[only]} if only in sections else {}
    out: dict[str, Any] = {}
    for name, section in sections.items():
        t = time.perf_counter()
        try:
            out[name] = section()
        except Exception as exc:
            lines = traceback.format_exception(exc)
            out[name] = {"error": f"{type(exc).__name__}: {exc}"[:2000], "where": lines[-2][:500]}
        out[name]["section_s"] = round(time.perf_counter() - t, 1)
    return out


def _corpus_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The corpus figures without the list of every disagreement (``--corpus`` prints it)."""
    return {k: v for k, v in result.items() if k != "disagreements"} | {
        "disagreement_count": len(result["disagreements"])
    }


def _corpus_main(verbose: bool, out: str | None) -> int:
    from bench import corpus

    result = corpus.run()
    print(corpus.table(result))
    for error in result["errors"]:
        print("failed:", error)
    if verbose:
        for row in result["disagreements"]:
            print(
                f"{row['copy']:<34} {row['part']:>12}  truth {row['truth']:<30} "
                f"got {row['got']:<30} {row['found']}"
            )
    print(f"({result['seconds']} s; python -m bench --corpus --verbose lists every disagreement)")
    if out:
        with open(out, "w") as fh:
            fh.write(json.dumps(result, indent=2) + "\n")
    return 0


def _services(copies: int, workers: str, pages: int) -> dict[str, Any]:
    db, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not db.startswith("postgres") or not broker.startswith("redis"):
        return {
            "error": "--services needs DATABASE_URL=postgres://... and CELERY_BROKER_URL="
            "redis://... (bench/services.sh starts throw-away ones)"
        }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.e2e",
            "--copies",
            str(copies),
            "--workers",
            workers,
            "--pages",
            str(pages),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": f"bench.e2e exited with {proc.returncode}", "stderr": proc.stderr[-2000:]}
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    size.add_argument("--config", choices=sorted(CONFIGS), help="a named size (default: full)")
    size.add_argument(
        "--corpus", action="store_true", help="only the auto-checker on the development corpus"
    )
    parser.add_argument("--verbose", action="store_true", help="--corpus: every disagreement")
    parser.add_argument("--services", action="store_true", help="add the end-to-end run")
    parser.add_argument("--copies", type=int, default=40, help="copies for --services")
    parser.add_argument(
        "--workers", default="1,2,1,2", help="worker counts for --services, in order"
    )
    parser.add_argument(
        "--pages",
        type=int,
        choices=(2, 6),
        default=2,
        help="pages per copy for --services: 2 (the demo midterm) or 6 (bench/exam6.yaml)",
    )
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run this section of 1-3 alone (e.g. pages: the staff pages at 50 and 500 students)",
    )
    parser.add_argument("--out", help="also write the JSON to this file")
    parser.add_argument("--chart", help="write an SVG chart of throughput against pages")
    parser.add_argument("--profile", help="write pyinstrument reports of the pipeline here")
    args = parser.parse_args(argv)
    if args.corpus:
        return _corpus_main(args.verbose, args.out)
    config = CONFIGS["quick" if args.quick else args.config or "full"]
    if args.quick and args.services:
        parser.error("--services is not part of --quick")

    # Sections 1-3 always run on the embedded default; the service URLs are for section 4.
    service_env = {k: os.environ.get(k, "") for k in ("DATABASE_URL", "CELERY_BROKER_URL")}
    started = time.perf_counter()
    result: dict[str, Any] = {
        "schema": 1,
        "config": config.name,
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "database": "sqlite (temporary file)",
        "celery": "eager (in-process)",
    }
    with django_environment():
        result.update(run(config, profile_to=args.profile, only=args.only))
    if args.services:
        os.environ.update(service_env)
        result["e2e"] = _services(args.copies, args.workers, args.pages)
    gaps = missing(result)
    result["missing"] = [g for g in gaps if g.startswith(f"{args.only}.")] if args.only else gaps
    result["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    result["total_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    if args.chart:
        from bench.chart import throughput_svg

        with open(args.chart, "w") as fh:
            fh.write(throughput_svg(result))
    return 1 if result["missing"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
