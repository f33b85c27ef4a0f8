"""Auto-check throughput: ``autocheck.check.check_submission`` with the key's expected values
solved once, against the obvious alternative, ``math_verify.parse`` + ``math_verify.verify``
on every answer with nothing cached.

The 30-part key is built from the demo midterm's kinds of part (epochs and iterations from
``training.schedule``, parameter counts from ``fc.params``, output shapes from
``cnn.conv_gradients``, a cross-entropy loss, a backpropagated gradient, a descriptive part)
with different parameters per part; the solvers compute every expected value. Each student
writes, per part, the right value, a typical wrong one, or nothing.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

GOAL_SPEED_RATIO = 10.0

_SCHEDULE_EPOCHS = [(50000, 250, 3000), (60000, 100, 6000), (20000, 100, 4000), (10000, 50, 1000)]
_SCHEDULE_ITERS = [(10000, 128), (50000, 64), (60000, 256), (1000, 32)]
_FC = [(784, [256, 64], 10), (3072, [512], 10), (100, [50, 50], 2), (784, [128], 10)]
_CONV = [([64, 64, 3], 3, 16), ([32, 32, 3], 5, 8), ([28, 28, 1], 3, 32), ([128, 128, 3], 7, 4)]
_CE = [([0.25, 0.5, 0.25], 1), ([0.1, 0.7, 0.2], 2), ([0.6, 0.3, 0.1], 1), ([0.2, 0.5, 0.3], 2)]
_GRAPH = [({"w": 2, "x": 3, "b": 1, "y": 4}), ({"w": 0.5, "x": 2, "b": -1, "y": 1})]
_GRAPH += [({"w": -1, "x": 4, "b": 2, "y": 0}), ({"w": 1.5, "x": -2, "b": 0.5, "y": 3})]

NOTES = [
    "math-verify reads \\log as base 10; these courses mean the natural log.",
    "math-verify reads '62 \\times 62 \\times 16' as a product (61504), not a shape: shape "
    "parts are not given to it.",
    "math-verify compares floats rounded to 6 decimals (an absolute criterion): a student's "
    "1.386 against 1.3862944 is judged wrong, 1e-7 equals 2e-7; the key's tolerance and "
    "significant figures are not used.",
    "math-verify creates symbols without assumptions (0.98 w_i vs 0.98w_i can differ).",
    "math-verify's timeout uses signal.alarm, which does nothing outside the main thread "
    "(a Celery worker thread, a web request).",
]


def _part(i: int) -> dict[str, Any]:
    """Part ``i`` of the key: the demo kinds in turn, each with its own parameters."""
    kind, variant = i % 7, (i // 7) % 4
    base = {"number": i + 1, "label": f"({i + 1})", "points": 2}
    if kind == 0:
        d, b, s = _SCHEDULE_EPOCHS[variant]
        spec = {
            "solver": "training.schedule",
            "params": {"dataset_size": d, "batch_size": b, "steps": s},
            "value": "epochs",
            "symbols": ["E", "epochs"],
        }
    elif kind == 1:
        d, b = _SCHEDULE_ITERS[variant]
        spec = {
            "solver": "training.schedule",
            "params": {"dataset_size": d, "batch_size": b, "epochs": 1, "drop_last": True},
            "value": "iterations_per_epoch",
            "symbols": ["I", "iterations"],
        }
    elif kind == 2:
        n_in, hidden, classes = _FC[variant]
        spec = {
            "solver": "fc.params",
            "params": {
                "input": n_in,
                "hidden": hidden,
                "classes": classes,
                "output_activation": "softmax",
            },
            "value": "params",
            "symbols": ["P", "params"],
        }
    elif kind == 3:
        shape, k, f = _CONV[variant]
        spec = {
            "solver": "cnn.conv_gradients",
            "params": {"input": shape, "kernel": k, "filters": f, "padding": "valid"},
            "value": "output",
            "symbols": ["y", "output"],
        }
    elif kind == 4:
        probs, target = _CE[variant]
        spec = {
            "solver": "loss.cross_entropy",
            "params": {"probs": probs, "target_class": target},
            "value": "loss",
            "symbols": ["L", "loss"],
        }
    elif kind == 5:
        spec = {
            "solver": "graph.backprop",
            "params": {
                "inputs": _GRAPH[variant],
                "equations": ["z = w * x + b", "L = (z - y)**2"],
            },
            "value": "dL/dw",
            "symbols": ["\\frac{\\partial L}{\\partial w}", "dL/dw"],
        }
    else:
        spec = {"descriptive": "units cannot co-adapt; an implicit ensemble"}
    return {**base, **spec}


def build_key(n_parts: int = 30):
    """The parsed 30-part key and its expected values (solved once)."""
    from autocheck.keys import parse_key, resolve_expected

    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": "bench-30"},
        "defaults": {"log_base": "e"},
        "questions": [
            {"number": 1, "points": 2 * n_parts, "parts": [_part(i) for i in range(n_parts)]}
        ],
    }
    key = parse_key(yaml.safe_dump(data, sort_keys=False))
    return key, resolve_expected(key)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.3f}"


def _answer(kind: str, value: Any, symbol: str, rng: random.Random) -> tuple[str, str]:
    """(text, planted) for one part: planted is "right", "wrong" or "blank"."""
    roll = rng.random()
    if roll < 0.15:
        return "", "blank"
    right = roll < 0.65
    if kind == "shape":
        dims = list(value.dims)
        if not right:
            dims[0] += 2  # padding assumed
        sep = rng.choice([" x ", " \\times "])
        return sep.join(str(d) for d in dims), "right" if right else "wrong"
    if kind == "descriptive":
        return rng.choice(["units cannot co-adapt", "less overfitting"]), "right"
    x = float(value.value)
    if not right:
        x = rng.choice([x + 1, -x, 2 * x, x / math.log(10) if x else 1.0])
    form = rng.randrange(3)
    text = _fmt(x)
    if form == 1:
        text = f"{symbol} = {text}"
    elif form == 2:
        text = f"$${symbol} = {text}$$"
    return text, "right" if right else "wrong"


def _kind(expected) -> str:
    """The bench's category of a part: shape, integer (a count or a whole number), decimal."""
    from autocheck.kinds import OcrForm, kind_for

    if len(expected.targets) != 1 or expected.targets[0].value is None:
        return "descriptive"
    value = expected.targets[0].value
    form = kind_for(value).ocr_form(value)
    categories = {
        OcrForm.SHAPE: "shape",
        OcrForm.INTEGER: "integer",
        OcrForm.NUMBER: "integer",
        OcrForm.DECIMAL: "decimal",
    }
    return "other" if form is None else categories.get(form, "other")


