"""The pipeline's last step, transcriptions in, verdicts out: the Django side of the
auto-checker.

A submission's text arrives as an imported OCR file for the whole copy, as OCR of one answer
region, or typed by a TA. It is split into parts (``autocheck.align``), each part's answer is
checked against the exam's current answer key (``autocheck.check``), and the verdict, the
suggested points and the diagnosis are stored on the :class:`~exams.models.Answer`. The
suggested points become the score unless a person already graded the answer: the grading
app writes it, in the same transaction (``exams.hooks``).

The key is parsed and its solvers run once per key version per process, never per student.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from autocheck.outcome import Outcome
from exams import hooks
from exams.models import Answer, AnswerKey, Page, Part, Submission, Transcription

if TYPE_CHECKING:
    from autocheck.check import Verdict
    from autocheck.keys import ExamKey, ExpectedAnswer

#: Below this alignment or OCR confidence the text is shown to a person before it is judged.
LOW_CONFIDENCE = 0.5


class NoAnswerKeyError(ValidationError):
    """The exam has no answer key yet: nothing can be checked."""


@lru_cache(maxsize=16)
def _resolved(checksum: str, source: str) -> tuple[ExamKey, dict[str, ExpectedAnswer]]:
    from autocheck.keys import parse_key, resolve_expected

    key = parse_key(source)
    return key, resolve_expected(key)


def key_for(answer_key: AnswerKey) -> tuple[ExamKey, dict[str, ExpectedAnswer]]:
    """The parsed key and its expected values, cached per key version (by checksum)."""
    return _resolved(answer_key.checksum, answer_key.source)


def current_answer_key(submission: Submission) -> AnswerKey:
    """The exam's newest key version; :class:`NoAnswerKeyError` if it has none."""
    answer_key = submission.exam.answer_keys.order_by("-version").first()
    if answer_key is None:
        raise NoAnswerKeyError("This exam has no answer key yet; install one first.")
    return answer_key


@transaction.atomic
def submission_import_transcription(
    *,
    submission: Submission,
    text: str,
    source: str = Transcription.Source.IMPORTED,
    engine: str = "",
    confidence: float | None = None,
    actor: User | None = None,
) -> dict[str, Answer]:
    """Store a whole-copy transcription, split it into the exam's parts and set each part's
    answer text (with the alignment's confidence). Text that belongs to no part stays in the
    stored transcription. Returns the answers by part id; checking is a separate step."""
    from autocheck.align import split_transcription
    from exams.services.printed import printed_exam_current

    answer_key = current_answer_key(submission)
    key, _ = key_for(answer_key)
    whole = Transcription.objects.create(
        submission=submission,
        source=source,
        engine=engine,
        text=text,
        confidence=confidence,
        created_by=actor,
    )
    printed = printed_exam_current(submission.exam)
    alignment = split_transcription(key, text, printed.text if printed else None)
    parts = {p.part_id: p for p in submission.exam.parts.all()}
    texts: list[NewText] = []
    for part_id, part in parts.items():
        piece = alignment.answers.get(part_id)
        piece_text = "" if piece is None else piece.text
        piece_conf = 1.0 if piece is None else piece.confidence
        if piece is not None and piece.review:
            piece_conf = 0.0  # not found, or the copy does not match: never judged blank
        if confidence is not None:
            piece_conf = min(piece_conf, confidence)
        evidence: dict[str, Any] = {"transcription": whole.pk}
        if piece is not None:
            evidence.update(piece.as_dict())
        if printed is not None:
            evidence["printed_version"] = printed.version
        if alignment.review:  # the whole copy goes to a person
            evidence["review"] = evidence["copy_review"] = alignment.review
        texts.append(NewText(part, piece_text, engine, piece_conf, alignment=evidence))
    stored = answers_set_texts(submission=submission, texts=texts, source=source, actor=actor)
    return dict(zip(parts, stored, strict=True))


def answer_set_text(
    *,
    submission: Submission,
    part: Part,
    text: str,
    source: str,
    engine: str,
    confidence: float | None,
    actor: User | None,
    reading: dict | None = None,
    alignment: dict[str, Any] | None = None,
    page: Page | None = None,
) -> Answer:
    """Record a new transcription of one part's answer and make it the current text;
    ``reading`` is what the reader saw (lines, the key's values and their probabilities),
    ``alignment`` where the answer was read in the whole copy (the aligner's evidence; a text
    typed by a person has none, and nothing of an earlier alignment stays), ``page`` the scan
    it was read from."""
    new = NewText(part, text, engine, confidence, reading=reading, alignment=alignment)
    (answer,) = answers_set_texts(
        submission=submission, texts=[new], source=source, actor=actor, page=page
    )
    return answer


