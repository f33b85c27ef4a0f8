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

from autocheck.align.compose import strip_crossed_out
from autocheck.diagnose import Diagnosis, Upstream, diagnose
from autocheck.extract import Candidate
from autocheck.keys import (
    DEFAULT_TOLERANCE,
    DescriptiveAnswer,
    ExamKey,
    ExpectedAnswer,
    ExpectedTarget,
    PartKey,
    SolveFn,
    SolverValue,
    Target,
    Tolerance,
    resolve_expected,
)
from autocheck.kinds import Kind, Reading, kind_for
from autocheck.kinds import Target as KindTarget
from autocheck.mathparse import Unreadable
from autocheck.normalise import undouble_escapes
from autocheck.outcome import MISSING, Comparison, Outcome, Read

VERDICTS = tuple(Outcome)
# Below this, a judgement of "incorrect" is not trusted and goes to a person.
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class TargetResult:
    """The outcome for one target of a part (``status``: a verdict or ``missing``)."""

    name: str
    status: str
    expected: str
    expected_latex: str
    found: Candidate | None
    candidates: tuple[Candidate, ...] = ()
    comparison: Comparison | None = None
    diagnosis: Diagnosis | None = None
    score: float = 0.0
    confidence: float = 1.0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "expected": self.expected,
            "expected_latex": self.expected_latex,
            "found": self.found.as_dict() if self.found else None,
            "candidates": [c.as_dict() for c in self.candidates],
            "comparison": None if self.comparison is None else self.comparison.code,
            "diagnosis": None if self.diagnosis is None else self.diagnosis.as_dict(),
            "score": self.score,
            "confidence": round(self.confidence, 3),
            "note": self.note,
        }


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
    shown = "; ".join(
        (f"{t.name} = " if len(expected.targets) > 1 else "") + t.display for t in expected.targets
    )
    shown_latex = r",\ ".join(t.latex for t in expected.targets if t.latex)
    base: dict[str, Any] = {
        "part": part.id,
        "max_points": part.points,
        "expected": shown,
        "expected_latex": shown_latex,
        "steps": expected.steps,
        "text": text,
    }
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
    if _numeric_only(expected) and not re.search(r"\d", text):
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


def _numeric_only(expected: ExpectedAnswer) -> bool:
    return all(t.value is not None and kind_for(t.value).numeric for t in expected.targets)


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
        exp = expected.target(target.name)
        out.append(
            _check_target(
                part,
                target,
                exp,
                text,
                multi=multi,
                siblings=siblings,
                log_base=log_base,
                tol=tol,
                ctx=ctx,
            )
        )
    return out


