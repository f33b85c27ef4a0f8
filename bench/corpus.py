"""The auto-checker against the development corpus: ``python -m bench --corpus``.

The corpus (``tests/corpus/exams/<exam>/``) holds exams in the layouts real exams use, each with
its printed (blank) text ``printed.md``, its answer key ``key.yaml``, students' transcriptions
``students/<name>.md`` and ``truth.yaml``: per student and part, what a careful TA concludes
from the copy (a verdict, and for a planted error the diagnosis code the checker should name).
The three seed exams are read in place from ``../shared/seeds/`` with ``tests/corpus/seeds.yaml``
and ``tests/corpus/keys/``; they have no printed text. The exams of ``tests/corpus/heldout/``
were written after the checker was tuned on the others and are never tuned on: they have
their own total, the honest estimate on exams the checker has not seen.

Every copy is checked the way ``python -m autocheck check KEY COPY --printed PRINTED`` checks
it, and each part's verdict is compared with the truth:

- **agreement**: among the *checkable* parts (truth correct, incorrect, partial or blank), the
  share whose verdict equals the truth; a part sent to a person counts as not agreeing;
- **false incorrect / false correct / false blank**: verdicts ``incorrect``, ``correct`` or
  ``blank`` where the truth is something else (the errors that cost or give marks wrongly);
- **decided**: the share of all parts given a verdict without a person (not ``needs_review``);
- **diagnosis**: among planted errors, the share whose diagnosis code the checker names.

A copy the checker cannot process at all (an exception) counts as sent to a person, part by
part, and is listed under ``errors``.
"""

from __future__ import annotations

import inspect
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.env import REPO

CORPUS = REPO / "tests" / "corpus"
SEEDS = REPO.parent / "shared" / "seeds"
CHECKABLE = ("correct", "incorrect", "partial", "blank")
#: Exams written after the checker was tuned on the others, and never tuned on: their own total.
HELD_OUT = "heldout:"


@dataclass(frozen=True)
class Copy:
    """One student's transcription with its key, printed text and truth table."""

    exam: str
    student: str
    key: Path
    text: Path
    printed: Path | None
    truth: Mapping[str, tuple[str, str]]  # part -> (verdict, diagnosis code or "")


