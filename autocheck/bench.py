"""Measure how long checking one 30-part transcription takes.

``python -m autocheck.bench [--students N]`` builds a synthetic 30-part key (numbers, counts
from a solver, vectors, shapes, choices, keywords, multi-value and descriptive parts) and N
synthetic students' answers, then reports:

- ``cold``: the first student, including resolving the key and first parses;
- ``warm``: the median per student afterwards (the key's expected values are cached);
- ``uncached``: the same with the LaTeX parse cache emptied before each student (the
  realistic case: students write different strings);
- ``aligned``: the same with a whole Markdown transcription split by the aligner.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import yaml

from autocheck.check import check_submission
from autocheck.keys import ExamKey, parse_key, resolve_expected

_PARTS: list[tuple[dict[str, Any], list[str]]] = [
    (
        {"answer": {"number": r"-\ln 0.3"}, "symbols": ["L"]},
        ["L = -\\log 0.3 = 1.204", "L = 0.52", "$$L = 1.2$$"],
    ),
    (
        {
            "solver": "training.schedule",
            "params": {"dataset_size": 20000, "batch_size": 100, "steps": 4000},
            "value": "epochs",
            "symbols": ["epochs", "epoch"],
        },
        ["epoch = $\\frac{4000}{200} = 20$", "epochs = 21", "so 20 epochs"],
    ),
    (
        {"answer": {"vector": [-8, -4]}},
        [
            "$$2 \\begin{pmatrix} 4 \\\\ 2 \\end{pmatrix} = \\begin{pmatrix} 8 \\\\ 4 \\end{pmatrix}$$",
            "(-8, -4)",
        ],
    ),
    (
        {"answer": {"shape": [126, 126, 1]}},
        ["The shape is $126 \\times 126 \\times 1$.", "1x126x126"],
    ),
    (
        {"answer": {"choice": "No", "options": ["Yes", "No"]}},
        ["No. A CNN generalises better.", "Yes, more parameters"],
    ),
    ({"answer": {"keywords": [["one-hot", "one hot"]]}}, ["One-hot encoding.", "binary code"]),
    (
        {
            "targets": [
                {"name": "z1", "symbols": ["z_1"], "answer": {"number": 3}},
                {"name": "y", "symbols": ["y"], "answer": {"number": 3}},
                {"name": "loss", "symbols": ["L"], "answer": {"number": 4}},
            ]
        },
        ["$$z_1 = 0.5 \\cdot 4 + 0.5 \\cdot 2 = 3$$\n$$y = ReLU(3) = 3$$", "z_1 = 3, y = 3, L = 4"],
    ),
    ({"descriptive": "explain"}, ["Because the gradients vanish in deep networks.", ""]),
]


def build(n_parts: int = 30) -> tuple[ExamKey, list[tuple[str, list[str]]]]:
    """A key with ``n_parts`` parts cycling through the kinds above, and answer pools."""
    parts, pools = [], []
    for i in range(n_parts):
        spec, pool = _PARTS[i % len(_PARTS)]
        parts.append({"number": i + 1, "label": f"({i + 1})", "points": 2, **spec})
        pools.append((f"1.{i + 1}", pool))
    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": "bench"},
        "questions": [{"number": 1, "points": 2 * n_parts, "parts": parts}],
    }
    return parse_key(yaml.safe_dump(data)), pools


def _student(pools: list[tuple[str, list[str]]], rng: random.Random) -> dict[str, str]:
    return {pid: rng.choice(pool) for pid, pool in pools}


def _markdown(answers: dict[str, str]) -> str:
    return "\n\n".join(
        f"({pid.split('.')[1]}) [2 points] Part {pid}.\n\n{text}" for pid, text in answers.items()
    )


def run(students: int = 50, n_parts: int = 30) -> dict[str, float]:
    rng = random.Random(0)
    t0 = time.perf_counter()
    key, pools = build(n_parts)
    resolve_expected(key)
    check_submission(key, _student(pools, rng))
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(students):
        answers = _student(pools, rng)
        t = time.perf_counter()
        check_submission(key, answers)
        warm.append(time.perf_counter() - t)
    # Every student writes different strings in practice: measure with the parse cache empty.
    from autocheck.mathparse import parse_latex

    uncached = []
    for _ in range(min(students, 20)):
        answers = _student(pools, rng)
        parse_latex.cache_clear()
        t = time.perf_counter()
        check_submission(key, answers)
        uncached.append(time.perf_counter() - t)
    aligned = []
    try:
        from autocheck.align import split_transcription

        for _ in range(min(students, 20)):
            md = _markdown(_student(pools, rng))
            t = time.perf_counter()
            check_submission(key, split_transcription(key, md).answers)
            aligned.append(time.perf_counter() - t)
    except ImportError:
        pass
    return {
        "parts": float(n_parts),
        "cold_s": cold,
        "warm_median_s": statistics.median(warm),
        "warm_max_s": max(warm),
        "uncached_median_s": statistics.median(uncached),
        "uncached_max_s": max(uncached),
        "aligned_median_s": statistics.median(aligned) if aligned else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--parts", type=int, default=30)
    args = parser.parse_args()
    for k, v in run(args.students, args.parts).items():
        print(f"{k:>18}: {v:.4f}")


if __name__ == "__main__":
    main()
