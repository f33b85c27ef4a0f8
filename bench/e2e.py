"""End to end on the real services: ``python -m bench.e2e [--copies N] [--pages 6] [--workers 1,2]``.

PostgreSQL and Redis come from DATABASE_URL and CELERY_BROKER_URL (``bench/services.sh``
starts throw-away ones on loopback). A new database ``bench_<pid>`` is created on that server
and dropped at the end; the URL's own database is never written. For each worker count, an
exam with ``N`` copies is scanned (``--pages 2``, the default: the demo midterm, 7 answer
regions; ``--pages 6``: ``bench/exam6.yaml``, 21 answer regions, 3 or 4 on every page, see
``bench.exam6``), ``W`` worker processes are started
(``celery -A gradebook worker -Q default,images -c 1``), and the clock runs from the upload
to the moment every answer of every copy has a verdict. Scan generation and worker start-up
are not timed. Prints one JSON object.

Use dedicated services: the workers consume the broker's ``default`` and ``images`` queues,
so a broker shared with someone else's workers would hand them our tasks.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.env import REPO, django_environment, machine


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out.extend(int(c) for c in text)
    except OSError:
        pass
    return out


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


class Workers:
    """Celery worker processes against the bench database, started and stopped here."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.peak_kib: dict[int, int] = {}

    def start(self, count: int) -> None:
        from gradebook.celery import app

        names = []
        for i in range(count):
            name = f"bench-{uuid.uuid4().hex[:6]}@%h"
            log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
            cmd = [sys.executable, "-m", "celery", "-A", "gradebook", "worker"]
            cmd += ["-Q", "default,images", "-c", "1", "-n", name, "-l", "warning"]
            cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            self.procs.append(
                subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            )
            names.append(name.replace("%h", os.uname().nodename))
            del i
        deadline = time.monotonic() + 90
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited with {proc.returncode}")
            for reply in app.control.ping(destination=list(waiting), timeout=1.0):
                waiting -= set(reply)
        if waiting:
            raise RuntimeError(f"workers {sorted(waiting)} did not answer within 90 s")

    def sample(self) -> None:
        """Record each worker's resident memory: its main process plus its pool children."""
        for proc in self.procs:
            rss = sum(_status_kib(p, "VmRSS") for p in _tree(proc.pid))
            self.peak_kib[proc.pid] = max(self.peak_kib.get(proc.pid, 0), rss)

    def peak_hwm_kib(self) -> list[int]:
        """Per worker, the kernel's high-water mark (VmHWM) summed over its processes."""
        return [sum(_status_kib(p, "VmHWM") for p in _tree(proc.pid)) for proc in self.procs]

    def cpu_s(self) -> float:
        """CPU seconds used so far by every worker process and its pool children."""
        return sum(_cpu_s(p) for proc in self.procs for p in _tree(proc.pid))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        self.peak_kib.clear()


def _exam(copies: int, pages: int = 2):
    """The demo exam (``pages=6``: the six-page exam of ``bench.exam6``) with ``copies``
    students; on later runs a new exam of the same course set up the same way (nothing is
    deleted: the grade log is append-only on PostgreSQL)."""
    from demo import build, plan
    from exams.models import Course, Enrollment, Role
    from exams.services.keys import answer_key_store
    from exams.services.structure import exam_create

    if pages == 6:
        from bench import exam6

        return exam6.exam(copies)
    course = Course.objects.filter(code=plan.COURSE["code"], term=plan.COURSE["term"]).first()
    if course is None:
        return build.demo_exam(students=copies)
    n = course.exams.count() + 1
    exam = exam_create(course=course, title=f"Midterm (run {n})", pages_per_copy=plan.PAGES)
    answer_key_store(exam=exam, source=plan.KEY_PATH.read_text())
    for part in exam.parts.all():
        page, box = plan.REGIONS[part.part_id]
        part.region = {"page": page, "box": list(box)}
        part.save(update_fields=["region"])
    roster = list(
        Enrollment.objects.filter(course=course, role=Role.STUDENT).order_by("pk")[:copies]
    )
    return exam, roster


def _scan(exam: Any, roster: Any, pages_per_copy: int) -> Any:
    """The night's scanned stack: the six-page exam's or the demo's, one page upside down."""
    from demo import build
    from exams.scanning.fakescan import ScanDefects

    defects = ScanDefects(upside_down=1, dropped=0, duplicated=0)
    if pages_per_copy == 6:
        from bench import exam6

        return exam6.scans(exam, roster, seed=11, defects=defects)
    return build.demo_scans(exam, roster, seed=11, defects=defects)[1]


