"""The peer suite: math-verify's own test cases, judged by autocheck and by math-verify.

``bench/math_verify_cases.yaml`` holds the cases of math-verify's public test suite as facts
(gold, answer, expected, the test they come from) and, for each case within an exam's answer
kinds, the literal answer a key would hold. :func:`run` checks every such case with
``autocheck.check.check_part`` and, side by side in the same run, with math-verify 0.9.0 as
a user would call it (``verify(parse(gold), parse(answer))``, default settings), and tallies
agreement with the expected result.

Agreement: expected 1 is met by ``correct``; expected 0 by ``incorrect`` or ``partial`` (not
full marks). ``needs_review`` meets neither, but is never the worst error; the worst is an
expected-1 case marked ``incorrect`` (``right_marked_incorrect``, which must stay 0; case
265 is left out of it, as its expected result is wrong). The cases the project judges
differently on purpose (:data:`DELIBERATE`) are tallied both ways: with them, and left out
for both checkers.

``python -m bench.peer`` prints the tally and every disagreement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).with_name("math_verify_cases.yaml")

#: Cases the project judges differently on purpose: (autocheck's verdict, the reason). Each is
#: listed in docs/answer-keys.md ("math-verify's own cases") and checked by the suite.
DELIBERATE: dict[int, tuple[str, str]] = {
    19: ("needs_review", "AZYUK2A holds no number that can be read: a person decides"),
    26: ("needs_review", "an interval where a number is asked is not a number: a person decides"),
    32: ("correct", "inline maths broken over lines is read (transcriptions break lines)"),
    33: ("correct", "inline maths broken over lines is read (transcriptions break lines)"),
    102: ("needs_review", "the last value of a chain counts; the right one earlier: a person"),
    105: ("needs_review", "the last value of a chain counts; the right one earlier: a person"),
    146: ("needs_review", "a right value in the working and a wrong final one: a person"),
    180: ("needs_review", "32, 349 is 32,349 with a stray space, or two numbers: a person"),
    188: ("correct", "an inequality is the same answer as its interval (case 187, expected 1)"),
    265: ("incorrect", "1 + 1/e is not 1 - 1/e: the expected result is wrong"),
}


@dataclass(frozen=True)
class Case:
    id: int
    group: str
    gold: str
    answer: str
    expected: int
    key: dict[str, Any] | None
    targets: list[dict[str, Any]] | None
    outside: str
    options: dict[str, Any]

    @property
    def inside(self) -> bool:
        return not self.outside


@cache
def load_cases() -> tuple[Case, ...]:
    """Every case of the table, in math-verify's file order."""
    rows = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return tuple(
        Case(
            int(r["id"]),
            str(r["group"]),
            str(r["gold"]),
            str(r["answer"]),
            int(r["expected"]),
            r.get("key"),
            r.get("targets"),
            str(r.get("outside") or ""),
            dict(r.get("options") or {}),
        )
        for r in rows
    )


def key_text(case: Case) -> str:
    """A one-part answer key whose expected answer is the case's gold."""
    part: dict[str, Any] = {"points": 1}
    if case.targets is not None:
        part["targets"] = case.targets
    else:
        part["answer"] = case.key
    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": f"peer-{case.id}"},
        "questions": [{"number": 1, "points": 1, "parts": [part]}],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def ours(case: Case) -> tuple[str, str, float]:
    """(verdict, note, seconds) of autocheck on the case; ``key error`` when the gold
    cannot be written as a key. The seconds are the check alone: a key is read and solved
    once per exam, not per answer (as in bench/checker.py)."""
    from autocheck.check import check_part
    from autocheck.keys import KeyFormatError, parse_key, resolve_expected

    try:
        key = parse_key(key_text(case))
        expected = resolve_expected(key)
    except KeyFormatError as exc:
        return "key error", str(exc), 0.0
    part = key.parts()[0]
    t = time.perf_counter()
    verdict = check_part(part, expected[part.id], case.answer)
    seconds = time.perf_counter() - t
    note = "; ".join(verdict.notes)
    if verdict.diagnosis is not None:
        note = (note + "; " if note else "") + verdict.diagnosis.message
    return verdict.verdict, note, seconds


def math_verify(case: Case) -> bool:
    """math-verify 0.9.0 with its default settings, as a user would call it."""
    from math_verify import parse, verify

    try:
        return bool(verify(parse(case.gold), parse(case.answer)))
    except Exception:  # its timeout and parser errors: not a match
        return False


def agrees(verdict: str, expected: int) -> bool:
    return verdict == "correct" if expected else verdict in ("incorrect", "partial")


def run() -> dict[str, Any]:
    """Both checkers on every in-kind case; the tally and each disagreement."""
    cases = [c for c in load_cases() if c.inside]
    ours(cases[0])  # warm-up: imports
    math_verify(cases[0])
    rows = []
    t_ours = t_mv = 0.0
    for case in cases:
        verdict, note, seconds = ours(case)
        t_ours += seconds
        t = time.perf_counter()
        mv = math_verify(case)
        t_mv += time.perf_counter() - t
        rows.append((case, verdict, note, mv))
    counts: dict[str, int] = {}
    for _, verdict, _, _ in rows:
        counts[verdict] = counts.get(verdict, 0) + 1
    disagreements = [
        {
            "id": c.id,
            "group": c.group,
            "expected": c.expected,
            "autocheck": v,
            "math_verify": int(mv),
            "deliberate": DELIBERATE.get(c.id, ("", ""))[0],
            "note": note[:160],
        }
        for c, v, note, mv in rows
        if not agrees(v, c.expected)
    ]
    deliberate_kept = {c.id: v == DELIBERATE[c.id][0] for c, v, _, _ in rows if c.id in DELIBERATE}
    n = len(rows)
    kept = [r for r in rows if r[0].id not in DELIBERATE]
    return {
        "cases": len(load_cases()),
        "cases_in_kinds": n,
        "autocheck_agree": sum(agrees(v, c.expected) for c, v, _, _ in rows),
        "math_verify_agree": sum(mv == bool(c.expected) for c, _, _, mv in rows),
        "deliberate_differences": len(DELIBERATE),
        "cases_without_deliberate": len(kept),
        "autocheck_agree_without_deliberate": sum(agrees(v, c.expected) for c, v, _, _ in kept),
        "math_verify_agree_without_deliberate": sum(mv == bool(c.expected) for c, _, _, mv in kept),
        "right_marked_incorrect": sum(
            c.expected == 1 and v == "incorrect" and c.id not in DELIBERATE for c, v, _, _ in rows
        ),
        "math_verify_right_marked_wrong": sum(c.expected == 1 and not mv for c, _, _, mv in rows),
        "autocheck_verdicts": counts,
        "autocheck_ms_per_answer": round(1000 * t_ours / n, 2),
        "math_verify_ms_per_answer": round(1000 * t_mv / n, 2),
        "speed_ratio": round(t_mv / t_ours, 1) if t_ours else None,
        "deliberate_as_listed": all(deliberate_kept.values()),
        "disagreements": disagreements,
    }


def main() -> None:
    out = run()
    print(json.dumps({k: v for k, v in out.items() if k != "disagreements"}, indent=2))
    for d in out["disagreements"]:
        print(json.dumps(d, ensure_ascii=False))


if __name__ == "__main__":
    main()
