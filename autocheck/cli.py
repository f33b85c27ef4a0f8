"""Command-line helpers, also called by the Django management commands.

``python -m autocheck keysolve KEY.yaml [--json]``
    validate a key and print every part's expected values and worked steps;
``python -m autocheck check KEY.yaml ANSWERS [--printed BLANK.md] [--json]``
    check one student's answers: ``ANSWERS`` is a transcription (Markdown, split into parts
    by :mod:`autocheck.align`, against the printed exam ``BLANK.md`` when given) or a per-part
    file (``.yaml``/``.json`` mapping part ids to answer text).

Exit status: 0 on success, 2 for an invalid key or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from autocheck.align import Alignment, split_transcription
from autocheck.check import check_submission
from autocheck.keys import ExamKey, KeyFormatError, load_key, resolve_expected, validate_key
from autocheck.keys.parse import read_key_text


def keysolve(key_path: str | Path) -> dict[str, Any]:
    """Expected values (display and LaTeX) and worked steps of every part of a key.

    Raises :class:`KeyFormatError` listing every problem of the key at once: structural ones
    and those its solvers report for the parts that could be read."""
    key, issues = validate_key(read_key_text(key_path))
    if issues or key is None:
        raise KeyFormatError(issues)
    expected = resolve_expected(key)
    parts: dict[str, Any] = {}
    for part in key.parts():
        exp = expected[part.id]
        parts[part.id] = {
            "points": part.points,
            "descriptive": part.descriptive,
            "targets": {
                t.name: {
                    "display": t.display,
                    "latex": t.latex,
                    "type": type(t.value).__name__ if t.value is not None else "Descriptive",
                }
                for t in exp.targets
            },
            "steps": [{"text": s.text, "latex": s.latex} for s in exp.steps],
        }
    return {"exam": key.exam.id, "key_version": key.key_version, "parts": parts}


def load_answers(
    key: ExamKey, answers_path: str | Path, printed_path: str | Path | None = None
) -> tuple[dict[str, Any], Alignment | None]:
    """Answers by part id, and the alignment when a transcription was split.

    A per-part YAML/JSON mapping is taken as is. A transcription is split by the aligner:
    against the printed exam when ``printed_path`` gives its blank text, else by the parts'
    labels and prompts; each answer then carries the aligner's confidence and evidence."""
    path = Path(answers_path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        data = yaml.safe_load(text) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path.name}: expected a mapping of part ids to answer text")
        return {str(k).lower(): "" if v is None else str(v) for k, v in data.items()}, None
    printed = Path(printed_path).read_text(encoding="utf-8") if printed_path else None
    alignment = split_transcription(key, text, printed)
    return dict(alignment.answers), alignment


def autocheck(
    key_path: str | Path,
    transcription_path: str | Path,
    printed: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Check one student's answers; one dict per part (part, verdict, expected, found,
    diagnosis, points, max_points, and the full detail). With a transcription, each row also
    has ``alignment``: how the part's answer was found and where (the copy's spans read as the
    student's, the options marked, why a person must read it)."""
    key = load_key(str(key_path))
    answers, alignment = load_answers(key, transcription_path, printed)
    rows = [v.as_dict() for v in check_submission(key, answers)]
    if alignment is not None:
        for row in rows:
            answer = alignment.answers.get(row["part"])
            if answer is not None:
                row["alignment"] = answer.as_dict()
                if alignment.review:
                    row["alignment"]["copy_review"] = alignment.review
    return rows


def _print_table(rows: Sequence[Mapping[str, Any]]) -> None:
    for r in rows:
        found = ", ".join(c["text"] for c in r["found"])[:40]
        diag = r["diagnosis"]["message"] if r["diagnosis"] else ""
        pts = "-" if r["points"] is None else f"{r['points']:g}"
        print(
            f"{r['part']:>6}  {r['verdict']:<13} {pts:>5}/{r['max_points']:<4g} "
            f"expected {r['expected'][:30]:<30}  found {found:<40} {diag}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autocheck", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ks = sub.add_parser("keysolve", help="validate a key and show its expected values")
    ks.add_argument("key")
    ks.add_argument("--json", action="store_true")
    ck = sub.add_parser("check", help="check one student's answers against a key")
    ck.add_argument("key")
    ck.add_argument("answers")
    ck.add_argument("--printed", help="the exam's printed (blank) text, to align the copy with")
    ck.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "keysolve":
            data = keysolve(args.key)
            if args.json:
                print(json.dumps(data, indent=2, ensure_ascii=False))
            else:
                for pid, part in data["parts"].items():
                    shown = "; ".join(f"{n} = {t['display']}" for n, t in part["targets"].items())
                    print(f"{pid:>6}  {part['points']:g} pts  {shown}")
            return 0
        rows = autocheck(args.key, args.answers, args.printed)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            _print_table(rows)
            print(json.dumps(summarise_rows(rows)))
        return 0
    except KeyFormatError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def summarise_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    auto = sum(r["points"] for r in rows if r["points"] is not None)
    return {"counts": counts, "auto_points": auto, "max_points": sum(r["max_points"] for r in rows)}


__all__ = ["autocheck", "keysolve", "load_answers", "main", "summarise_rows"]