def _one(
    copies: int, workers: Workers, count: int, timeout: float, pages_per_copy: int = 2
) -> dict[str, Any]:
    from django.db.models import Count

    from exams.models import Answer, Page, ScanBatch
    from exams.pipeline import upload
    from gradebook.celery import app

    exam, roster = _exam(copies, pages_per_copy)
    t = time.perf_counter()
    scan = _scan(exam, roster, pages_per_copy)
    generate_s = time.perf_counter() - t
    pages = len(scan.manifest.pages)
    stack = io.BytesIO(scan.pdf)
    del scan  # the stack's JPEGs: not needed any more
    expected_answers = copies * exam.parts.count()
    app.control.purge()
    workers.start(count)
    load_before = round(os.getloadavg()[0], 2)
    try:
        cpu0 = workers.cpu_s()
        t0 = time.perf_counter()
        batch = upload.scan_batch_upload(exam=exam, stream=stack, original_name="night.pdf").batch
        placed_s = None
        checked = 0
        while time.perf_counter() - t0 < timeout:
            workers.sample()
            if placed_s is None:
                status = ScanBatch.objects.filter(pk=batch.pk).values_list("status", flat=True)[0]
                if status == ScanBatch.Status.FAILED:
                    raise RuntimeError("the batch failed")
                split = status not in (ScanBatch.Status.UPLOADED, ScanBatch.Status.SPLITTING)
                if split and not Page.objects.filter(batch=batch, stage=Page.Stage.SPLIT).exists():
                    placed_s = time.perf_counter() - t0
            checked = (
                Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").count()
            )
            if checked >= expected_answers:
                break
            time.sleep(0.25)
        wall = time.perf_counter() - t0
        cpu = workers.cpu_s() - cpu0
        hwm = workers.peak_hwm_kib()
        sampled = list(workers.peak_kib.values())
    finally:
        workers.stop()
    verdicts = dict(
        Answer.objects.filter(submission__exam=exam)
        .values_list("verdict")
        .annotate(n=Count("pk"))
        .order_by("verdict")
    )
    return {
        "workers": count,
        "copies": copies,
        "pages_per_copy": pages_per_copy,
        "pages": pages,
        "answers": expected_answers,
        "answers_checked": checked,
        "verdicts": verdicts,
        "complete": checked >= expected_answers,
        "scan_generation_s": round(generate_s, 1),
        "wall_s": round(wall, 1),
        "all_pages_placed_s": round(placed_s, 1) if placed_s else None,
        "pages_per_s": round(pages / wall, 2),
        # CPU the workers got: with other jobs on the machine, a second worker only helps
        # if a core is free (the load average says how busy the machine was).
        "worker_cpu_cores_used": round(cpu / wall, 2),
        "worker_cpu_s_per_page": round(cpu / pages, 3),
        "loadavg_1m_before": load_before,
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
        "peak_rss_mib_per_worker": [round(k / 1024, 1) for k in hwm],
        "peak_rss_mib_sampled": [round(k / 1024, 1) for k in sampled],
    }


def run(copies: int, counts: list[int], pages_per_copy: int = 2) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    s = connection.settings_dict
    db_url = (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
    }
    log_dir = Path(settings.MEDIA_ROOT).parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = Workers(env, log_dir)
    timeout = max(300.0, copies * pages_per_copy * 5.0)
    runs = [_one(copies, workers, n, timeout, pages_per_copy) for n in counts]
    out: dict[str, Any] = {
        "database": "postgresql",
        "broker": "redis",
        "pages_per_copy": pages_per_copy,
        "exam": "bench/exam6.yaml: 21 answer regions on 6 pages"
        if pages_per_copy == 6
        else "the demo midterm: 7 answer regions on 2 pages",
        "runs": runs,
    }
    # Repeated counts (--workers 1,2,1,2) are summarised by their median.
    by_count: dict[int, list[float]] = {}
    for r in runs:
        by_count.setdefault(r["workers"], []).append(r["pages_per_s"])
    rates = {w: statistics.median(v) for w, v in sorted(by_count.items())}
    out["pages_per_s_by_workers"] = {str(w): round(v, 2) for w, v in rates.items()}
    low, high = min(rates), max(rates)
    if high != low and rates[low]:
        out["speedup_most_to_fewest_workers"] = round(rates[high] / rates[low], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument(
        "--pages",
        type=int,
        choices=(2, 6),
        default=2,
        help="pages per copy: 2, the demo midterm (default); 6, bench/exam6.yaml",
    )
    parser.add_argument("--workers", default="1,2,1,2")
    args = parser.parse_args(argv)
    db, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not db.startswith("postgres") or not broker.startswith("redis"):
        print("bench.e2e: set DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
        return 2
    counts = [int(c) for c in args.workers.split(",")]
    with django_environment(database_url=db, broker_url=broker):
        result = {"machine": machine(), **run(args.copies, counts, args.pages)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
