"""Writes on answer keys: validate a key, make the exam's question tree match it, store it as
a new version; and the skeleton key of a structure for an instructor to fill in."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams import hooks
from exams.models import AnswerKey, Exam, Part
from exams.pipeline.reconcile import RecheckReport, exam_key_changed, exam_key_installed
from exams.services.structure import PartSpec, QuestionSpec, StructureError, exam_structure_set

if TYPE_CHECKING:
    from autocheck.keys import ExamKey as ExamKeyT
    from autocheck.keys import PartKey as ExamKeyPart
    from autocheck.keys import QuestionKey as ExamKeyQuestion


class AnswerKeyError(ValidationError):
    """An answer key that cannot be installed; ``issues`` are ``"line N: field: message"``."""

    def __init__(self, issues: Sequence[str]) -> None:
        super().__init__(list(issues))
        self.issues = tuple(issues)


def _part_kind(part: ExamKeyPart) -> str:
    from autocheck.keys import PredicateAnswer

    if part.descriptive:
        return Part.Kind.DESCRIPTIVE
    if part.solver is not None:
        return Part.Kind.SOLVER
    if any(isinstance(t.answer, PredicateAnswer) for t in part.targets):
        return Part.Kind.PREDICATE
    return Part.Kind.LITERAL


def parse_answer_key(source: str) -> ExamKeyT:
    """Parse and fully resolve a key (every solver run once), or raise :class:`AnswerKeyError`
    listing every problem with its line and field. Nothing is written."""
    from autocheck.keys import KeyFormatError, parse_key, resolve_expected

    try:
        key = parse_key(source)
        resolve_expected(key)
    except KeyFormatError as exc:
        raise AnswerKeyError([str(issue) for issue in exc.issues]) from exc
    return key


def _default_label(question: ExamKeyQuestion, part: ExamKeyPart) -> str:
    """The printed label of a part whose key gives none: the question's own for its only
    part, else the part's number as printed (``(a)``, ``2.``)."""
    if part.id == question.number or not part.number:
        return (question.label or f"Question {question.number}")[:40]
    return f"({part.number})" if part.number.isalpha() else f"{part.number}."


def _key_questions(exam: Exam, key: ExamKeyT) -> list[QuestionSpec]:
    """The key's question tree as specs. A part the key names anew keeps the region of the
    exam's part it replaces (same question, same printed label: the text's ``4.a`` and the
    key's ``4.conv11`` labelled ``4(a)``), so regions found or drawn survive the key."""
    from exams.scanning.answer_areas import label_key

    keyed = {p.id for p in key.parts()}
    replaced = {
        (p.question.number, label_key(p.question.number, p.label)): p.region
        for p in exam.parts.select_related("question")
        if p.part_id not in keyed and p.region
    }
    questions = []
    for q in key.questions:
        parts = []
        for p in q.parts:
            label = p.label or _default_label(q, p)
            if p.region is not None:
                region: dict | None = {"page": p.region.page, "box": list(p.region.box)}
            else:
                region = replaced.get((q.number, label_key(q.number, label)))
            parts.append(
                PartSpec(
                    part_id=p.id,
                    label=label,
                    max_points=Decimal(str(p.points)),
                    kind=_part_kind(p),
                    region=region,
                )
            )
        questions.append(
            QuestionSpec(
                number=q.number, title=q.title, max_points=Decimal(str(q.points)), parts=parts
            )
        )
    return questions


