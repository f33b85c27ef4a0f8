"""``python -m bench.hostile [--markdown]``: what each hostile input of issue 13 costs now.

Each case runs in a child process of its own (its peak memory is its own, imports included:
~80 MB) under a 4 GiB cap on address space and a 120 s limit, its input read from a file,
after a warm-up (imports, SymPy's first parse); it prints what happened (refused and why, or
accepted), the time the call took and the child's peak resident memory. No Django, no database: the answer-key
loader (``autocheck.keys.parse_key``, then ``resolve_expected``) and the scan measurer
(``exams.scanning.pages.measure``, which ``iter_pages`` runs before decoding anything) are
called as the web upload and the split task call them; a student's answer whose value would be
huge goes through ``autocheck.mathparse.parse_number``, as the checker reads it. The time each
refusal takes is measured here, not asserted by a test (tests/autocheck/test_mathparse.py
checks that they are refused, and how). Figures: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.env import REPO

KEY = """\
format: 1
key_version: 1
exam: {{id: x, title: {title}}}
questions:
  - number: 1
    points: {points}
    parts:
      - {part}
"""


def _key(
    title: str = "T", points: str = "2", part: str = "{points: 2, answer: {number: 3}}"
) -> str:
    return KEY.format(title=title, points=points, part=part)


def _laughs() -> str:
    lines = ["          a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"] + [
        f"          {n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]"
        for p, n in itertools.pairwise("abcdefghi")
    ]
    part = "points: 2\n        solver: fc.params\n        value: params\n        params:\n"
    return _key(part=part + "\n".join(lines))


def _blank_pages_zip() -> bytes:
    from PIL import Image

    page = io.BytesIO()
    Image.new("1", (7000, 8500), 1).save(page, "PNG", optimize=True)  # 59.5 megapixels
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(40):
            zf.writestr(f"p{i:03d}.png", page.getvalue())
    return out.getvalue()


def _blank_pdf(pages: int = 1000) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(595, 842))
    for _ in range(pages):
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _scanner_pdf(pages: int = 200) -> bytes:
    from PIL import Image

    from exams.scanning.fakescan import scanner_pdf

    jpeg = io.BytesIO()
    Image.effect_noise((1654, 2339), 12).convert("L").save(jpeg, "JPEG", quality=75)
    return scanner_pdf([jpeg.getvalue()] * pages, 200)


KEYS: dict[str, Callable[[], str]] = {
    "key: nested aliases (billion laughs)": _laughs,
    "key: points 1.0e+308": lambda: _key(points="1.0e+308"),
    "key: points 12345678": lambda: _key(points="12345678"),
    "key: a 5,000-digit integer": lambda: _key(points="9" * 5000),
    "key: NUL in a title": lambda: _key(title='"a\\0b"'),
    "key: a lone surrogate in a title": lambda: _key(title='"a\\ud800b"'),
    "key: a 4,000-digit literal": lambda: _key(
        part='{points: 2, answer: {number: "%s"}}' % ("9" * 4000)
    ),
    "key: lists nested 20,000 deep": lambda: _key(
        part="{points: 2, answer: {vector: " + "[" * 20000 + "]" * 20000 + "}}"
    ),
    "key: 1 MiB of text": lambda: _key() + "#" * 2**20,
    "key: the ECE1508 seed key (valid)": lambda: (
        REPO / "tests" / "corpus" / "keys" / "ece1508-midterm-2025-student.yaml"
    ).read_text(),
}
#: Answers whose exact value is astronomically large: refused before SymPy evaluates them.
MATHS: dict[str, str] = {
    "answer: binom(10^9, 10^5)": r"\binom{10^{9}}{10^{5}}",
    "answer: (10^200)!": "(10^{200})!",
    "answer: e^(e^(e^10))": r"e^{e^{e^{10}}}",
}
SCANS: dict[str, Callable[[], bytes]] = {
    "scan: ZIP of 40 blank 59.5 Mpx pages": _blank_pages_zip,
    "scan: 1,000-page blank PDF": _blank_pdf,
    "scan: 200-page scanner PDF, 200 dpi (valid)": _scanner_pdf,
}


def _run_case(name: str, path: str) -> dict[str, Any]:
    """One case, in this (child) process, its input read from ``path``."""
    if name in KEYS:
        from autocheck.keys import KeyFormatError, parse_key, resolve_expected

        text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
        start, cpu = time.perf_counter(), time.process_time()
        try:
            resolve_expected(parse_key(text))
            outcome = "accepted"
        except KeyFormatError as exc:
            outcome = "refused: " + str(exc.issues[0])
    elif name in MATHS:
        from autocheck.mathparse import Unreadable, parse_number

        text = Path(path).read_text(encoding="utf-8")
        start, cpu = time.perf_counter(), time.process_time()
        try:
            outcome = f"read as {parse_number(text).value:.6g}"
        except Unreadable as exc:
            outcome = f"refused ({type(exc).__name__}): {exc}"
    else:
        from exams.scanning.pages import ScanInputError, measure

        start, cpu = time.perf_counter(), time.process_time()
        try:
            got = measure(path, name="upload")  # read on demand, as the split task does
            outcome = f"accepted: {got.pages} pages, {got.pixels / 1e6:,.0f} megapixels"
        except ScanInputError as exc:
            outcome = f"refused ({type(exc).__name__}): {exc}"
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return {"case": name, "outcome": outcome, "s": seconds, "cpu_s": cpu_s, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would carry the parent's peak
    across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _warm() -> None:
    """Imports and first-use setup (SymPy, the YAML resolver), so a case's time is its own."""
    from autocheck.keys import KeyFormatError, parse_key, resolve_expected

    with contextlib.suppress(KeyFormatError):
        resolve_expected(parse_key(_key(part='{points: 2, answer: {number: "\\ln 2"}}')))
    import exams.scanning.pages  # noqa: F401


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    if args.case:
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
        _warm()
        print(json.dumps(_run_case(args.case, args.input)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [*KEYS, *MATHS, *SCANS]:
            path = Path(tmp) / "input"
            if name in KEYS:
                path.write_bytes(KEYS[name]().encode("utf-8", "surrogatepass"))
            elif name in MATHS:
                path.write_text(MATHS[name], encoding="utf-8")
            else:
                path.write_bytes(SCANS[name]())
            rows.append(_child(name, path))
    if args.markdown:
        print(
            "| input | size | outcome | time | CPU time | peak memory |\n"
            "| --- | --- | --- | --- | --- | --- |"
        )
        for r in rows:
            outcome = r["outcome"] if len(r["outcome"]) < 200 else r["outcome"][:197] + "..."
            print(
                f"| {r['case']} | {r['bytes']:,} B | {outcome} | {r['s'] * 1000:,.0f} ms "
                f"| {r['cpu_s'] * 1000:,.0f} ms "
                f"| {r['peak_mb']:,.0f} MB |"
            )
    else:
        for r in rows:
            print(
                f"{r['case']:<46} {r['bytes']:>12,} B {r['s'] * 1000:>8,.0f} ms "
                f"(CPU {r['cpu_s'] * 1000:,.0f} ms) "
                f"{r['peak_mb']:>6,.0f} MB  {r['outcome'][:110]}"
            )


def _child(name: str, path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    command = [sys.executable, "-m", "bench.hostile", "--case", name, "--input", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {
            "case": name,
            "bytes": size,
            "outcome": "still running after 120 s",
            "s": 120.0,
            "cpu_s": float("nan"),
            "peak_mb": float("nan"),
        }
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {
            "case": name,
            "bytes": size,
            "outcome": f"crashed: {last}",
            "s": float("nan"),
            "cpu_s": float("nan"),
            "peak_mb": float("nan"),
        }
    return {**json.loads(done.stdout), "bytes": size}


if __name__ == "__main__":
    main()
