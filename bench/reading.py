"""Reading benchmark: ``read_answer`` on answers composed from real handwritten digits.

``python -m bench.reading [--per-cell N] [--split test] [--fakescan COPIES] [--calibrate]``

Every (kind, scan quality) cell gets ``N`` answer regions composed by
``exams.scanning.compose`` from the digits of one split (``test`` by default: digits never
trained on; ``validation`` is where the thresholds are calibrated). In 70% of them the student
wrote the key's expected value; in the rest the key expects a typical wrong counterpart
(sign, factor 2, off by one...) or an unrelated value, so that a misread accepted as "right"
would show. Each region is read exactly as the pipeline reads it, hypotheses included.

Figures: exact read % (the final value read as written), accepted misread % (accepted
without a person, and wrong), right answers auto-accepted % (of the answers equal to the key's
value, read right and accepted), ms per line (wall time of ``read_answer`` over the lines the
layout found, one thread; also as CPU time, which other jobs on a shared machine do not
inflate). ``--fakescan`` adds pages written in handwriting fonts by
``fakescan`` and cut out by the real pipeline. ``--calibrate`` runs the validation split and
writes the acceptance thresholds beside the model.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from typing import Any

import numpy as np

GOALS = {
    "one_line_numeric_exact_pct": 95.0,
    "multi_line_exact_pct": 85.0,
    "accepted_misread_pct": 0.5,
    "right_auto_accepted_pct": 90.0,
    "ms_per_line": 10.0,
}
ONE_LINE_NUMERIC = ("integer", "decimal", "negative", "shape")
MULTI_LINE = ("vector", "matrix", "fraction", "working_lines", "crossed_out", "boxed")
#: The kind ``read_answer`` is told (what the key expects) for each composed kind.
KEY_KIND = {
    "integer": "integer", "decimal": "decimal", "negative": "number", "shape": "shape",
    "percent": "number", "working": "number", "vector": "vector", "matrix": "matrix",
    "fraction": "number", "working_lines": "number", "crossed_out": "number", "boxed": "number",
}  # fmt: skip


def canonical(text: str) -> str:
    return re.sub(r"\s+", "", text).lower().replace("×", "x")


def _wrong(answer: str, rng: random.Random) -> str:
    """A typical wrong counterpart of ``answer`` (what a key's diagnosis would recompute)."""
    m = re.fullmatch(r"-?\d+(\.\d+)?", answer)
    if not m:
        return answer + "1"
    value = float(answer)
    places = len(m.group(1) or ".") - 1
    choice = rng.choice(["sign", "double", "half", "plus1", "tenth"])
    new = {"sign": -value, "double": 2 * value, "half": value / 2, "plus1": value + 1,
           "tenth": value / 10}[choice]  # fmt: skip
    text = f"{new:.{max(places, 0)}f}" if places > 0 else str(round(new))
    return text if text != answer else answer + "1"


def _unrelated(rng: np.random.Generator) -> str:
    return str(int(rng.integers(10, 99999)))


def _hypotheses(expected: str, rng: random.Random) -> list:
    """The key's hypotheses: the expected value first, then typical wrong values."""
    from exams.scanning.reading import Hypothesis

    hyps = [Hypothesis(expected, "expected")]
    if re.fullmatch(r"-?\d+(\.\d+)?%?", expected):
        base = expected.rstrip("%")
        seen = {expected}
        for _ in range(5):
            w = _wrong(base, rng) + ("%" if expected.endswith("%") else "")
            if w not in seen:
                seen.add(w)
                hyps.append(Hypothesis(w, "typical mistake"))
    return hyps


def sample_cells(split: str, per_cell: int, seed: int) -> list[tuple[str, str, Any, str, list]]:
    """(kind, quality, image, truth, hypotheses) for every cell, seeded."""
    from exams.scanning import compose, handwriting

    bank = handwriting.load_bank(split)
    out = []
    for k, kind in enumerate(compose.KINDS):
        for q, quality in enumerate(compose.QUALITIES):
            rng = np.random.default_rng([seed, k, q])
            prng = random.Random(f"{seed}-{kind}-{quality}")
            for _ in range(per_cell):
                sample = compose.compose(kind, rng, bank, quality=quality)
                r = prng.random()
                if r < 0.7:
                    expected = sample.answer
                elif r < 0.9 and kind not in ("vector", "matrix", "shape", "fraction"):
                    expected = _wrong(sample.answer.rstrip("%"), prng) + (
                        "%" if sample.answer.endswith("%") else ""
                    )
                else:
                    expected = _unrelated(rng)
                out.append(
                    (kind, quality, sample.image, sample.answer, _hypotheses(expected, prng))
                )
        rng = np.random.default_rng([seed, 99])
    for quality in compose.QUALITIES:
        rng = np.random.default_rng([seed, 98, compose.QUALITIES.index(quality)])
        for _ in range(per_cell):
            out.append(("blank", quality, compose.blank(rng, quality), "", []))
    return out


def _pct(num: float, den: float) -> float:
    return round(100.0 * num / den, 1) if den else 0.0


def measure(samples: list[tuple[str, str, Any, str, list]]) -> dict[str, Any]:
    """Read every sample and tabulate; also returns the raw rows for calibration."""
    from exams.scanning import regions
    from exams.scanning.reading import read_answer

    rows = []
    read_s = cpu_s = 0.0
    n_lines = 0
    for kind, quality, image, truth, hyps in samples:
        key_kind = KEY_KIND.get(kind, "number")
        t0, c0 = time.perf_counter(), time.process_time()
        read = read_answer(image, kind=key_kind, hypotheses=hyps)
        read_s += time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        n_lines += max(1, len(read.lines))
        expected = hyps[0].text if hyps else ""
        rows.append({
            "kind": kind, "quality": quality, "truth": truth, "read": read.text,
            "exact": canonical(read.text) == canonical(truth),
            "accepted": read.accepted, "right": canonical(truth) == canonical(expected),
            "confidence": read.confidence, "answer_read": read,
        })  # fmt: skip
    del regions
    return {
        "rows": rows,
        "ms_per_line": round(1000 * read_s / max(1, n_lines), 2),
        "cpu_ms_per_line": round(1000 * cpu_s / max(1, n_lines), 2),
    }


def tabulate(rows: list[dict], ms_per_line: float, cpu_ms_per_line: float = 0.0) -> dict[str, Any]:
    def stats(sel: list[dict]) -> dict[str, Any]:
        n = len(sel)
        right = [r for r in sel if r["right"]]
        return {
            "n": n,
            "exact_pct": _pct(sum(r["exact"] for r in sel), n),
            "accepted_misread_pct": _pct(sum(r["accepted"] and not r["exact"] for r in sel), n),
            "right_auto_accepted_pct": _pct(
                sum(r["accepted"] and r["exact"] for r in right), len(right)
            ),
        }

    by_kind: dict[str, list] = defaultdict(list)
    by_quality: dict[str, list] = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
        by_quality[r["quality"]].append(r)
    written = [r for r in rows if r["kind"] != "blank"]
    one = [r for r in rows if r["kind"] in ONE_LINE_NUMERIC]
    multi = [r for r in rows if r["kind"] in MULTI_LINE]
    light = stats([r for r in written if r["quality"] == "light"])
    heavy = stats([r for r in written if r["quality"] == "heavy"])
    total = stats(rows)
    return {
        "one_line_numeric_exact_pct": stats(one)["exact_pct"],
        "multi_line_exact_pct": stats(multi)["exact_pct"],
        "heavy_minus_light_exact_points": round(heavy["exact_pct"] - light["exact_pct"], 1),
        "accepted_misread_pct": total["accepted_misread_pct"],
        "right_auto_accepted_pct": total["right_auto_accepted_pct"],
        "exact_pct": total["exact_pct"],
        "ms_per_line": ms_per_line,
        "cpu_ms_per_line": cpu_ms_per_line,
        "answers": len(rows),
        "blank_read_blank_pct": stats(by_kind.get("blank", []))["exact_pct"],
        "by_kind": {k: stats(v) for k, v in by_kind.items()},
        "by_quality": {
            k: stats([r for r in v if r["kind"] != "blank"]) for k, v in by_quality.items()
        },
        "goals": GOALS,
    }


def fakescan_rows(copies: int) -> list[dict]:
    """Pages written in handwriting fonts by fakescan, cut out by the real pipeline."""
    from bench.scan_measure import ocr_crops
    from exams.scanning.reading import Hypothesis, read_answer

    rows = []
    kinds = {
        "integer": "integer",
        "decimal": "decimal",
        "shape": "shape",
        "expression": "expression",
    }
    for kind, truth, _font, image in ocr_crops(copies):
        key_kind = kinds[kind.value]
        if key_kind == "integer" and truth.startswith("-"):
            key_kind = "number"
        read = read_answer(image, kind=key_kind, hypotheses=[Hypothesis(truth, "expected")])
        rows.append({
            "kind": f"fakescan {kind.value}", "quality": "fakescan", "truth": truth,
            "read": read.text, "exact": canonical(read.text) == canonical(truth),
            "accepted": read.accepted, "right": True,
        })  # fmt: skip
    return rows


#: Thresholds calibration tries: a hypothesis's least sure segment, and the free read. The
#: hypothesis grid starts at 0.2: below it the validation split's misreads no longer move
#: (what keeps a hypothesis honest there is beating the free read and the other hypotheses),
#: so a lower threshold would be chosen for a handful more right answers on these hands while
#: guarding nothing measurable on other hands. When unsure, a person decides.
HYPOTHESIS_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
FREE_GRID = (0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999, 1.01)


def calibrate(rows: list[dict], goal_pct: float = 0.25) -> dict[str, float]:
    """The thresholds that accept the most right reads while the accepted misreads stay
    within ``goal_pct`` of all answers (half the issue's 0.5%, a margin for the test split
    being another sample). Each pair is tried with ``reading.decide``, the rule
    ``read_answer`` applies. A free threshold of 1.01 never accepts a free read."""
    from exams.scanning.reading import Thresholds, decide

    written = [r for r in rows if r["kind"] != "blank"]
    n = len(written)
    best = {"hypothesis": 0.99, "free": 1.01, "right_accepted": -1, "misreads": 0}
    for t_h in HYPOTHESIS_GRID:
        for t_f in FREE_GRID:
            right = bad = 0
            for r in written:
                d = decide(r["answer_read"], Thresholds(t_h, t_f))
                if d.accepted:
                    ok = canonical(d.text) == canonical(r["truth"])
                    right += ok
                    bad += not ok
            if bad <= goal_pct / 100 * n and right > best["right_accepted"]:
                best = {"hypothesis": t_h, "free": t_f, "right_accepted": right, "misreads": bad}
    return {"hypothesis": best["hypothesis"], "free": best["free"], "answers": n,
            "right_accepted": best["right_accepted"],
            "misreads_at_thresholds": best["misreads"]}  # fmt: skip


def run(per_cell: int = 20, split: str = "test", seed: int = 14, fakescan: int = 0) -> dict:
    """The benchmark's figures (what ``python -m bench`` reports as ``reading``)."""
    measured = measure(sample_cells(split, per_cell, seed))
    out = tabulate(measured["rows"], measured["ms_per_line"], measured["cpu_ms_per_line"])
    out["split"] = split
    if fakescan:
        fs = fakescan_rows(fakescan)
        out["fakescan"] = tabulate(fs, 0.0)["by_kind"]
    return out


def markdown(result: dict[str, Any]) -> str:
    """The result as the tables of docs/pipeline-measurements.md."""
    head = "| {} | answers | exact read | accepted misread | right answers auto-accepted |"
    rule = "| --- | --- | --- | --- | --- |"

    def rows(table: dict[str, dict]) -> list[str]:
        return [
            f"| {name} | {r['n']} | {r['exact_pct']}% | {r['accepted_misread_pct']}% | "
            f"{r['right_auto_accepted_pct']}% |"
            for name, r in table.items()
        ]

    out = [
        head.format("kind"),
        rule,
        *rows(result["by_kind"]),
        "",
        head.format("scan quality"),
        rule,
        *rows(result["by_quality"]),
    ]
    if "fakescan" in result:
        out += ["", head.format("fakescan pages (fonts)"), rule, *rows(result["fakescan"])]
    out += [
        "",
        "| figure | measured | goal |",
        "| --- | --- | --- |",
        f"| one-line numeric (integer, decimal, negative, shape) exact | "
        f"{result['one_line_numeric_exact_pct']}% | >= 95% |",
        f"| multi-line (vector, matrix, fraction, working, crossed out, boxed) exact | "
        f"{result['multi_line_exact_pct']}% | >= 85% |",
        f"| heavy with specks minus light, exact | "
        f"{result['heavy_minus_light_exact_points']} points | >= -5 points |",
        f"| accepted misreads, of all answers | {result['accepted_misread_pct']}% | <= 0.5% |",
        f"| right answers accepted without a person | {result['right_auto_accepted_pct']}% | "
        ">= 90% |",
        f"| ms per line, wall (CPU) | {result['ms_per_line']} ({result['cpu_ms_per_line']}) | "
        "<= 10 |",
    ]  # fmt: skip
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reading", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--per-cell", type=int, default=20)
    parser.add_argument("--split", default="test", choices=("test", "validation"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--fakescan", type=int, default=0, help="fakescan copies to add")
    parser.add_argument("--markdown", action="store_true", help="print the docs' tables")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the thresholds on the validation split and write them",
    )
    args = parser.parse_args(argv)
    if args.calibrate:
        from exams.scanning import linemodel

        measured = measure(sample_cells("validation", args.per_cell, args.seed + 1000))
        thresholds = calibrate(measured["rows"])
        path = linemodel.MODEL_PATH.with_name("thresholds.json")
        path.write_text(json.dumps(thresholds, indent=2) + "\n")
        print(json.dumps(thresholds, indent=2))
        return 0
    result = run(args.per_cell, args.split, args.seed, args.fakescan)
    print(markdown(result) if args.markdown else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
