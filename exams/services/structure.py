"""Writes on courses, rosters, exams and submissions.

Keyword-only, typed, atomic; each validates with ``full_clean()`` before saving so a bad value
raises ``ValidationError`` naming the field instead of a database error.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from exams.models import Course, Exam, Part, Question
from gradebook.db import refuse_duplicate

if TYPE_CHECKING:
    from autocheck.structure import ProposedExam as ProposedExamT


#: Added to orders while renumbering, so the (exam, order) unique constraints never clash.
_PARKED = 10_000


def _new_qr_code() -> str:
    while True:
        code = secrets.token_hex(4).upper()
        if not Exam.objects.filter(qr_code=code).exists():
            return code


@transaction.atomic
def exam_create(*, course: Course, title: str, slug: str = "", pages_per_copy: int = 1) -> Exam:
    """Create an exam in draft, with a fresh short code for its QR codes."""
    exam = Exam(
        course=course,
        title=title,
        slug=slug or slugify(title)[:80],
        qr_code=_new_qr_code(),
        pages_per_copy=pages_per_copy,
    )
    exam.full_clean()
    with refuse_duplicate(
        {"slug": f"An exam named {exam.slug!r} was just created in this course."}
    ):
        exam.save()
    return exam


@dataclass(frozen=True)
class PartSpec:
    """One part of an exam's structure, as confirmed by the instructor or read from a key."""

    part_id: str
    label: str
    max_points: Decimal
    kind: str = Part.Kind.DESCRIPTIVE
    region: dict | None = None


@dataclass(frozen=True)
class QuestionSpec:
    number: str
    max_points: Decimal
    parts: Sequence[PartSpec]
    title: str = ""


