"""From a student's answer text for one part to a verdict a TA can trust.

Verdicts: ``correct``, ``incorrect``, ``partial``, ``needs_review`` (a person must judge),
``blank`` (nothing written). The rules that keep a verdict trustworthy:

- text that cannot be read (unknown symbol, unbalanced braces, a garbled line, a value
  outside the size bounds) gives ``needs_review``, never ``incorrect``;
- a wrong final value while another value in the working is right gives ``needs_review``;
- low extraction or transcription confidence never yields ``incorrect``;
- descriptive parts and descriptive targets always go to a person, with the extracted text;
- missing keywords mean "a person should read it", not "wrong" (a paraphrase is possible).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from solvers.core import Step

from autocheck.align.lists import points_elsewhere
from autocheck.align.values import strip_crossed_out
from autocheck.diagnose import Diagnosis, Upstream
from autocheck.extract import Candidate
from autocheck.keys import (
    DEFAULT_TOLERANCE,
    ExamKey,
    ExpectedAnswer,
    PartKey,
    SolveFn,
    Tolerance,
    resolve_expected,
)
from autocheck.kinds import Reading, kind_for
from autocheck.kinds.integer import says_zero
from autocheck.mathparse import Unreadable
from autocheck.normalise import undouble_escapes
from autocheck.outcome import Outcome, Read
from autocheck.rules import MIN_CONFIDENCE, Attempt, TargetResult, check_target

VERDICTS = tuple(Outcome)


@dataclass(frozen=True)
class Verdict:
    """The checker's judgement of one part, with everything a reviewer needs to see why."""

    part: str
    verdict: str
    points: float | None
    max_points: float
    expected: str
    expected_latex: str
    found: tuple[Candidate, ...]
    diagnosis: Diagnosis | None
    confidence: float
    steps: tuple[Step, ...] = ()
    targets: tuple[TargetResult, ...] = ()
    text: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "verdict": self.verdict,
            "points": self.points,
            "max_points": self.max_points,
            "expected": self.expected,
            "expected_latex": self.expected_latex,
            "found": [c.as_dict() for c in self.found],
            "diagnosis": None if self.diagnosis is None else self.diagnosis.as_dict(),
            "confidence": round(self.confidence, 3),
            "steps": [{"text": s.text, "latex": s.latex} for s in self.steps],
            "targets": [t.as_dict() for t in self.targets],
            "text": self.text,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CheckContext:
    """What a part's check may know beyond its own text.

    ``upstream``: the student's own earlier values (for error carried forward);
    ``transcription_confidence``: how sure the OCR/alignment is (0..1); ``log_base``: the
    exam-wide default; ``solve``: solver function (tests inject one); ``decimal_comma``: the
    course's decimal sign (``None``: unknown, so ``1,204`` may go to a person).
    """

    upstream: Upstream = field(default_factory=Upstream)
    transcription_confidence: float = 1.0
    log_base: str = "e"
    tolerance: Tolerance = DEFAULT_TOLERANCE
    solve: SolveFn | None = None
    decimal_comma: bool | None = None


class AnswerLike(Protocol):
    """An answer with its aligner's confidence (``AnswerText``); an optional ``review``
    attribute gives the reason a person must read it whatever it says."""

    @property
    def text(self) -> str: ...

    @property
    def confidence(self) -> float: ...


_BLANK_RE = re.compile(r"[\w\d]", re.UNICODE)


def is_blank(text: str) -> bool:
    """Nothing written: no letter or digit once markup is removed."""
    stripped = re.sub(r"\\[a-zA-Z]+|<br\s*/?>|[$*_#>`~\-|]", " ", text or "")
    return not _BLANK_RE.search(stripped)