@dataclass(frozen=True)
class KeyChanges:
    """What installing a key changes in the exam: parts added, removed and changed (points,
    label), and the pages per copy its regions need (``pages_to``; ``pages_from`` now)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    #: Parts whose answer region the key's own replaces (found, or drawn by hand).
    moved: tuple[str, ...] = ()
    pages_from: int = 1
    pages_to: int = 1

    @property
    def structure_changed(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved)

    @property
    def lines(self) -> list[str]:
        """The changes in words, one a line, for the instructor to confirm."""
        out = []
        if self.added:
            out.append(f"Adds {len(self.added)} part(s): {', '.join(self.added)}.")
        if self.removed:
            out.append(f"Removes {len(self.removed)} part(s): {', '.join(self.removed)}.")
        out += [f"Changes {change}." for change in self.changed]
        if self.moved:
            out.append(
                f"Moves the answer regions of {len(self.moved)} part(s) to the key's own: "
                f"{', '.join(self.moved)}."
            )
        if self.pages_to != self.pages_from:
            out.append(
                f"Its answer regions use page {self.pages_to}: the pages per copy go from "
                f"{self.pages_from} to {self.pages_to}."
            )
        return out


def _points_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _changes(exam: Exam, questions: Sequence[QuestionSpec]) -> KeyChanges:
    current = {p.part_id: p for p in exam.parts.select_related("question").order_by("order")}
    asked = {p.part_id: (q, p) for q in questions for p in q.parts}
    changed = []
    for q in questions:
        old = exam.questions.filter(number=q.number).first()
        if old is not None and current and old.max_points != q.max_points:
            changed.append(
                f"question {q.number}: points {_points_text(old.max_points)} -> "
                f"{_points_text(q.max_points)}"
            )
    for part_id, (_, spec) in asked.items():
        part = current.get(part_id)
        if part is None:
            continue
        if part.max_points != spec.max_points:
            changed.append(
                f"part {part_id}: points {_points_text(part.max_points)} -> "
                f"{_points_text(spec.max_points)}"
            )
        if part.label and part.label != spec.label:
            changed.append(f"part {part_id}: label {part.label!r} -> {spec.label!r}")
    pages = [p.region["page"] for _, p in asked.values() if p.region]
    moved = tuple(
        part_id
        for part_id, (_, spec) in asked.items()
        if spec.region and part_id in current and current[part_id].region not in ({}, spec.region)
    )
    return KeyChanges(
        added=tuple(
            f"{part_id} ({spec.label}, {_points_text(spec.max_points)} points)"
            for part_id, (_, spec) in asked.items()
            if current and part_id not in current
        ),
        removed=tuple(part_id for part_id in current if part_id not in asked),
        changed=tuple(changed),
        moved=moved,
        pages_from=exam.pages_per_copy,
        pages_to=max([exam.pages_per_copy, *pages]),
    )


def answer_key_changes(*, exam: Exam, source: str) -> KeyChanges:
    """What installing ``source`` would change in the exam (nothing is written); raises
    :class:`AnswerKeyError` for a key that cannot be installed."""
    return _changes(exam, _key_questions(exam, parse_answer_key(source)))


class KeyNeedsConfirmation(Exception):
    """The key changes the exam's structure or its pages: ``changes`` says how; install it
    again with ``confirmed=True`` to apply them."""

    def __init__(self, changes: KeyChanges) -> None:
        super().__init__(" ".join(changes.lines))
        self.changes = changes


def _beyond_printed(exam: Exam, key: ExamKeyT, questions: Sequence[QuestionSpec]) -> list[str]:
    """Issues for the regions beyond the pages of copies printed already."""
    lines = {p.id: p.line for p in key.parts()}
    return [
        f"line {lines.get(p.part_id, 0)}: part {p.part_id}: region: page {p.region['page']} is "
        f"beyond the {exam.pages_per_copy} page(s) per copy of the printed copies"
        for q in questions
        for p in q.parts
        if p.region and p.region["page"] > exam.pages_per_copy
    ]


def _structure_issues(key: ExamKeyT, exc: StructureError) -> list[str]:
    lines = {p.id: p.line for p in key.parts()}
    lines.update({f"question {q.number}": 0 for q in key.questions})
    return [
        f"line {lines.get(where.removeprefix('part '), 0)}: {where}: {field}: {message}"
        for where, field, message in exc.issues
    ]


@dataclass(frozen=True)
class KeyInstall:
    """What installing a key did: the version stored (or the current one, unchanged), and
    for a new version of an existing key, the parts whose check changed and the copies sent
    to be checked again."""

    answer_key: AnswerKey
    key: ExamKeyT
    created: bool
    parts_changed: frozenset[str] = frozenset()
    recheck: RecheckReport = field(default_factory=RecheckReport)


def answer_key_store(
    *, exam: Exam, source: str, actor: User | None = None, confirmed: bool = True
) -> tuple[AnswerKey, ExamKeyT, bool]:
    """:func:`answer_key_install` as ``(answer_key, parsed, created)``."""
    done = answer_key_install(exam=exam, source=source, actor=actor, confirmed=confirmed)
    return done.answer_key, done.key, done.created


def _previous_key(latest: AnswerKey) -> ExamKeyT | None:
    """The stored version parsed again; None when it no longer parses (a key stored before a
    bound it breaks): then every part counts as changed."""
    from autocheck.keys import KeyFormatError, parse_key

    try:
        return parse_key(latest.source)
    except KeyFormatError:
        return None


@transaction.atomic
def answer_key_install(
    *, exam: Exam, source: str, actor: User | None = None, confirmed: bool = True
) -> KeyInstall:
    """Validate ``source`` as the exam's answer key, make the exam's question tree match it
    and store it as a new version; storing the same text again returns the current version
    unchanged (``created`` False).

    A new version of an existing key sends every copy with a part whose check changed
    (``autocheck.keys.parts_changed``) to be checked again through the pipeline
    (``exams.pipeline.reconcile.exam_key_changed``); a person's grade is never replaced, and
    one whose automatic check changes is marked to be looked at again. The first key has
    the placed pages that waited for it read.

    Unless ``confirmed``, a key that changes the exam's structure (parts added, removed or
    re-pointed) or needs more pages per copy raises :class:`KeyNeedsConfirmation` saying
    how, and changes nothing. Regions beyond the pages of copies already printed are refused.
    All or nothing: a malformed key raises :class:`AnswerKeyError` naming the line, the part
    and the field of every problem, and changes nothing.
    """
    from autocheck.keys import parts_changed

    key = parse_answer_key(source)
    checksum = hashlib.sha256(source.encode()).hexdigest()
    # One install at a time per exam: two at once would both build version 1 and the tree.
    Exam.objects.select_for_update().filter(pk=exam.pk).first()
    latest = AnswerKey.objects.select_for_update().filter(exam=exam).order_by("-version").first()
    if latest is not None and latest.checksum == checksum:
        return KeyInstall(latest, key, False)
    questions = _key_questions(exam, key)
    changes = _changes(exam, questions)
    if changes.pages_to > changes.pages_from and exam.status != Exam.Status.DRAFT:
        raise AnswerKeyError(_beyond_printed(exam, key, questions))
    if not confirmed and (changes.structure_changed or changes.pages_to > changes.pages_from):
        raise KeyNeedsConfirmation(changes)
    if changes.pages_to > exam.pages_per_copy:
        exam.pages_per_copy = changes.pages_to
        exam.save(update_fields=["pages_per_copy"])
    try:
        exam_structure_set(exam=exam, questions=questions)
    except StructureError as exc:
        raise AnswerKeyError(_structure_issues(key, exc)) from exc
    hooks.grading().key_installed(exam=exam, key=key)
    answer_key = AnswerKey.objects.create(
        exam=exam,
        version=(latest.version + 1) if latest else 1,
        source=source,
        checksum=checksum,
        created_by=actor,
    )
    if latest is None:
        # Placed pages wait for a first key to be read (exams.pipeline.reading).
        transaction.on_commit(lambda: exam_key_installed(exam.pk))
        return KeyInstall(answer_key, key, True)
    previous = _previous_key(latest)
    changed = (
        parts_changed(previous, key)
        if previous is not None
        else frozenset(p.id for p in key.parts())
    )
    recheck = exam_key_changed(exam_id=exam.pk, part_ids=changed)
    return KeyInstall(answer_key, key, True, changed, recheck)


def _yaml_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def answer_key_skeleton(
    *,
    exam_id: str,
    title: str,
    questions: Sequence[QuestionSpec],
    labels: Mapping[str, str] | None = None,
    bonus: Collection[str] = (),
) -> str:
    """A starting answer key (docs/answer-keys.md) for a structure: every part
    ``descriptive: ""`` with its points, for the instructor to replace with solver calls or
    literal answers. ``labels`` are the questions' printed labels by number, when known;
    ``bonus`` the numbers of the bonus questions."""
    import yaml

    def printed(number: str) -> int | str:
        return int(number) if number.isdigit() else number

    entries = []
    for q in questions:
        entry: dict = {"number": printed(q.number)}
        if labels and labels.get(q.number):
            entry["label"] = labels[q.number]
        if q.title:
            entry["title"] = q.title
        entry["points"] = _yaml_number(sum((p.max_points for p in q.parts), Decimal(0)))
        if q.number in bonus:
            entry["bonus"] = True
        entry["parts"] = []
        for p in q.parts:
            part: dict = {}
            prefix = f"{q.number}.".lower()
            if p.part_id.lower().startswith(prefix):
                part["number"] = printed(p.part_id[len(prefix) :])
            part.update(label=p.label, points=_yaml_number(p.max_points), descriptive="")
            entry["parts"].append(part)
        entries.append(entry)
    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": exam_id or "exam", "title": title},
        "questions": entries,
    }
    header = (
        f"# Answer key skeleton for {' '.join(title.split())}: every part is graded by a person until you\n"
        '# replace its `descriptive: ""` by a solver call (solver, params, value) or an\n'
        "# answer (see docs/answer-keys.md). Bump key_version when you change an answer.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
