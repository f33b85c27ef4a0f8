"""Reads with access control: every view fetches through these.

A user sees only the courses they are enrolled in; a student sees only their own submission,
and only once the exam's grades are published. Anything else is a 404, never a 403, so ids
cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404

from exams.models import (
    STAFF_ROLES,
    Answer,
    AnswerKey,
    Course,
    Enrollment,
    Exam,
    Page,
    Part,
    Role,
    ScanBatch,
    Submission,
    Transcription,
)
from exams.pipeline import steps
from exams.services.structure import PartSpec, QuestionSpec

AnyUser = User | AnonymousUser


def courses_for_user(user: AnyUser) -> QuerySet[Course]:
    """Courses the user is enrolled in (in any role), newest first."""
    if not user.is_authenticated:
        return Course.objects.none()
    return Course.objects.filter(enrollments__user=user).distinct()


def enrollment_for(user: AnyUser, course: Course | int) -> Enrollment | None:
    """The user's enrollment in the course, or None."""
    if not user.is_authenticated:
        return None
    course_id = course if isinstance(course, int) else course.pk
    return Enrollment.objects.filter(user=user, course_id=course_id).first()


def _require_role(enrollment: Enrollment | None, roles: Iterable[str] | None) -> Enrollment:
    if enrollment is None:
        raise Http404("No such course")
    if roles is not None and enrollment.role not in set(roles):
        raise Http404("No such page")
    return enrollment


def get_course_for_user(
    user: AnyUser, course_id: int, *, roles: Iterable[str] | None = None
) -> tuple[Course, Enrollment]:
    """The course and the user's enrollment in it; 404 unless enrolled with one of ``roles``."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course")
    return course, _require_role(enrollment_for(user, course), roles)


def get_exam_for_user(
    user: AnyUser, exam_id: int, *, roles: Iterable[str] | None = None
) -> tuple[Exam, Enrollment]:
    """The exam and the user's enrollment in its course; 404 unless allowed."""
    exam = Exam.objects.select_related("course").filter(pk=exam_id).first()
    if exam is None:
        raise Http404("No such exam")
    return exam, _require_role(enrollment_for(user, exam.course_id), roles)


def get_exam_for_staff(user: AnyUser, exam_id: int) -> tuple[Exam, Enrollment]:
    """The exam, for its course's instructors and TAs only."""
    return get_exam_for_user(user, exam_id, roles=STAFF_ROLES)


def _staff_or_owner_after_publication(
    enrollment: Enrollment, *, student_id: int | None, exam: Exam
) -> bool:
    """The rule for a copy and everything in it: the course's staff always; the student who
    wrote it once the exam's grades are published; nobody else."""
    if enrollment.role in STAFF_ROLES:
        return True
    return student_id is not None and student_id == enrollment.pk and exam.is_published