@dataclasses.dataclass(frozen=True)
class NewText:
    """A part's new text for :func:`answers_set_texts` (see :func:`answer_set_text`)."""

    part: Part
    text: str
    engine: str
    confidence: float | None
    reading: dict | None = None
    alignment: dict[str, Any] | None = None


def answers_set_texts(
    *,
    submission: Submission,
    texts: Sequence[NewText],
    source: str,
    actor: User | None,
    page: Page | None = None,
) -> list[Answer]:
    """:func:`answer_set_text` for several parts of one copy at once, in the same few queries
    whatever their number (a page's reads): the answers in the order of ``texts``."""
    if not texts:
        return []
    parts = [t.part for t in texts]
    if len({p.pk for p in parts}) != len(parts):
        raise ValueError("one new text per part")
    new_text = {t.part.pk: t for t in texts}

    def set_text(answer: Answer) -> Answer:
        t = new_text[answer.part_id]
        answer.answer_text, answer.alignment = t.text, t.alignment or {}
        return answer

    by_part = {
        a.part_id: set_text(a) for a in Answer.objects.filter(submission=submission, part__in=parts)
    }
    changed = list(by_part.values())
    # New answers are created with their text.
    new = [set_text(Answer(submission=submission, part=p)) for p in parts if p.pk not in by_part]
    if new:
        try:
            with transaction.atomic():
                created = Answer.objects.bulk_create(new)
        except IntegrityError:  # another writer created some meanwhile: they get the text too
            Answer.objects.bulk_create(new, ignore_conflicts=True)
            created = [
                set_text(a)
                for a in Answer.objects.filter(submission=submission, part__in=parts)
                if a.part_id not in by_part
            ]
            changed += created
        by_part.update((a.part_id, a) for a in created)
    if changed:
        Answer.objects.bulk_update(changed, ["answer_text", "alignment"])
    answers = [by_part[p.pk] for p in parts]
    Transcription.objects.bulk_create(
        Transcription(
            page=page,
            answer=answer,
            source=source,
            engine=t.engine,
            text=t.text,
            confidence=None if t.confidence is None else max(0.0, min(1.0, t.confidence)),
            reading=t.reading or {},
            created_by=actor,
        )
        for answer, t in zip(answers, texts, strict=True)
    )
    return answers


@transaction.atomic
def answer_correct_text(*, answer: Answer, text: str, actor: User) -> Answer:
    """A TA types what the student wrote; the part is checked again with that text."""
    answer_set_text(
        submission=answer.submission,
        part=answer.part,
        text=text,
        source=Transcription.Source.TYPED,
        engine="",
        confidence=1.0,
        actor=actor,
    )
    submission_check(submission=answer.submission)
    answer.refresh_from_db()
    return answer


def _current_transcriptions(submission: Submission) -> dict[int, tuple[str, float]]:
    """(source, confidence) of each answer's current transcription (the newest)."""
    out: dict[int, tuple[str, float]] = {}
    for answer_id, source, conf in (
        Transcription.objects.filter(answer__submission=submission)
        .order_by("answer_id", "-created_at", "-id")
        .values_list("answer_id", "source", "confidence")
    ):
        out.setdefault(answer_id, (source, 1.0 if conf is None else conf))
    return out


def _distrust_ocr(verdict: Verdict) -> Verdict:
    """Text read by the built-in OCR engine can be confidently wrong (a digit misread). A wrong
    value that no known mistake explains may be a misread, so a person reads it first; a wrong
    value that a typical mistake explains (sign, factor, bias...) is unlikely to be a misread."""
    if verdict.verdict != Outcome.INCORRECT or verdict.diagnosis is not None:
        return verdict
    return dataclasses.replace(
        verdict,
        verdict=Outcome.NEEDS_REVIEW,
        points=None,
        notes=(*verdict.notes, "read by OCR: an unexplained wrong value may be a misread"),
    )


_SPACE_RE = re.compile(r"\s+")


def group_key_of(verdict: Verdict) -> str:
    """Equal answers of a part share this key: the chosen values, normalised."""
    if verdict.verdict == Outcome.BLANK:
        return "(blank)"
    chosen = [t.found.text for t in verdict.targets if t.found is not None]
    if not chosen:
        return ""
    return _SPACE_RE.sub("", " | ".join(chosen)).lower()[:500]


def _expected_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "display": verdict.expected,
        "latex": verdict.expected_latex,
        "steps": [{"text": s.text, "latex": s.latex} for s in verdict.steps],
        "targets": [t.as_dict() for t in verdict.targets],
        "notes": list(verdict.notes),
    }