class StructureError(ValidationError):
    """Questions or parts that cannot be stored; ``issues`` are ``(where, field, message)``
    with ``where`` naming the part (``"part 4.a"``) or the question (``"question 4"``)."""

    def __init__(self, issues: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(
            [f"{where.capitalize()}: {field}: {message}" for where, field, message in issues]
        )
        self.issues = tuple(issues)


def _field_issues(
    instance: Question | Part, where: str, exclude: list[str]
) -> list[tuple[str, str, str]]:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return [
            (where, name, " ".join(m for e in errors for m in e.messages))
            for name, errors in exc.error_dict.items()
        ]
    return []


def _spec_issues(exam: Exam, questions: Sequence[QuestionSpec]) -> list[tuple[str, str, str]]:
    """Every value of ``questions`` the database would refuse, named by part and field."""
    issues = []
    for spec in questions:
        question = Question(
            exam=exam, number=spec.number, title=spec.title, order=0, max_points=spec.max_points
        )
        issues += _field_issues(question, f"question {spec.number}", ["exam"])
        for part_spec in spec.parts:
            part = Part(
                exam=exam,
                part_id=part_spec.part_id,
                label=part_spec.label,
                order=0,
                max_points=part_spec.max_points,
                kind=part_spec.kind,
            )
            where = f"part {part_spec.part_id}"
            issues += _field_issues(part, where, ["exam", "question", "parent", "region"])
    return issues


@transaction.atomic
def exam_structure_set(*, exam: Exam, questions: Sequence[QuestionSpec]) -> list[Part]:
    """Create or update the exam's question tree so it matches ``questions``.

    Questions and parts are matched by their printed numbering, so importing the same
    structure twice updates in place. A part that disappears is deleted only if no answer
    refers to it; otherwise a ``ValidationError`` names it (grades are never dropped). A value
    the database refuses (an empty label, one too long) raises :class:`StructureError`
    naming the part and the field, before anything is written.
    """
    wanted_parts = {p.part_id for q in questions for p in q.parts}
    if len(wanted_parts) != sum(len(q.parts) for q in questions):
        raise ValidationError("Two parts share the same part id.")
    if issues := _spec_issues(exam, questions):
        raise StructureError(issues)
    stale = exam.parts.exclude(part_id__in=wanted_parts)
    answered = list(
        stale.filter(answers__isnull=False).values_list("part_id", flat=True).distinct()
    )
    if answered:
        raise ValidationError(
            f"Parts {', '.join(sorted(answered))} already have answers and cannot be removed."
        )
    stale.delete()
    exam.questions.exclude(number__in=[q.number for q in questions]).delete()
    # Orders are unique per exam: park existing rows out of the way before renumbering.
    exam.questions.update(order=F("order") + _PARKED)
    exam.parts.update(order=F("order") + _PARKED)

    parts: list[Part] = []
    part_order = 0
    for q_order, spec in enumerate(questions):
        question, _ = Question.objects.update_or_create(
            exam=exam,
            number=spec.number,
            defaults={"title": spec.title, "order": q_order, "max_points": spec.max_points},
        )
        for part_spec in spec.parts:
            defaults = {
                "question": question,
                "label": part_spec.label,
                "order": part_order,
                "max_points": part_spec.max_points,
                "kind": part_spec.kind,
            }
            if part_spec.region is not None:
                # Only a structure that says where the answer goes moves it: a region drawn
                # in the browser survives a key re-installed without regions.
                defaults["region"] = part_spec.region
            part, _ = Part.objects.update_or_create(
                exam=exam, part_id=part_spec.part_id, defaults=defaults
            )
            part.full_clean()
            parts.append(part)
            part_order += 1
    return parts


# --- Answer regions -------------------------------------------------------------------------

#: A printed copy is at most this many pages (the QR code allows 999; no exam comes close).
MAX_PAGES_PER_COPY = 60


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _region_value(value: object, pages: int) -> dict:
    """``{"page": n, "box": [x0, y0, x1, y1]}`` checked and rounded, ``{}`` for "no region";
    raises ``ValueError`` saying what is wrong."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, Mapping) or set(value) != {"page", "box"}:
        raise ValueError('give {"page": n, "box": [x0, y0, x1, y1]} or null')
    page, box = value["page"], value["box"]
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= pages:
        raise ValueError(f"page must be a whole number from 1 to {pages}")
    if not isinstance(box, list | tuple) or len(box) != 4 or not all(map(_is_number, box)):
        raise ValueError("box must be four numbers [x0, y0, x1, y1]")
    if not all(math.isfinite(v) for v in box):
        raise ValueError("box must be four finite numbers")
    x0, y0, x1, y1 = (round(float(v), 4) for v in box)
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError(
            "box must lie on the page: 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 "
            f"(got [{x0}, {y0}, {x1}, {y1}])"
        )
    return {"page": page, "box": [x0, y0, x1, y1]}


@transaction.atomic
def part_regions_set(
    *, exam: Exam, regions: Mapping[str, object], pages_per_copy: int | None = None
) -> list[Part]:
    """Set where each part's answer is written on the copy, and the copy's number of pages.

    ``regions`` maps part ids to ``{"page": n, "box": [x0, y0, x1, y1]}`` in page-normalised
    coordinates (y downwards), or to ``None`` / ``{}`` to clear a part's region; parts not
    named keep theirs. ``pages_per_copy`` (``None``: unchanged) bounds every page, including
    those of the regions left as they are. All or nothing: unknown part ids, a box off the
    page or a page beyond the copy raise one ``ValidationError`` listing every problem, and
    nothing is saved. Returns the parts whose region was set.
    """
    pages = exam.pages_per_copy if pages_per_copy is None else pages_per_copy
    if (
        not isinstance(pages, int)
        or isinstance(pages, bool)
        or not 1 <= pages <= MAX_PAGES_PER_COPY
    ):
        raise ValidationError(
            {"pages_per_copy": f"Pages per copy must be from 1 to {MAX_PAGES_PER_COPY}."}
        )
    parts = {part.part_id: part for part in exam.parts.select_for_update().order_by("order")}
    issues: list[str] = []
    unknown = sorted(str(part_id) for part_id in regions if part_id not in parts)
    if unknown:
        issues.append(f"Unknown part ids: {', '.join(unknown)}.")
    cleaned: dict[str, dict] = {}
    for part_id, value in regions.items():
        if part_id in parts:
            try:
                cleaned[part_id] = _region_value(value, pages)
            except ValueError as exc:
                issues.append(f"Part {part_id}: {exc}.")
    for part_id, part in parts.items():
        page = (part.region or {}).get("page")
        if part_id not in cleaned and isinstance(page, int) and page > pages:
            issues.append(f"Part {part_id} is on page {page}, beyond the {pages} of the copy.")
    if issues:
        raise ValidationError(issues)
    if exam.pages_per_copy != pages:
        exam.pages_per_copy = pages
        exam.full_clean()
        exam.save(update_fields=["pages_per_copy"])
    changed = []
    for part_id, region in cleaned.items():
        part = parts[part_id]
        part.region = region
        part.full_clean()
        part.save(update_fields=["region"])
        changed.append(part)
    return changed


# --- An exam's structure from its text ------------------------------------------------------


def _points(raw: object) -> Decimal | None:
    """Points as typed, or ``None`` unless a number from 0 with at most two decimals."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value < 100_000:
        return None
    return value if value == value.quantize(Decimal("0.01")) else None


def exam_structure_from_proposal(
    proposed: ProposedExamT, *, points: Mapping[str, object] | None = None
) -> list[QuestionSpec]:
    """Question specs for :func:`exam_create_from_structure` from a proposed tree.

    ``points`` overrides the printed points per part id (the instructor's edits, as typed);
    a question is worth the sum of its parts. Every part is descriptive (graded by a person)
    until an answer key says otherwise. A part without points, or with points that are not a
    non-negative number, raises a ``ValidationError`` naming it.
    """
    points = points or {}
    missing: list[str] = []
    questions = []
    for question in proposed.questions:
        parts = []
        for part in question.parts:
            raw = points.get(part.part_id, part.points)
            value = None if raw is None or str(raw).strip() == "" else _points(raw)
            if value is None:
                missing.append(part.part_id)
                continue
            parts.append(
                PartSpec(
                    part_id=part.part_id,
                    label=(part.label or part.part_id)[:40],
                    max_points=value,
                )
            )
        questions.append(
            QuestionSpec(
                number=question.number,
                title=question.title[:200],
                max_points=sum((p.max_points for p in parts), Decimal(0)),
                parts=parts,
            )
        )
    if missing:
        raise ValidationError(
            f"Give points (a number, 0 or more) for part{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}."
        )
    return questions


def _free_slug(course: Course, title: str) -> str:
    base = slugify(title)[:72] or "exam"
    taken = set(course.exams.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def exam_create_from_structure(
    *,
    course: Course,
    title: str,
    questions: Sequence[QuestionSpec],
    pages_per_copy: int = 1,
    printed_text: str = "",
    actor: User | None = None,
) -> Exam:
    """Create a draft exam and its question tree in one transaction (both or neither); the
    ``printed_text`` it was proposed from becomes its printed text (version 1).

    The slug is the title's, made unique in the course. No title, pages per copy outside
    1..``MAX_PAGES_PER_COPY``, an empty structure, two questions with the same number or two
    parts with the same id raise ``ValidationError``.
    """
    if not title.strip():
        raise ValidationError({"title": "Give the exam a title."})
    if not 1 <= pages_per_copy <= MAX_PAGES_PER_COPY:
        raise ValidationError(
            {"pages_per_copy": f"Pages per copy must be from 1 to {MAX_PAGES_PER_COPY}."}
        )
    if not any(q.parts for q in questions):
        raise ValidationError("The structure has no parts: there is nothing to grade.")
    numbers = [q.number for q in questions]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValidationError(f"Question {', '.join(repeated)} appears more than once.")
    exam = exam_create(
        course=course,
        title=title.strip(),
        slug=_free_slug(course, title),
        pages_per_copy=pages_per_copy,
    )
    exam_structure_set(exam=exam, questions=[q for q in questions if q.parts])
    if printed_text:
        from exams.models import PrintedExam
        from exams.services.printed import printed_exam_store

        # The text the exam was created from is its printed text, until a better one comes.
        with contextlib.suppress(ValidationError):
            printed_exam_store(
                exam=exam, text=printed_text, source=PrintedExam.Source.CREATED_FROM, actor=actor
            )
    return exam
