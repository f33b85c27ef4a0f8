"""Writes on answer keys: validate a key, make the exam's question tree match it, store it as
a new version; and the skeleton key of a structure for an instructor to fill in."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from exams import hooks
from exams.models import AnswerKey, Exam, Part
from exams.pipeline.reconcile import exam_key_installed
from exams.services.structure import PartSpec, QuestionSpec, exam_structure_set

if TYPE_CHECKING:
    from autocheck.keys import ExamKey as ExamKeyT
    from autocheck.keys import PartKey as ExamKeyPart


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


@transaction.atomic
def answer_key_store(
    *, exam: Exam, source: str, actor: User | None = None
) -> tuple[AnswerKey, ExamKeyT, bool]:
    """Validate ``source`` as the exam's answer key, make the exam's question tree match it
    and store it as a new version. Returns ``(answer_key, parsed, created)``; storing the same
    text again returns the current version unchanged (``created`` False).

    All or nothing: a malformed key raises :class:`AnswerKeyError` and changes nothing.
    """
    key = parse_answer_key(source)
    checksum = hashlib.sha256(source.encode()).hexdigest()
    # One install at a time per exam: two at once would both build version 1 and the tree.
    Exam.objects.select_for_update().filter(pk=exam.pk).first()
    latest = AnswerKey.objects.select_for_update().filter(exam=exam).order_by("-version").first()
    if latest is not None and latest.checksum == checksum:
        return latest, key, False
    exam_structure_set(
        exam=exam,
        questions=[
            QuestionSpec(
                number=q.number,
                title=q.title,
                max_points=Decimal(str(q.points)),
                parts=[
                    PartSpec(
                        part_id=p.id,
                        label=p.label,
                        max_points=Decimal(str(p.points)),
                        kind=_part_kind(p),
                        region=(
                            None
                            if p.region is None
                            else {"page": p.region.page, "box": list(p.region.box)}
                        ),
                    )
                    for p in q.parts
                ],
            )
            for q in key.questions
        ],
    )
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
    return answer_key, key, True


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