def get_submission_for_user(user: AnyUser, submission_id: int) -> tuple[Submission, Enrollment]:
    """A submission for the course's staff, or for the student who wrote it once the exam's
    grades are published. Everyone else gets 404."""
    submission = (
        Submission.objects.select_related("exam__course", "student__user")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise Http404("No such submission")
    enrollment = _require_role(enrollment_for(user, submission.exam.course_id), None)
    if _staff_or_owner_after_publication(
        enrollment, student_id=submission.student_id, exam=submission.exam
    ):
        return submission, enrollment
    raise Http404("No such submission")


def get_page_for_user(user: AnyUser, page_id: int) -> Page:
    """A scanned page: for staff of its exam's course, whatever its status; for a student,
    only the accepted scan of their own copy (``PLACED``) after publication. A conflicting
    scan at their copy's position, a duplicate or a discarded one may be someone else's
    sheet: staff only."""
    page = Page.objects.select_related("batch__exam", "submission").filter(pk=page_id).first()
    if page is None:
        raise Http404("No such page")
    enrollment = _require_role(enrollment_for(user, page.batch.exam.course_id), None)
    if enrollment.role in STAFF_ROLES:
        return page
    student_id = page.submission.student_id if page.submission is not None else None
    if page.status == Page.Status.PLACED and _staff_or_owner_after_publication(
        enrollment, student_id=student_id, exam=page.batch.exam
    ):
        return page
    raise Http404("No such page")


def submission_for_student(exam: Exam, enrollment: Enrollment) -> Submission | None:
    """The student's own submission of a published exam, else None."""
    if enrollment.role != Role.STUDENT or not exam.is_published:
        return None
    return Submission.objects.filter(exam=exam, student=enrollment).first()


def exam_submissions(exam: Exam) -> QuerySet[Submission]:
    """An exam's submissions with their students, for staff tables."""
    return exam.submissions.select_related("student__user").order_by("copy_number")


#: The exam page's filter of copies by status: value -> label.
COPY_STATUSES = {
    "all": "All copies",
    "todo": "With answers to grade",
    "done": "Nothing left to grade",
    "unidentified": "Not identified",
}


def exam_submissions_matching(
    exam: Exam, *, query: str, status: str, to_grade: QuerySet, names: bool = True
) -> QuerySet[Submission]:
    """The exam's copies for the exam page's filter, in copy order, each annotated with
    ``has_to_grade``. ``query``: every word must match the copy number, or the student's
    number, username, first or last name (a part of it); ``status``: a key of
    :data:`COPY_STATUSES`; ``to_grade``: the ids of the copies with an answer a person must
    still grade (a subquery, from the grading app). Without ``names`` (anonymous grading:
    the user must not tell whose a copy is) words match the copy number only."""
    copies = exam_submissions(exam).annotate(
        has_to_grade=Case(
            When(pk__in=to_grade, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    for word in query.split()[:8]:
        match = Q(pk__in=[])
        if names:
            match = (
                Q(student__student_number__icontains=word)
                | Q(student__user__username__icontains=word)
                | Q(student__user__first_name__icontains=word)
                | Q(student__user__last_name__icontains=word)
            )
        if word.isascii() and word.isdigit() and len(word) <= 9:
            match |= Q(copy_number=int(word))
        copies = copies.filter(match)
    if status == "todo":
        copies = copies.filter(pk__in=to_grade)
    elif status == "done":
        copies = copies.exclude(pk__in=to_grade)
    elif status == "unidentified":
        copies = copies.filter(student__isnull=True)
    return copies


def exam_scan_batches(exam: Exam) -> QuerySet[ScanBatch]:
    return exam.scan_batches.order_by("-created_at")


def get_part_for_user(
    user: AnyUser, part_id: int, *, roles: Iterable[str] | None = STAFF_ROLES
) -> tuple[Part, Enrollment]:
    """A part of an exam, for its course's staff (by default); 404 otherwise."""
    part = Part.objects.select_related("exam__course", "question").filter(pk=part_id).first()
    if part is None:
        raise Http404("No such part")
    return part, _require_role(enrollment_for(user, part.exam.course_id), roles)


def get_answer_for_user(user: AnyUser, answer_id: int) -> tuple[Answer, Enrollment]:
    """An answer for its course's staff, or for the student who wrote it once the exam's
    grades are published (the same rule as :func:`get_submission_for_user`)."""
    answer = (
        Answer.objects.select_related("part__exam__course", "submission__student")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        raise Http404("No such answer")
    enrollment = _require_role(enrollment_for(user, answer.part.exam.course_id), None)
    if _staff_or_owner_after_publication(
        enrollment, student_id=answer.submission.student_id, exam=answer.part.exam
    ):
        return answer, enrollment
    raise Http404("No such answer")


def get_page_for_staff(user: AnyUser, page_id: int, *, roles: Iterable[str] = STAFF_ROLES) -> Page:
    """A scanned page for its exam's staff only (the "needs attention" actions)."""
    page = Page.objects.select_related("batch__exam__course").filter(pk=page_id).first()
    if page is None:
        raise Http404("No such page")
    _require_role(enrollment_for(user, page.batch.exam.course_id), roles)
    return page


def get_batch_for_staff(
    user: AnyUser, batch_id: int, *, roles: Iterable[str] = STAFF_ROLES
) -> ScanBatch:
    """A scan batch for its exam's staff only (the upload progress endpoint)."""
    batch = ScanBatch.objects.select_related("exam").filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such batch")
    _require_role(enrollment_for(user, batch.exam.course_id), roles)
    return batch


def course_roster(course: Course) -> QuerySet[Enrollment]:
    """The course's students with their accounts, by name."""
    return (
        course.enrollments.filter(role=Role.STUDENT)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "student_number")
    )


def submission_pages(submission: Submission) -> list[Page]:
    """The copy's placed pages in page order."""
    return list(
        submission.pages.filter(status=Page.Status.PLACED)
        .select_related("batch")
        .order_by("page_number")
    )


def submission_missing_pages(submission: Submission) -> list[int]:
    """The copy's page numbers with no placed scan, once at least one of its pages is placed
    (a copy typed in or imported has no scan to miss)."""
    placed = set(
        submission.pages.filter(status=Page.Status.PLACED).values_list("page_number", flat=True)
    )
    if not placed:
        return []
    return [n for n in range(1, submission.exam.pages_per_copy + 1) if n not in placed]


def answer_region_page(answer: Answer) -> Page | None:
    """The placed scan of the page that holds the answer's region, if any."""
    page_number = (answer.part.region or {}).get("page")
    if not page_number:
        return None
    return (
        Page.objects.filter(
            submission_id=answer.submission_id,
            page_number=page_number,
            status=Page.Status.PLACED,
        )
        .exclude(image="")
        .first()
    )


def exam_batches_in_progress(exam: Exam, *, recent_seconds: int) -> QuerySet[ScanBatch]:
    """The exam's batches still running, and those created in the last ``recent_seconds``."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    recent = timezone.now() - timedelta(seconds=recent_seconds)
    return exam_scan_batches(exam).filter(
        ~Q(status__in=[ScanBatch.Status.DONE, ScanBatch.Status.FAILED]) | Q(created_at__gte=recent)
    )


@dataclass(frozen=True)
class BatchProgress:
    """A scan batch with its pages by what is left to do: what the scans page shows."""

    batch: ScanBatch
    counts: steps.PageCounts

    @property
    def stopped(self) -> bool:
        """Something of it stopped after its attempts and waits for a person."""
        return self.batch.gave_up_at is not None or self.counts.stopped > 0

    @property
    def finished(self) -> bool:
        return self.batch.status in (ScanBatch.Status.DONE, ScanBatch.Status.FAILED)

    @property
    def settled(self) -> bool:
        """Nothing will move without a person: the upload page stops polling it."""
        batch = self.batch
        return self.finished or batch.status == ScanBatch.Status.WAITING or bool(batch.gave_up_at)

    @property
    def resumable(self) -> bool:
        """Resuming may move it on: unfinished, or failed with its file stored."""
        batch = self.batch
        return batch.status in steps.UNFINISHED_BATCH or (
            batch.status == ScanBatch.Status.FAILED and bool(batch.file)
        )

    @property
    def detail(self) -> str:
        """What is left to do, in words ("12 to read · 2 stopped")."""
        batch, c = self.batch, self.counts
        if batch.gave_up_at is not None:
            return f"stopped after {batch.attempts} attempts: {batch.last_error or 'no result'}"
        if batch.status == ScanBatch.Status.UPLOADED:
            return f"waiting for a worker ({batch.last_error})" if batch.last_error else ""
        if batch.status == ScanBatch.Status.SPLITTING:
            return f"{c.total} pages split so far"
        if batch.status == ScanBatch.Status.FAILED:
            return ""
        parts = [
            f"{c.to_place} to place" if c.to_place else "",
            f"{c.to_read} to read" if c.to_read else "",
            f"{c.to_check} to check" if c.to_check else "",
            f"{c.stopped} stopped" if c.stopped else "",
            f"{c.waiting_for_key} waiting for the answer key" if c.waiting_for_key else "",
        ]
        return " · ".join(p for p in parts if p)


def batches_progress(batches: Iterable[ScanBatch]) -> list[BatchProgress]:
    """Each batch with its page counts (one query for all)."""
    batches = list(batches)
    counts = steps.page_counts(b.pk for b in batches)
    return [BatchProgress(b, counts[b.pk]) for b in batches]


def stopped_pages(exam: Exam, *, limit: int = 200) -> list[Page]:
    """Pages of the exam whose step stopped after its attempts, with their last error."""
    return list(
        Page.objects.filter(batch__exam=exam, stage__in=steps.OPEN_STAGES, gave_up_at__isnull=False)
        .select_related("batch")
        .order_by("batch__created_at", "index_in_batch")[:limit]
    )


def course_student(course_id: int, enrollment_id: int) -> Enrollment | None:
    """A student enrollment of the course by id, or None (another course's id is None too)."""
    return (
        Enrollment.objects.filter(pk=enrollment_id, course_id=course_id, role=Role.STUDENT)
        .select_related("user")
        .first()
    )


@dataclass(frozen=True)
class ReadSegment:
    """A stretch of a copy's transcription: read as the student's writing for ``part`` (with
    a colour index), or not (``part`` empty: printed text, a cover page)."""

    text: str
    part: str = ""
    color: int = 0


@dataclass(frozen=True)
class PartReading:
    """How one part's answer was found: the aligner's method, the evidence in words and, when
    a person must read it, why."""

    part: str
    color: int
    method: str
    review: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class CopyReading:
    """A copy's whole transcription cut into segments for highlighting, and per part how its
    answer was read; ``printed_version`` is the printed text it was aligned with."""

    segments: tuple[ReadSegment, ...]
    parts: tuple[PartReading, ...]
    printed_version: int | None
    review: str


def copy_reading(submission: Submission) -> CopyReading | None:
    """What was read as the student's writing for each part, in the copy's newest whole
    transcription (``None`` when the copy was never transcribed as a whole)."""
    whole = (
        Transcription.objects.filter(submission=submission, answer__isnull=True, page__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if whole is None:
        return None
    answers = [
        a
        for a in submission.answers.select_related("part").order_by("part__order")
        if (a.alignment or {}).get("transcription") == whole.pk
    ]
    colors = {a.part.part_id: k % 6 for k, a in enumerate(answers)}
    spans = sorted(
        (int(s["start"]), int(s["end"]), a.part.part_id)
        for a in answers
        for s in a.alignment.get("spans", [])
    )
    segments: list[ReadSegment] = []
    pos = 0
    for start, end, part in spans:
        if start < pos or end > len(whole.text):
            continue  # overlapping or stale: shown once
        if start > pos:
            segments.append(ReadSegment(whole.text[pos:start]))
        segments.append(ReadSegment(whole.text[start:end], part, colors[part]))
        pos = end
    segments.append(ReadSegment(whole.text[pos:]))
    parts = tuple(
        PartReading(
            a.part.part_id,
            colors[a.part.part_id],
            a.alignment.get("method", ""),
            a.alignment.get("review", ""),
            tuple(a.alignment.get("evidence", [])),
        )
        for a in answers
    )
    printed = next((a.alignment.get("printed_version") for a in answers), None)
    review = next((a.alignment.get("copy_review", "") for a in answers if a.alignment), "")
    return CopyReading(tuple(s for s in segments if s.text), parts, printed, review)


# --- An exam's key, structure and missing pages -------------------------------------------


def answer_key_current(exam: Exam) -> AnswerKey | None:
    """The exam's newest answer key version, if any."""
    return exam.answer_keys.order_by("-version").first()


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


def missing_pages(exam: Exam) -> dict[int, list[int]]:
    """Copy number -> page numbers with no placed scan, for copies that have at least one."""
    placed: dict[int, set[int]] = {}
    for copy, number in Page.objects.filter(
        submission__exam=exam, status=Page.Status.PLACED
    ).values_list("submission__copy_number", "page_number"):
        if copy is not None and number is not None:  # always, on a placed page
            placed.setdefault(copy, set()).add(number)
    expected = set(range(1, exam.pages_per_copy + 1))
    return {copy: sorted(expected - got) for copy, got in sorted(placed.items()) if expected - got}


def names_hidden(exam: Exam, enrollment: Enrollment) -> bool:
    """Whether students' names and numbers are hidden from this person on the exam's pages:
    for TAs, while the exam is graded anonymously and not published yet."""
    return exam.anonymous_grading and not exam.is_published and enrollment.role == Role.TA


# --- Courses and exams by name (the command line) ---------------------------------------------


class NotFound(LookupError):
    """No course or exam by that name, or more than one: the message says which exist."""


def course_by_code(code: str, term: str = "") -> Course:
    """The course with this code (and term, when given); a code alone must name one course.
    A number is also taken as the course's id."""
    courses = Course.objects.filter(code__iexact=code.strip())
    if term:
        courses = courses.filter(term__iexact=term.strip())
    found = list(courses[:10])
    if not found and code.strip().isdigit():
        found = list(Course.objects.filter(pk=int(code))[:1])
    if len(found) == 1:
        return found[0]
    if found:
        terms = ", ".join(repr(c.term) for c in found)
        raise NotFound(f"{len(found)} courses are named {code}: give --term ({terms}).")
    known = ", ".join(f"{c.code} ({c.term})" for c in Course.objects.all()[:20]) or "none yet"
    raise NotFound(f"no course {code}{f' ({term})' if term else ''} (courses: {known})")


def exam_by_name(name: str, course: Course | None = None) -> Exam:
    """The exam named by its slug, its title or its id, in ``course`` when given; a name
    that fits several exams (in several courses) is refused with the candidates."""
    exams = Exam.objects.select_related("course")
    if course is not None:
        exams = exams.filter(course=course)
    name = name.strip()
    for query in (
        {"slug": name},
        {"title__iexact": name},
        {"pk": int(name)} if name.isdigit() else None,
    ):
        if query is None:
            continue
        found = list(exams.filter(**query)[:10])
        if len(found) == 1:
            return found[0]
        if found:
            where = ", ".join(f"{e.slug} in {e.course}" for e in found)
            raise NotFound(f"{len(found)} exams are named {name!r} ({where}): give --course.")
    known = ", ".join(f"{e.slug} ({e.course.code})" for e in exams[:20]) or "none yet"
    raise NotFound(f"no exam {name!r}{f' in {course}' if course else ''} (exams: {known})")


def batch_page_counts(batch_ids: Iterable[int]) -> dict[str, int]:
    """The pages of these batches by status (placed, duplicate, needs_attention...), every
    status present with 0 when it has no page."""
    from django.db.models import Count

    counts = dict.fromkeys(Page.Status.values, 0)
    rows = (
        Page.objects.filter(batch_id__in=list(batch_ids))
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts
