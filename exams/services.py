"""Writes on courses, rosters, exams and submissions.

Keyword-only, typed, atomic; each validates with ``full_clean()`` before saving so a bad value
raises ``ValidationError`` naming the field instead of a database error.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from exams.models import AnswerKey, Course, Enrollment, Exam, Part, Question, Role, Submission
from gradebook.db import refuse_duplicate

if TYPE_CHECKING:
    from autocheck.keys import ExamKey as ExamKeyT
    from autocheck.keys import PartKey as ExamKeyPart
    from autocheck.structure import ProposedExam as ProposedExamT


#: Added to orders while renumbering, so the (exam, order) unique constraints never clash.
_PARKED = 10_000


@transaction.atomic
def course_create(
    *,
    code: str,
    title: str,
    term: str,
    instructor: User | None = None,
    decimal_sign: str = Course.DecimalSign.UNSET,
) -> Course:
    """Create a course; the creating user, if any, becomes its instructor. ``decimal_sign``
    is how its students write decimals (``Course.DecimalSign``)."""
    course = Course(code=code, title=title, term=term, decimal_sign=decimal_sign)
    course.full_clean()
    with refuse_duplicate(f"The course {code} ({term}) was just created."):
        course.save()
    if instructor is not None:
        enrollment_add(course=course, user=instructor, role=Role.INSTRUCTOR)
    return course


@transaction.atomic
def enrollment_add(
    *, course: Course, user: User, role: str, student_number: str = ""
) -> Enrollment:
    """Enroll a user, or update their role and student number if already enrolled."""
    enrollment = Enrollment.objects.filter(course=course, user=user).first()
    if enrollment is None:
        enrollment = Enrollment(course=course, user=user)
    enrollment.role = role
    enrollment.student_number = student_number.strip()
    enrollment.full_clean(validate_constraints=True)
    with refuse_duplicate("This person or student number was just enrolled; reload the roster."):
        enrollment.save()
    return enrollment


@transaction.atomic
def student_enroll(*, course: Course, name: str, email: str, student_number: str) -> Enrollment:
    """Add a roster entry: finds or creates the student's account by email (with an unusable
    password until they set one) and enrolls them."""
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": "An email address is required."})
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _, last = name.strip().partition(" ")
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.full_clean()
        with refuse_duplicate({"email": f"{email} was just added; reload the roster."}):
            user.save()
    return enrollment_add(
        course=course, user=user, role=Role.STUDENT, student_number=student_number
    )


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


@transaction.atomic
def exam_structure_set(*, exam: Exam, questions: Sequence[QuestionSpec]) -> list[Part]:
    """Create or update the exam's question tree so it matches ``questions``.

    Questions and parts are matched by their printed numbering, so importing the same
    structure twice updates in place. A part that disappears is deleted only if no answer
    refers to it; otherwise a ``ValidationError`` names it (grades are never dropped).
    """
    wanted_parts = {p.part_id for q in questions for p in q.parts}
    if len(wanted_parts) != sum(len(q.parts) for q in questions):
        raise ValidationError("Two parts share the same part id.")
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


@transaction.atomic
def submission_ensure(*, exam: Exam, copy_number: int) -> Submission:
    """The submission for a printed copy, created on first sight (idempotent)."""
    submission, _ = Submission.objects.get_or_create(exam=exam, copy_number=copy_number)
    return submission


@transaction.atomic
def submission_identify(
    *, submission: Submission, student: Enrollment, identified_by: str
) -> Submission:
    """Attach a copy to a student of the exam's course. A student has one copy per exam."""
    if student.course_id != submission.exam.course_id or student.role != Role.STUDENT:
        raise ValidationError({"student": "Not a student of this exam's course."})
    clash = (
        Submission.objects.filter(exam=submission.exam, student=student)
        .exclude(pk=submission.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"student": f"Already matched to copy {clash.copy_number} of this exam."}
        )
    submission.student = student
    submission.identified_by = identified_by
    submission.full_clean()
    # Two copies matched to the same student at the same moment: one wins.
    with refuse_duplicate({"student": "Already matched to another copy of this exam."}):
        submission.save(update_fields=["student", "identified_by"])
    return submission


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
    import hashlib

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
    from grading.services import rubric_items_from_key

    rubric_items_from_key(exam=exam, key=key)
    answer_key = AnswerKey.objects.create(
        exam=exam,
        version=(latest.version + 1) if latest else 1,
        source=source,
        checksum=checksum,
        created_by=actor,
    )
    if latest is None:
        # Placed pages wait for a first key to be read (exams.transcribe).
        from exams.reconcile import exam_key_installed

        transaction.on_commit(lambda: exam_key_installed(exam.pk))
    return answer_key, key, True


def answer_key_current(exam: Exam) -> AnswerKey | None:
    """The exam's newest answer key version, if any."""
    return exam.answer_keys.order_by("-version").first()


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
        from exams.printed import printed_exam_store

        # The text the exam was created from is its printed text, until a better one comes.
        with contextlib.suppress(ValidationError):
            printed_exam_store(
                exam=exam, text=printed_text, source=PrintedExam.Source.CREATED_FROM, actor=actor
            )
    return exam


def exam_structure(exam: Exam) -> list[QuestionSpec]:
    """The exam's current question tree as specs (a read: for the key skeleton)."""
    parts_by_question: dict[int, list[PartSpec]] = {}
    for part in exam.parts.order_by("order"):
        parts_by_question.setdefault(part.question_id, []).append(
            PartSpec(part.part_id, part.label, part.max_points, part.kind, part.region or None)
        )
    return [
        QuestionSpec(q.number, q.max_points, parts_by_question.get(q.pk, []), q.title)
        for q in exam.questions.order_by("order")
    ]


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