# "see (a)", "same as part b", "answered in 1(a)", "see above": the value is in another part
_OTHER_PART_RE = re.compile(
    r"\b(?:see|same\s+as|as\s+(?:in|for)|(?:answered|given|shown|done)\s+(?:in|with|under))"
    r"\s+(?:(?:part|question|q)\.?\s*)?(?:\(\s*\w{1,3}\s*\)|\w{1,2}\b|\w{1,3}\s*\(\s*\w{1,3}\s*\))"
    r"|\bsee\s+(?:above|below)\b",
    re.I,
)
# a box with something in it but no digit, or a lone letter that looks like a digit: a
# handwritten digit the OCR read as a letter (b for 6, O for 0)
_FILLED_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{\s*[^\s{}$]")
_DIGIT_LETTER_RE = re.compile(r"[\s$*{}]*(?:\\boxed\s*\{)?\s*[bOoIlSZzgqBGT]\s*[\s$*{}]*")


def _elsewhere(text: str) -> str:
    """Why a numeric part whose text holds no digit must still go to a person, or ""."""
    if points_elsewhere(text):
        # "see next page" and the continuation was not found: the answer is somewhere
        return "the answer continues elsewhere and was not found there"
    if _OTHER_PART_RE.search(text):
        return "the answer refers to another part"
    kept = strip_crossed_out(text)
    if _FILLED_BOX_RE.search(kept) or _DIGIT_LETTER_RE.fullmatch(kept):
        return "the box holds no number: a digit may have been read as a letter"
    return ""


def check_part(
    part: PartKey,
    expected: ExpectedAnswer,
    answer_text: str,
    *,
    context: CheckContext | None = None,
) -> Verdict:
    """Check one part's answer text against its expected values."""
    ctx = context or CheckContext()
    text = undouble_escapes(answer_text or "")
    base = _shown(part, expected, text)
    if is_blank(text):
        return Verdict(
            verdict="blank", points=0.0, found=(), diagnosis=None, confidence=1.0, **base
        )
    if part.descriptive:
        return Verdict(
            verdict="needs_review",
            points=None,
            found=(),
            diagnosis=None,
            confidence=1.0,
            notes=("descriptive: graded by a person",),
            **base,
        )
    elsewhere = _numeric_only(expected) and not re.search(r"\d", text) and _elsewhere(text)
    if elsewhere:
        return Verdict(
            verdict="needs_review",
            points=None,
            found=(),
            diagnosis=None,
            confidence=0.5,
            notes=(elsewhere,),
            **base,
        )
    if _numeric_only(expected) and not re.search(r"\d", text) and not says_zero(text):
        # Notes or doodles with no number at all do not answer a numeric part; the text is
        # kept in the verdict so a reviewer can still see it.
        return Verdict(
            verdict="blank",
            points=0.0,
            found=(),
            diagnosis=None,
            confidence=0.8,
            notes=("text present but no value written",),
            **base,
        )
    try:
        results = _check_targets(part, expected, text, ctx)
    except Unreadable as exc:  # a guard tripped outside a single target: still not "wrong"
        return Verdict(
            verdict="needs_review",
            points=None,
            found=(),
            diagnosis=None,
            confidence=0.0,
            notes=(f"could not read the answer: {exc}",),
            **base,
        )
    return _combine(part, results, ctx, base)


def _shown(part: PartKey, expected: ExpectedAnswer, text: str) -> dict[str, Any]:
    """The fields every verdict of a part shows: the part, its points, what was expected
    (text, LaTeX, worked steps) and the answer text judged."""
    shown = "; ".join(
        (f"{t.name} = " if len(expected.targets) > 1 else "") + t.display for t in expected.targets
    )
    return {
        "part": part.id,
        "max_points": part.points,
        "expected": shown,
        "expected_latex": r",\ ".join(t.latex for t in expected.targets if t.latex),
        "steps": expected.steps,
        "text": text,
    }


def _numeric_only(expected: ExpectedAnswer) -> bool:
    """Every value asked for is numeric, and so is every accepted alternative (a part that
    also accepts an option's letter is answered without a digit)."""
    return all(
        t.value is not None
        and kind_for(t.value).numeric
        and all(kind_for(v).numeric for v, _ in t.alternatives)
        for t in expected.targets
    )


def _target_points(part: PartKey) -> list[float]:
    """Each required target's share of the part's points (optional targets earn none)."""
    n = sum(not t.optional for t in part.targets) or 1
    return [
        0.0 if t.optional else t.points if t.points is not None else part.points / n
        for t in part.targets
    ]


def _combine(
    part: PartKey, shown: list[TargetResult], ctx: CheckContext, base: dict[str, Any]
) -> Verdict:
    # optional targets are shown but neither earn nor cost anything: the verdict is the
    # required targets'; a wrong optional value is noted for the TA
    results = [r for r, t in zip(shown, part.targets, strict=True) if not t.optional]
    extra_notes = tuple(
        f"{r.name} (optional) is wrong: {r.expected} was expected"
        for r, t in zip(shown, part.targets, strict=True)
        if t.optional and r.status in ("incorrect", "partial")
    )
    statuses = [r.status for r in results]
    weights = [w for w, t in zip(_target_points(part), part.targets, strict=True) if not t.optional]
    found = tuple(r.found for r in shown if r.found is not None)
    diagnosis = next((r.diagnosis for r in results if r.diagnosis is not None), None)
    if diagnosis is not None and len(results) > 1:
        name = next(r.name for r in results if r.diagnosis is diagnosis)
        diagnosis = Diagnosis(
            diagnosis.code, f"{name}: {diagnosis.message}", diagnosis.credit, diagnosis.recomputed
        )
    confidence = min((r.confidence for r in results), default=1.0) * min(
        1.0, ctx.transcription_confidence
    )
    notes = tuple(f"{r.name}: {r.note}" if len(results) > 1 else r.note for r in results if r.note)
    notes += extra_notes
    decided = sum(
        w * r.score for w, r in zip(weights, results, strict=True) if r.status != "needs_review"
    )
    if all(s == "missing" for s in statuses):
        verdict, points = "needs_review", None
        notes += ("none of the asked values could be located in the answer",)
    elif "needs_review" in statuses:
        verdict, points = "needs_review", None
    elif all(s == "correct" for s in statuses):
        verdict, points = "correct", part.points
    elif all(s in ("incorrect", "missing") for s in statuses) and not any(
        r.score > 0 for r in results
    ):
        verdict, points = "incorrect", 0.0
    else:
        verdict, points = "partial", round(decided, 4)
        if not part.partial_credit:
            points = 0.0
    if verdict in ("incorrect", "partial") and ctx.transcription_confidence < MIN_CONFIDENCE:
        verdict, points = "needs_review", None
        notes += ("the transcription is too uncertain to mark this wrong",)
    if verdict == "needs_review" and points is None and any(s != "needs_review" for s in statuses):
        notes += (f"automatic points for the values that could be judged: {round(decided, 4):g}",)
    return Verdict(
        verdict=verdict,
        points=points,
        found=found,
        diagnosis=diagnosis,
        confidence=confidence,
        targets=tuple(shown),
        notes=notes,
        **base,
    )


def _check_targets(
    part: PartKey, expected: ExpectedAnswer, text: str, ctx: CheckContext
) -> list[TargetResult]:
    multi = len(part.targets) > 1
    siblings = [s for t in part.targets for s in (t.symbols or (t.name,))]
    log_base = str(part.flag("log_base", ctx.log_base))
    tol = part.tolerance.over(ctx.tolerance)
    out = []
    for target in part.targets:
        symbols = tuple(target.symbols) or ((target.name,) if multi else ())
        attempt = Attempt(
            part,
            target,
            expected.target(target.name),
            text,
            symbols,
            tuple(siblings),
            multi,
            Reading(log_base, part.flag("decimal_comma", ctx.decimal_comma)),
            tol,
            ctx.upstream,
            ctx.solve,
        )
        out.append(check_target(attempt))
    return out


def check_submission(
    key: ExamKey,
    answers_by_part: Mapping[str, str | AnswerLike],
    *,
    transcription_confidence: float | Mapping[str, float] = 1.0,
    expected: Mapping[str, ExpectedAnswer] | None = None,
    solve: SolveFn | None = None,
    decimal_comma: bool | None = None,
) -> list[Verdict]:
    """Check every part of ``key`` (in printed order) against the student's answers.

    ``answers_by_part`` maps part ids to text, or to objects with ``text`` and
    ``confidence`` (the aligner's ``AnswerText``); a part with no entry is blank.
    ``transcription_confidence`` is one number or one per part; below 0.5 nothing is marked
    ``incorrect``. Earlier answers are passed on so error carried forward is recognised.
    """
    exp_all = expected if expected is not None else resolve_expected(key, solve=solve)
    log_base = str(key.flags.get("log_base", "e"))
    tolerance = key.tolerance.over(DEFAULT_TOLERANCE)
    comma = key.flags.get("decimal_comma", decimal_comma)
    upstream: dict[str, dict[str, Read]] = {}
    verdicts = []
    for part in key.parts():
        entry = answers_by_part.get(part.id, "")
        text, conf, review = _entry(entry)
        if isinstance(transcription_confidence, Mapping):
            conf = min(conf, float(transcription_confidence.get(part.id, 1.0)))
        else:
            conf = min(conf, float(transcription_confidence))
        ctx = CheckContext(Upstream(dict(upstream)), conf, log_base, tolerance, solve, comma)
        verdict = _check_safely(part, exp_all[part.id], text, ctx)
        if review:
            verdict = _for_review(verdict, review)
        verdicts.append(verdict)
        upstream[part.id] = _read_values(verdict, exp_all[part.id], log_base)
    return verdicts


def _entry(entry: str | AnswerLike) -> tuple[str, float, str]:
    """(text with crossed-out work left out, confidence, reason a person must read it)."""
    if isinstance(entry, str):
        return strip_crossed_out(entry), 1.0, ""
    review = str(getattr(entry, "review", "") or "")
    return strip_crossed_out(entry.text), float(entry.confidence), review


def _check_safely(part: PartKey, expected: ExpectedAnswer, text: str, ctx: CheckContext) -> Verdict:
    """One part's check; an unexpected failure sends that part to a person and never stops the
    others (a key's corner case must not lose a whole copy)."""
    try:
        return check_part(part, expected, text, context=ctx)
    except Exception as exc:  # any failure of one part is reported on that part
        unchecked = Verdict(
            verdict="needs_review",
            points=None,
            found=(),
            diagnosis=None,
            confidence=0.0,
            **_shown(part, expected, text),
        )
        return _for_review(
            unchecked, f"could not be checked automatically ({type(exc).__name__}: {exc})"
        )


def _for_review(verdict: Verdict, reason: str) -> Verdict:
    """The verdict sent to a person with the reason; what was read stays visible."""
    return dataclasses.replace(
        verdict, verdict="needs_review", points=None, notes=(*verdict.notes, reason)
    )


def _read_values(verdict: Verdict, expected: ExpectedAnswer, log_base: str) -> dict[str, Read]:
    """The student's values for each target, for later parts' error-carried-forward checks."""
    out: dict[str, Read] = {}
    for res in verdict.targets:
        exp = expected.target(res.name)
        if res.found is None or exp.value is None:
            continue
        kind = kind_for(exp.value)
        if not kind.carries:
            continue
        try:
            out[res.name] = kind.read_text(exp.value, res.found.text, Reading(log_base=log_base))
        except (Unreadable, ValueError):
            continue
    return out


def summarise(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Counts per verdict and the automatic points total (review parts excluded)."""
    counts: dict[str, int] = {str(v): 0 for v in VERDICTS}
    for v in verdicts:
        counts[v.verdict] += 1
    auto = sum(v.points for v in verdicts if v.points is not None)
    return {
        "counts": counts,
        "auto_points": auto,
        "max_points": sum(v.max_points for v in verdicts),
    }


__all__ = [
    "VERDICTS",
    "CheckContext",
    "TargetResult",
    "Verdict",
    "check_part",
    "check_submission",
    "is_blank",
    "summarise",
]