def students_answers(key, expected, students: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    parts = list(key.parts())
    symbols = {p.id: (p.targets[0].symbols or ("x",))[0] for p in parts}
    out = []
    for _ in range(students):
        row = {}
        for p in parts:
            exp = expected[p.id]
            kind = _kind(exp)
            value = exp.targets[0].value if kind != "descriptive" else None
            sym = symbols[p.id]
            row[p.id], _ = _answer(kind, value, sym, rng)
        out.append(row)
    return out


def _gold(expected) -> str:
    value = expected.targets[0].value
    return repr(float(value.value)) if hasattr(value, "value") else str(value)


def _mv_caches() -> list:
    """math-verify's own small LRU caches (20 parsed strings): cleared for "no caching"."""
    from math_verify import parser

    return [
        f
        for f in (
            getattr(parser, "parse_latex_cached", None),
            getattr(parser, "parse_expr_cached", None),
            getattr(parser, "extract_latex", None),
        )
        if f is not None and hasattr(f, "cache_clear")
    ]


def _math_verify(
    rows: list[dict[str, str]], numeric: list[str], golds: dict[str, str], *, cached: bool
) -> tuple[int, float, dict[tuple[int, str], bool | None]]:
    """(answers, seconds, verdicts) of parse + verify on every non-blank numeric answer; the
    key's value is parsed again for every answer (nothing of ours is cached), and with
    ``cached=False`` math-verify's own LRU caches are emptied before each answer too."""
    from math_verify import parse, verify

    caches = [] if cached else _mv_caches()
    verdicts: dict[tuple[int, str], bool | None] = {}
    n = 0
    seconds = 0.0
    for s, row in enumerate(rows):
        for pid in numeric:
            text = row[pid]
            if not text:
                continue
            for f in caches:
                f.cache_clear()
            t = time.perf_counter()
            gold = parse(golds[pid])
            pred = parse(text)
            verdicts[(s, pid)] = verify(gold, pred) if pred else None
            seconds += time.perf_counter() - t
            n += 1
    return n, seconds, verdicts


@dataclass
class _SideBySide:
    """Both checkers timed block by block: the speed ratios per block, the totals (answers,
    seconds) of each way of running, and math-verify's verdicts by (student, part)."""

    ratio: list[float] = field(default_factory=list)
    ratio_cold: list[float] = field(default_factory=list)
    ratio_shipped: list[float] = field(default_factory=list)
    totals: dict[str, list[float]] = field(
        default_factory=lambda: {name: [0, 0.0] for name in ("ac", "cold", "mv", "shipped")}
    )
    mv_verdicts: dict[tuple[int, str], bool | None] = field(default_factory=dict)


def _side_by_side(
    key: Any, expected: Any, sample: list, numeric: list[str], golds: dict, *, block: int
) -> _SideBySide:
    """autocheck (production cache state; and with its parse cache emptied before each
    student) and math-verify (no cache; and as shipped), block by block."""
    from autocheck.check import check_submission
    from autocheck.mathparse import parse_latex

    n_parts = len(list(key.parts()))
    out = _SideBySide()
    for start in range(0, len(sample), block):
        rows = sample[start : start + block]
        t = time.perf_counter()
        for a in rows:
            check_submission(key, a, expected=expected)
        ac = (len(rows) * n_parts, time.perf_counter() - t)
        t = time.perf_counter()
        for a in rows:
            parse_latex.cache_clear()
            check_submission(key, a, expected=expected)
        cold = (len(rows) * n_parts, time.perf_counter() - t)
        n, seconds, got_mv = _math_verify(rows, numeric, golds, cached=False)
        mv = (n, seconds)
        out.mv_verdicts.update({(start + s, pid): v for (s, pid), v in got_mv.items()})
        n, seconds, _ = _math_verify(rows, numeric, golds, cached=True)
        shipped = (n, seconds)
        for name, (k, sec) in (("ac", ac), ("cold", cold), ("mv", mv), ("shipped", shipped)):
            out.totals[name][0] += k
            out.totals[name][1] += sec
        if mv[0] and shipped[0]:
            out.ratio.append((ac[0] / ac[1]) / (mv[0] / mv[1]))
            out.ratio_cold.append((cold[0] / cold[1]) / (mv[0] / mv[1]))
            out.ratio_shipped.append((ac[0] / ac[1]) / (shipped[0] / shipped[1]))
    return out


def _agreement(
    mv_verdicts: dict[tuple[int, str], bool | None],
    verdicts: list[dict[str, str]],
    kinds: dict[str, str],
    answers: list,
    golds: dict,
) -> tuple[int, int, dict[str, list[int]], list[dict[str, Any]]]:
    """Answers both checkers judged, how many they agree on (all, by kind), and the first
    disagreements."""
    both = agree = 0
    by_kind: dict[str, list[int]] = {}
    examples: list[dict[str, Any]] = []
    for (s, pid), mv_ok in sorted(mv_verdicts.items()):
        ours = verdicts[s][pid]
        if mv_ok is None or ours not in ("correct", "incorrect"):
            continue
        both += 1
        same = (ours == "correct") == mv_ok
        agree += same
        counts = by_kind.setdefault(kinds[pid], [0, 0])
        counts[0] += same
        counts[1] += 1
        if not same and len(examples) < 5:
            examples.append(
                {
                    "answer": answers[s][pid],
                    "expected": golds[pid],
                    "autocheck": ours,
                    "math_verify": mv_ok,
                }
            )
    return both, agree, by_kind, examples


def run(*, students: int, mv_students: int, repeats: int = 3, block: int = 10) -> dict[str, Any]:
    """Check ``students`` x 30 answers; compare with math-verify on the first
    ``mv_students`` students, block by block (``block`` students), each block timed with
    both checkers back to back so the ratio is taken under the same machine load."""
    from autocheck.check import check_submission
    from autocheck.mathparse import parse_latex

    t = time.perf_counter()
    key, expected = build_key(30)
    key_s = time.perf_counter() - t
    parts = list(key.parts())
    kinds = {p.id: _kind(expected[p.id]) for p in parts}
    answers = students_answers(key, expected, students)
    n_answers = students * len(parts)
    numeric = [p.id for p in parts if kinds[p.id] in ("integer", "decimal")]
    golds = {pid: _gold(expected[pid]) for pid in numeric}

    check_submission(key, answers[0], expected=expected)  # warm-up (imports)
    _math_verify(answers[:1], numeric, golds, cached=True)
    # Production: the key solved once, the process's parse cache filling as students come.
    warm = []
    verdicts: list[dict[str, str]] = []
    for rep in range(repeats):
        parse_latex.cache_clear()
        t = time.perf_counter()
        got = [check_submission(key, a, expected=expected) for a in answers]
        warm.append(time.perf_counter() - t)
        if rep == 0:
            verdicts = [{v.part: v.verdict for v in row} for row in got]

    # Side by side, block by block: autocheck (production cache state; and with its parse
    # cache emptied before each student) and math-verify (no cache; and as shipped).
    sample = answers[: max(1, min(students, mv_students))]
    side = _side_by_side(key, expected, sample, numeric, golds, block=block)
    ratio, ratio_cold, ratio_shipped = side.ratio, side.ratio_cold, side.ratio_shipped
    totals = side.totals
    both, agree, by_kind, examples = _agreement(side.mv_verdicts, verdicts, kinds, answers, golds)

    def rate(name: str) -> float:
        k, sec = totals[name]
        return round(k / sec, 1) if sec else 0.0

    counts_by_verdict: dict[str, int] = {}
    for row in verdicts:
        for v in row.values():
            counts_by_verdict[v] = counts_by_verdict.get(v, 0) + 1
    speed = statistics.median(ratio) if ratio else 0.0
    return {
        "students": students,
        "parts": len(parts),
        "answers": n_answers,
        "key_solve_s": round(key_s, 3),
        "verdicts": counts_by_verdict,
        "autocheck_answers_per_s": round(n_answers / statistics.median(warm), 1),
        "autocheck_cold_cache_answers_per_s": rate("cold"),
        "math_verify_students": len(sample),
        "math_verify_answers": totals["mv"][0],
        "math_verify_answers_per_s": rate("mv"),
        "math_verify_as_shipped_answers_per_s": rate("shipped"),
        "speed_ratio": round(speed, 2),
        "speed_ratio_blocks": [round(x, 2) for x in ratio],
        "speed_ratio_cold_cache": round(statistics.median(ratio_cold), 2) if ratio_cold else 0.0,
        "speed_ratio_vs_shipped_caches": (
            round(statistics.median(ratio_shipped), 2) if ratio_shipped else 0.0
        ),
        "goal_speed_ratio": GOAL_SPEED_RATIO,
        "goal_met": speed >= GOAL_SPEED_RATIO,
        "compared_answers": both,
        "agreement_pct": round(100.0 * agree / both, 1) if both else None,
        "agreement_pct_by_kind": {
            k: round(100.0 * a / n, 1) for k, (a, n) in sorted(by_kind.items())
        },
        "disagreements": examples,
        "notes": NOTES,
    }
