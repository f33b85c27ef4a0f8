"""One target of a part judged by an ordered list of rules, the first that decides wins.

Every kind of answer goes through the same rules (:data:`RULES`), each a small function of
what is known so far (an :class:`Attempt`) that returns a :class:`TargetResult` when it can
decide, else ``None`` to let the next rule look:

1. a descriptive target is graded by a person;
2. the answer is extracted; when nothing of the expected kind is found, an answer in the form
   of an accepted alternative (an option's letter for a numeric question) is judged as that
   alternative; else the value is missing;
3. an uncertain extraction goes to a person;
4. the value is read and compared; what cannot be read goes to a person, never "incorrect";
   equal is correct; a value that reads two ways the key cannot tell apart (``1,204`` where
   the course's decimal sign is unknown) goes to a person;
5. a kind whose wrong answers may be paraphrases (keywords) goes to a person;
6. an accepted alternative is correct (with its credit);
7. a wrong final value with a right value in the working goes to a person;
8. a known mistake is looked for; an error carried forward is partial (full credit, flagged);
9. another axis order (a convention) goes to a person;
10. the opposite sign written with words that may say the direction ("decreases by 0.03")
    goes to a person;
11. a wrong value taken among several with nothing marking it as the answer (a bare number
    among others, or the last of several values named for other quantities) goes to a
    person;
12. a partly right value (some components) is partial;
13. otherwise the answer is incorrect, with the diagnosis found if any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autocheck.diagnose import Diagnosis, Upstream, diagnose
from autocheck.extract import Candidate, Extraction
from autocheck.keys import (
    DescriptiveAnswer,
    ExpectedTarget,
    PartKey,
    SolveFn,
    SolverValue,
    Target,
    Tolerance,
)
from autocheck.kinds import Kind, Reading, kind_for
from autocheck.kinds import Target as KindTarget
from autocheck.mathparse import Unreadable
from autocheck.normalise import symbol_key
from autocheck.outcome import MISSING, Comparison, Outcome, Read

__all__ = ["MIN_CONFIDENCE", "RULES", "Attempt", "TargetResult", "check_target"]

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


@dataclass
class Attempt:
    """What is known of one target while the rules run: the key's side (part, target,
    expected value and its kind), how to read (``reading``, ``tol``), the student's earlier
    values (``upstream``), and what the rules found so far."""

    part: PartKey
    target: Target
    exp: ExpectedTarget
    text: str
    symbols: tuple[str, ...]
    siblings: tuple[str, ...]
    multi: bool
    reading: Reading
    tol: Tolerance
    upstream: Upstream
    solve: SolveFn | None
    value: Any = None
    kind: Kind | None = None
    credit: float = 1.0  # the share of the points a right answer earns (an alternative's)
    ex: Extraction | None = None
    chosen: Candidate | None = None
    got: Read | None = None
    cmp: Comparison | None = None
    diagnosis: Diagnosis | None = None
    conf: float = 1.0
    notes: list[str] = field(default_factory=list)

    def result(self, status: str, **fields: Any) -> TargetResult:
        base: dict[str, Any] = {
            "name": self.target.name,
            "expected": self.exp.display,
            "expected_latex": self.exp.latex,
            "found": self.chosen,
            "candidates": self.ex.candidates if self.ex is not None else (),
            "comparison": self.cmp,
            "confidence": self.conf,
            "note": "; ".join(n for n in self.notes if n),
        }
        return TargetResult(status=status, **{**base, **fields})


Rule = Callable[[Attempt], TargetResult | None]


def _graded_by_a_person(a: Attempt) -> TargetResult | None:
    if isinstance(a.target.answer, DescriptiveAnswer) or a.exp.value is None:
        return a.result(Outcome.NEEDS_REVIEW, note="graded by a person")
    a.value, a.kind = a.exp.value, kind_for(a.exp.value)
    return None


def _extracted(a: Attempt) -> TargetResult | None:
    assert a.kind is not None
    a.ex = a.kind.extract(a.text, a.value, KindTarget(a.symbols, a.multi, a.siblings))
    a.chosen, a.conf = a.ex.chosen, a.ex.confidence
    a.notes.append(a.ex.note)
    if a.chosen is not None or _in_another_form(a):
        return None
    if a.multi and _written_under_its_name(a):
        # "params = no parameters": written, but not as a value: a person reads it
        return a.result(
            Outcome.NEEDS_REVIEW, note="something is written for this value but was not read"
        )
    return a.result(
        # A missing keyword may be a paraphrase: a person reads it.
        MISSING if a.multi and not a.kind.wrong_needs_person else Outcome.NEEDS_REVIEW,
        note=a.ex.note or "no final answer found",
    )


def _written_under_its_name(a: Attempt) -> bool:
    """A line of the answer names the target (``params = ...``, ``params: ...``) and has
    something after the name: the value is not missing, only unread."""
    keys = {symbol_key(s) for s in a.symbols} - {""}
    for line in a.text.splitlines():
        name, sep, rest = line.partition("=") if "=" in line else line.partition(":")
        if sep and rest.strip() and symbol_key(name) in keys:
            return True
    return False


def _in_another_form(a: Attempt) -> bool:
    """Nothing of the expected kind was written: is the answer in the form of an accepted
    alternative of another kind (the option's letter for a numeric question)? Then it is
    judged as that alternative from here on."""
    for alt_value, alt in a.exp.alternatives:
        alt_kind = kind_for(alt_value)
        if alt_kind is a.kind:
            continue
        # the target's symbols name its own form ("iterations = 200"), not a letter
        ex = alt_kind.extract(a.text, alt_value, KindTarget((), a.multi, a.siblings))
        if ex.chosen is None:
            continue
        a.value, a.kind, a.ex, a.chosen, a.conf = alt_value, alt_kind, ex, ex.chosen, ex.confidence
        a.credit = alt.credit
        a.notes.append(f"answered as {alt.note or 'an accepted alternative'}")
        return True
    return False


def _confident_enough(a: Attempt) -> TargetResult | None:
    return a.result(Outcome.NEEDS_REVIEW) if a.conf < MIN_CONFIDENCE else None


def _read_and_compared(a: Attempt) -> TargetResult | None:
    assert a.kind is not None
    assert a.chosen is not None
    assert a.ex is not None
    try:
        a.got = a.kind.read(a.value, a.chosen, a.ex, a.reading)
        a.conf, chain_note = chain_agreement(
            a.chosen, a.ex.candidates, a.kind, a.got, a.reading, a.conf
        )
        a.notes.append(chain_note)
        a.cmp = a.kind.compare(a.value, a.got, a.tol, a.part.flags)
    except Unreadable as exc:
        return a.result(Outcome.NEEDS_REVIEW, note=_unreadable_note(a.chosen, exc))
    if a.cmp.equal:
        return a.result(Outcome.CORRECT if a.credit >= 1 else Outcome.PARTIAL, score=a.credit)
    if a.cmp.unsure:  # the value reads two ways (a decimal comma): a person decides
        return a.result(Outcome.NEEDS_REVIEW, note=a.cmp.detail)
    return None


def _paraphrase_possible(a: Attempt) -> TargetResult | None:
    assert a.kind is not None
    assert a.cmp is not None
    if not a.kind.wrong_needs_person:
        return None
    return a.result(
        Outcome.NEEDS_REVIEW,
        score=a.cmp.score,
        note=a.cmp.detail + " (a paraphrase is possible)",
    )


def _accepted_alternative(a: Attempt) -> TargetResult | None:
    assert a.kind is not None
    assert a.chosen is not None
    if not a.kind.carries:
        return None
    for alt_value, alt in a.exp.alternatives:
        try:
            alt_kind = kind_for(alt_value)
            alt_got = alt_kind.read_text(alt_value, a.chosen.text, a.reading)
            alt_cmp = alt_kind.compare(alt_value, alt_got, a.tol, a.part.flags)
        except (Unreadable, AssertionError, TypeError, ValueError):
            continue
        if alt_cmp.equal:
            return a.result(
                Outcome.CORRECT if alt.credit >= 1 else Outcome.PARTIAL,
                comparison=alt_cmp,
                score=alt.credit,
                note=f"accepted alternative: {alt.note}" if alt.note else "accepted alternative",
            )
    return None


def _right_in_the_working(a: Attempt) -> TargetResult | None:
    """Another value in the working is right: a slip in copying, or a wrong final step?"""
    assert a.kind is not None
    assert a.ex is not None
    if not a.kind.check_working:
        return None
    for other in a.ex.others():
        if a.chosen is not None and a.chosen.start <= other.start and other.end <= a.chosen.end:
            continue  # a piece of the answer itself ("15" of "15 cm")
        try:
            got = a.kind.read_text(a.value, other.text, a.reading)
            other_cmp = a.kind.compare(a.value, got, a.tol, a.part.flags)
        except (Unreadable, AssertionError, TypeError, ValueError):
            continue
        if other_cmp.equal:
            return a.result(
                Outcome.NEEDS_REVIEW,
                confidence=a.conf * 0.5,
                note=f"the final value differs but {other.text!r} in the working is right",
            )
    return None


def _carried_forward(a: Attempt) -> TargetResult | None:
    assert a.got is not None
    answer = a.target.answer
    a.diagnosis = diagnose(
        a.part,
        a.target.name,
        a.value,
        a.got,
        tol=a.tol,
        upstream=a.upstream,
        solve=a.solve,
        solver_value=answer.value if isinstance(answer, SolverValue) else None,
    )
    if a.diagnosis is not None and a.diagnosis.code == "error_carried_forward":
        # Marked partial even at full credit, so the carried error stays visible to the TA.
        return a.result(Outcome.PARTIAL, diagnosis=a.diagnosis, score=a.diagnosis.credit)
    return None


def _convention_question(a: Attempt) -> TargetResult | None:
    """Axis order and size-1 axes are conventions: unless the key insists on its convention,
    a person decides whether the course's convention was asked for."""
    assert a.kind is not None
    assert a.cmp is not None
    if not a.kind.convention_question(a.cmp, a.part.flags):
        return None
    return a.result(
        Outcome.NEEDS_REVIEW,
        diagnosis=a.diagnosis,
        note=f"{a.cmp.detail or a.cmp.code}: a question of convention",
    )


_DIRECTION_RE = re.compile(
    r"\b(?:de|in)creas\w*|\breduc\w*|\bdrop\w*|\bfall\w*|\bris\w*|\blower\w*"
    r"|\bgoes\s+(?:up|down)\b|\bgo\s+(?:up|down)\b|\bby\s+[-+]?\d",
    re.I,
)


def _sign_in_words(a: Attempt) -> TargetResult | None:
    """The opposite sign of the right value, with words that say the direction ("w decreases
    by 0.03" for a change of -0.03): the words may carry the sign, a person reads them."""
    if a.diagnosis is None or a.diagnosis.code != "sign" or not _DIRECTION_RE.search(a.text):
        return None
    return a.result(
        Outcome.NEEDS_REVIEW,
        diagnosis=a.diagnosis,
        note="the value has the opposite sign, but the words around it may say the direction",
    )


def _one_of_several(a: Attempt) -> TargetResult | None:
    """A wrong value taken from writing that gives several, with nothing marking it as the
    answer: a bare number among others (no ``=``, no box, no label: ``640 weights, 32
    biases``, ``squares 1, 0, 4``), or the last of several values named for other quantities
    than the part's (``W = 640, b = 32``). It may not be the value the student meant as the
    answer: a person reads it."""
    assert a.ex is not None
    note = _bare_among_numbers(a.text, a.chosen, a.ex.others()) or _last_named(
        a.chosen, a.ex.others()
    )
    if not note:
        return None
    return a.result(Outcome.NEEDS_REVIEW, diagnosis=a.diagnosis, confidence=a.conf * 0.5, note=note)


def _bare_among_numbers(text: str, chosen: Candidate | None, others: Sequence[Candidate]) -> str:
    if chosen is None or chosen.rule != "number":
        return ""
    line_start = text.rfind("\n", 0, chosen.start) + 1
    line_end = text.find("\n", chosen.end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    if line.strip(" \t$.") == chosen.text:
        return ""  # alone on its line (a box's value, a sheet's line): written as the answer
    if not any(not (chosen.start <= c.start and c.end <= chosen.end) for c in others):
        return ""
    return f"{chosen.text!r} is one of several numbers written and nothing marks it as the answer"


# a quantity's name written before its value (W, b, m_hat, biases), not an expression
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")


def _last_named(chosen: Candidate | None, others: Sequence[Candidate]) -> str:
    if chosen is None or chosen.rule != "chain" or not _NAME_RE.fullmatch(chosen.label):
        return ""
    names = {
        c.label for c in others if c.rule == "chain" and c.final and _NAME_RE.fullmatch(c.label)
    } - {chosen.label}
    if not names:
        return ""
    named = ", ".join(sorted(names | {chosen.label}))
    return f"{chosen.text!r} is the last of several values named ({named}) and none is the answer's"


def _partly_right(a: Attempt) -> TargetResult | None:
    assert a.cmp is not None
    if a.cmp.score > 0 and a.part.partial_credit:
        score = a.cmp.score * a.credit
        return a.result(Outcome.PARTIAL, diagnosis=a.diagnosis, score=score, note=a.cmp.detail)
    return None


def _wrong(a: Attempt) -> TargetResult | None:
    assert a.cmp is not None
    note = "; ".join(n for n in a.notes if n) or a.cmp.detail
    return a.result(Outcome.INCORRECT, diagnosis=a.diagnosis, note=note)


#: The rules in the order they are tried; the first that returns a result decides.
RULES: tuple[Rule, ...] = (
    _graded_by_a_person,
    _extracted,
    _confident_enough,
    _read_and_compared,
    _paraphrase_possible,
    _accepted_alternative,
    _right_in_the_working,
    _carried_forward,
    _convention_question,
    _sign_in_words,
    _one_of_several,
    _partly_right,
    _wrong,
)


def check_target(attempt: Attempt) -> TargetResult:
    """Run the rules on one target until one decides (the last always does)."""
    for rule in RULES:
        outcome = rule(attempt)
        if outcome is not None:
            return outcome
    raise AssertionError("the last rule always decides")


def _unreadable_note(chosen: Candidate, exc: Unreadable) -> str:
    said = str(exc)
    return said if said.startswith("could not read") else f"could not read {chosen.text!r}: {said}"


def chain_agreement(
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