def _check_target(
    part: PartKey,
    target: Target,
    exp: ExpectedTarget,
    text: str,
    *,
    multi: bool,
    siblings: Sequence[str],
    log_base: str,
    tol: Tolerance,
    ctx: CheckContext,
) -> TargetResult:
    """One target, the same steps for every kind: extract, read, compare, look for an
    accepted alternative or a right value elsewhere in the working, diagnose."""
    show: dict[str, Any] = {
        "name": target.name,
        "expected": exp.display,
        "expected_latex": exp.latex,
    }
    value = exp.value
    if isinstance(target.answer, DescriptiveAnswer) or value is None:
        return TargetResult(status="needs_review", found=None, note="graded by a person", **show)
    kind = kind_for(value)
    reading = Reading(log_base, part.flag("decimal_comma", ctx.decimal_comma))
    symbols = tuple(target.symbols) or ((target.name,) if multi else ())
    ex = kind.extract(text, value, KindTarget(symbols, multi, tuple(siblings)))
    chosen = ex.chosen
    if chosen is None:
        return TargetResult(
            # A missing keyword may be a paraphrase: a person reads it.
            status=MISSING if multi and not kind.wrong_needs_person else Outcome.NEEDS_REVIEW,
            found=None,
            candidates=ex.candidates,
            confidence=ex.confidence,
            note=ex.note or "no final answer found",
            **show,
        )
    conf, note = ex.confidence, ex.note

    def result(status: str, **fields: Any) -> TargetResult:
        base: dict[str, Any] = {"confidence": conf, "note": note, **show}
        return TargetResult(
            status=status, found=chosen, candidates=ex.candidates, **{**base, **fields}
        )

    if conf < MIN_CONFIDENCE:
        return result(Outcome.NEEDS_REVIEW)
    try:
        got = kind.read(value, chosen, ex, reading)
        conf, chain_note = _chain_agreement(chosen, ex.candidates, kind, got, reading, conf)
        note = "; ".join(x for x in (note, chain_note) if x)
        cmp = kind.compare(value, got, tol, part.flags)
    except Unreadable as exc:
        return result(Outcome.NEEDS_REVIEW, note=_unreadable_note(chosen, exc))
    if cmp.equal:
        return result(Outcome.CORRECT, comparison=cmp, score=1.0)
    if cmp.unsure:
        return result(Outcome.NEEDS_REVIEW, comparison=cmp, note=cmp.detail)
    if kind.wrong_needs_person:
        return result(
            Outcome.NEEDS_REVIEW,
            comparison=cmp,
            score=cmp.score,
            note=cmp.detail + " (a paraphrase is possible)",
        )
    if kind.carries:
        for alt_value, alt in exp.alternatives:
            try:
                alt_kind = kind_for(alt_value)
                alt_got = alt_kind.read_text(alt_value, chosen.text, reading)
                alt_cmp = alt_kind.compare(alt_value, alt_got, tol, part.flags)
            except (Unreadable, AssertionError, TypeError):
                continue
            if alt_cmp.equal:
                return result(
                    Outcome.CORRECT if alt.credit >= 1 else Outcome.PARTIAL,
                    comparison=alt_cmp,
                    score=alt.credit,
                    note=f"accepted alternative: {alt.note}"
                    if alt.note
                    else "accepted alternative",
                )
    if kind.check_working:
        # Another value in the working is right: a slip in copying, or a wrong final step?
        for other in ex.others():
            if chosen.start <= other.start and other.end <= chosen.end:
                continue  # a piece of the answer itself ("15" of "15 cm")
            try:
                other_cmp = kind.compare(
                    value, kind.read_text(value, other.text, reading), tol, part.flags
                )
            except (Unreadable, AssertionError, TypeError, ValueError):
                continue
            if other_cmp.equal:
                return result(
                    Outcome.NEEDS_REVIEW,
                    comparison=cmp,
                    confidence=conf * 0.5,
                    note=f"the final value differs but {other.text!r} in the working is right",
                )
    diag = diagnose(
        part,
        target.name,
        value,
        got,
        tol=tol,
        upstream=ctx.upstream,
        solve=ctx.solve,
        solver_value=target.answer.value if isinstance(target.answer, SolverValue) else None,
    )
    if diag is not None and diag.code == "error_carried_forward":
        # Marked partial even at full credit, so the carried error stays visible to the TA.
        return result(Outcome.PARTIAL, comparison=cmp, diagnosis=diag, score=diag.credit)
    if kind.convention_question(cmp, part.flags):
        # Axis order and size-1 axes are conventions: unless the key insists on its
        # convention, a person decides whether the course's convention was asked for.
        return result(
            Outcome.NEEDS_REVIEW,
            comparison=cmp,
            diagnosis=diag,
            note=f"{cmp.detail or cmp.code}: a question of convention",
        )
    if cmp.score > 0 and part.partial_credit:
        return result(
            Outcome.PARTIAL, comparison=cmp, diagnosis=diag, score=cmp.score, note=cmp.detail
        )
    return result(Outcome.INCORRECT, comparison=cmp, diagnosis=diag, note=note or cmp.detail)


def _unreadable_note(chosen: Candidate, exc: Unreadable) -> str:
    said = str(exc)
    return said if said.startswith("could not read") else f"could not read {chosen.text!r}: {said}"


def _chain_agreement(
    chosen: Candidate,
    candidates: Sequence[Candidate],
    kind: Kind,
    got: Read,
    reading: Reading,
    confidence: float,
) -> tuple[float, str]:
    """Lower the confidence when earlier values of the chosen chain of equalities differ
    from its final value ("epochs = 40000/200 = 20"): the final value still counts."""
    if chosen.chain < 0 or got.number is None:
        return confidence, ""
    differing = []
    for c in candidates:
        if c.chain != chosen.chain or c is chosen or c.final:
            continue
        try:
            other = kind.read_text(None, c.text, reading)
        except (Unreadable, ValueError):
            continue
        if abs(other.value - got.value) > 1e-9 * max(1.0, abs(got.value)):
            differing.append(c.text)
    if not differing:
        return confidence, ""
    return confidence - 0.2, "values in the chain disagree (" + ", ".join(
        differing
    ) + "); the last one counts"


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
        failed = check_part(part, expected, "", context=ctx)
        return _for_review(
            dataclasses.replace(failed, text=text),
            f"could not be checked automatically ({type(exc).__name__}: {exc})",
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