@transaction.atomic
def submission_check(*, submission: Submission) -> list[Answer]:
    """Check every part of a submission with the exam's current key and store the verdicts.

    Safe to re-run: answers are updated in place; a person's grade is never overwritten.
    """
    from autocheck.check import check_submission

    answer_key = current_answer_key(submission)
    key, expected = key_for(answer_key)
    parts = {p.part_id: p for p in submission.exam.parts.all()}
    existing = {a.part.part_id: a for a in submission.answers.select_related("part")}
    current = _current_transcriptions(submission)
    # On a scanned copy a part whose page was not scanned is not judged (it is not blank):
    # the missing page is reported in the exam's "needs attention" list instead. A copy with
    # no scanned page (typed or imported answers) is judged on every part.
    placed = set(
        submission.pages.filter(status=Page.Status.PLACED).values_list("page_number", flat=True)
    )
    inputs = {
        part_id: _Text(
            a.answer_text, current.get(a.pk, ("", 1.0))[1], (a.alignment or {}).get("review", "")
        )
        for part_id, a in existing.items()
    }
    from_ocr = {
        part_id
        for part_id, a in existing.items()
        if current.get(a.pk, ("", 1.0))[0] == Transcription.Source.OCR
    }
    now = timezone.now()
    stored: list[Answer] = []
    changed: dict[int, str] = {}
    decimal_comma = submission.exam.course.decimal_comma
    for verdict in check_submission(key, inputs, expected=expected, decimal_comma=decimal_comma):
        part = parts.get(verdict.part)
        if part is None:
            continue  # the key has a part the exam structure lacks: key_install keeps them equal
        if (
            placed
            and part.region.get("page")
            and (part.region["page"] not in placed or verdict.part not in existing)
        ):
            continue  # its page is not scanned, or not read yet: judged once it is read
        if verdict.part in from_ocr:
            verdict = _distrust_ocr(verdict)
        entry = inputs.get(verdict.part)
        unread = entry is not None and (
            entry.confidence < LOW_CONFIDENCE
            # The OCR read something with no answer in it ("ZZ" for 22): still written.
            or (verdict.part in from_ocr and bool(entry.text.strip()))
        )
        if verdict.verdict == Outcome.BLANK and unread:
            # Ink was there but nothing could be read: not the same as nothing written. Free
            # text is not transcribed at all (exams.pipeline.reading): a person grades it.
            why = (
                "descriptive: graded by a person from the scan"
                if part.kind == Part.Kind.DESCRIPTIVE
                else "something is written but could not be read"
            )
            verdict = dataclasses.replace(
                verdict, verdict=Outcome.NEEDS_REVIEW, points=None, notes=(*verdict.notes, why)
            )
        answer = existing.get(verdict.part) or Answer.objects.create(
            submission=submission, part=part
        )
        how = _store_verdict(answer, verdict, answer_key, now)
        if how:
            changed[answer.pk] = how
        stored.append(answer)
    hooks.grading().submission_checked(submission=submission, answers=stored, changed=changed)
    return stored


def _outcome(answer: Answer) -> tuple[str, Decimal | None, str]:
    return answer.verdict, answer.suggested_points, answer.final_answer


def _store_verdict(answer: Answer, verdict: Verdict, answer_key: AnswerKey, now: Any) -> str:
    """Store a verdict on its answer; returns how the automatic check changed from the
    answer's previous one ("" for a first check or the same outcome)."""
    before = _outcome(answer) if answer.checked_at is not None else None
    previous_key = answer.checked_with_key_id
    answer.verdict = verdict.verdict
    answer.suggested_points = (
        None if verdict.points is None else Decimal(str(round(verdict.points, 2)))
    )
    answer.final_answer = " | ".join(t.found.text for t in verdict.targets if t.found)[:500]
    answer.group_key = group_key_of(verdict)
    answer.candidates = [c.as_dict() for c in verdict.found]
    answer.expected = _expected_json(verdict)
    answer.diagnosis_code = verdict.diagnosis.code if verdict.diagnosis else ""
    answer.diagnosis = verdict.diagnosis.message if verdict.diagnosis else ""
    answer.confidence = verdict.confidence
    answer.checked_with_key = answer_key
    answer.checked_at = now
    answer.save()
    if before is None or before == _outcome(answer):
        return ""
    old_verdict, old_points, old_final = before
    why = "a new key version" if previous_key != answer_key.pk else "a new reading of the answer"
    text = f"; read now as {answer.final_answer!r}" if answer.final_answer != old_final else ""
    return (
        f"The automatic check changed after this grade ({why}, key version "
        f"{answer_key.version}): it was {old_verdict} ({_points(old_points)}), it is "
        f"{answer.verdict} ({_points(answer.suggested_points)}){text}."
    )


def _points(points: Decimal | None) -> str:
    return "no points" if points is None else f"{points:.2f} points"


class _Text:
    __slots__ = ("confidence", "review", "text")

    def __init__(self, text: str, confidence: float, review: str = "") -> None:
        self.text = text
        self.confidence = confidence
        self.review = review