def _truth_rows(rows: Mapping[Any, Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for part, value in rows.items():
        verdict, _, code = str(value).partition(" ")
        out[str(part)] = (verdict, code.strip())
    return out


def copies(corpus: Path = CORPUS, seeds: Path = SEEDS) -> Iterator[Copy]:
    """Every copy of the corpus, exam by exam, then the seeds (when ``seeds`` exists), then
    the held-out exams (``heldout/``, named ``heldout:<exam>``)."""
    yield from _exam_copies(corpus / "exams", "")
    if seeds.is_dir():
        table = yaml.safe_load((corpus / "seeds.yaml").read_text(encoding="utf-8"))
        for stem, rows in table.items():
            yield Copy(
                "seed:" + stem,
                "seed",
                corpus / "keys" / f"{stem}.yaml",
                seeds / f"{stem}.md",
                None,
                _truth_rows(rows),
            )
    if (corpus / "heldout").is_dir():
        yield from _exam_copies(corpus / "heldout", HELD_OUT)


def _exam_copies(folder: Path, prefix: str) -> Iterator[Copy]:
    for exam in sorted(p for p in folder.iterdir() if p.is_dir()):
        truth = yaml.safe_load((exam / "truth.yaml").read_text(encoding="utf-8"))
        printed = exam / "printed.md"
        for student, rows in truth.items():
            yield Copy(
                prefix + exam.name,
                str(student),
                exam / "key.yaml",
                exam / "students" / f"{student}.md",
                printed if printed.is_file() else None,
                _truth_rows(rows),
            )


def _check(copy: Copy) -> list[dict[str, Any]]:
    from autocheck.cli import autocheck

    if copy.printed is not None and "printed" in inspect.signature(autocheck).parameters:
        return autocheck(copy.key, copy.text, printed=copy.printed)
    return autocheck(copy.key, copy.text)


@dataclass
class Tally:
    """Counts for one exam (or the total)."""

    parts: int = 0
    checkable: int = 0
    agree: int = 0
    decided: int = 0
    decided_wrong: int = 0
    false_incorrect: int = 0
    false_correct: int = 0
    false_blank: int = 0
    planted: int = 0
    diagnosed: int = 0
    copies: int = 0
    errors: list[str] = field(default_factory=list)
    disagreements: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "parts",
            "checkable",
            "agree",
            "decided",
            "decided_wrong",
            "false_incorrect",
            "false_correct",
            "false_blank",
            "planted",
            "diagnosed",
            "copies",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors
        self.disagreements += other.disagreements

    def figures(self) -> dict[str, Any]:
        def pct(a: int, b: int) -> float | None:
            return round(100.0 * a / b, 1) if b else None

        return {
            "copies": self.copies,
            "parts": self.parts,
            "checkable_parts": self.checkable,
            "agreement_pct": pct(self.agree, self.checkable),
            "false_incorrect": self.false_incorrect,
            "false_correct": self.false_correct,
            "false_blank": self.false_blank,
            "decided_pct": pct(self.decided, self.parts),
            "decided_wrong": self.decided_wrong,
            "planted_errors": self.planted,
            "diagnosis_pct": pct(self.diagnosed, self.planted),
            "copies_failed": len(self.errors),
        }


def score(copy: Copy, rows: list[dict[str, Any]] | None) -> Tally:
    """Compare one copy's verdicts with its truth table (``rows`` None: the copy failed)."""
    tally = Tally(copies=1)
    got = {r["part"]: r for r in rows or []}
    for part, (truth, code) in copy.truth.items():
        row = got.get(part)
        verdict = row["verdict"] if row is not None else "needs_review"
        diagnosis = ((row or {}).get("diagnosis") or {}).get("code", "")
        tally.parts += 1
        decided = verdict != "needs_review"
        tally.decided += decided
        if truth in CHECKABLE:
            tally.checkable += 1
            tally.agree += verdict == truth
        if decided and verdict != truth:
            tally.decided_wrong += 1
        tally.false_incorrect += verdict == "incorrect" and truth != "incorrect"
        tally.false_correct += verdict == "correct" and truth != "correct"
        tally.false_blank += verdict == "blank" and truth != "blank"
        if code:
            tally.planted += 1
            tally.diagnosed += diagnosis == code
        if verdict != truth or (code and diagnosis != code):
            tally.disagreements.append(
                {
                    "copy": f"{copy.exam}/{copy.student}",
                    "part": part,
                    "truth": f"{truth} {code}".strip(),
                    "got": f"{verdict} {diagnosis}".strip(),
                    "found": "" if row is None else _found(row),
                }
            )
    return tally


def _found(row: Mapping[str, Any]) -> str:
    text = " | ".join(str(c.get("text", "")) for c in row.get("found") or [])
    notes = "; ".join(row.get("notes") or [])
    return (text + (f"  ({notes})" if notes else ""))[:160]


def run(corpus: Path = CORPUS, seeds: Path = SEEDS) -> dict[str, Any]:
    """Check every copy of the corpus; figures per exam and in total."""
    started = time.perf_counter()
    per_exam: dict[str, Tally] = {}
    for copy in copies(corpus, seeds):
        try:
            rows: list[dict[str, Any]] | None = _check(copy)
        except Exception as exc:  # a failed copy is a finding, not the end of the run
            rows = None
            where = traceback.format_exception(exc)[-2].strip().splitlines()[0]
            error = f"{copy.exam}/{copy.student}: {type(exc).__name__}: {exc} ({where})"
        tally = score(copy, rows)
        if rows is None:
            tally.errors.append(error[:300])
        per_exam.setdefault(copy.exam, Tally()).add(tally)
    total, held_out = Tally(), Tally()
    for name, tally in per_exam.items():
        (held_out if name.startswith(HELD_OUT) else total).add(tally)
    return {
        "total": total.figures(),
        "held_out_total": held_out.figures(),
        "exams": {name: tally.figures() for name, tally in per_exam.items()},
        "errors": total.errors + held_out.errors,
        "disagreements": total.disagreements + held_out.disagreements,
        "seconds": round(time.perf_counter() - started, 1),
    }


def table(result: Mapping[str, Any]) -> str:
    """The figures as a plain-text table, one row per exam and the total."""
    cols = (
        ("copies", "copies"),
        ("parts", "parts"),
        ("agreement_pct", "agree%"),
        ("false_incorrect", "f.inc"),
        ("false_correct", "f.cor"),
        ("false_blank", "f.blank"),
        ("decided_pct", "decided%"),
        ("decided_wrong", "dec.wrong"),
        ("diagnosis_pct", "diag%"),
        ("copies_failed", "failed"),
    )
    width = max([len(n) for n in result["exams"]] + [5])
    lines = [f"{'exam':<{width}}  " + "  ".join(f"{h:>9}" for _, h in cols)]
    rows = [(n, f) for n, f in result["exams"].items() if not n.startswith(HELD_OUT)]
    rows.append(("TOTAL", result["total"]))
    held = [(n, f) for n, f in result["exams"].items() if n.startswith(HELD_OUT)]
    if held:
        rows += [*held, ("HELD-OUT TOTAL", result["held_out_total"])]
    for name, figures in rows:
        cells = ["-" if figures[k] is None else f"{figures[k]:g}" for k, _ in cols]
        lines.append(f"{name:<{width}}  " + "  ".join(f"{c:>9}" for c in cells))
    return "\n".join(lines)
