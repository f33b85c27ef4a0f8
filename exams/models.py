"""Courses, rosters, exams and their question trees, answer keys, scans, pages, submissions,
transcriptions and answers.

Models hold data only. Statuses are ``TextChoices``; unique constraints make every re-run of
the pipeline update a row rather than add a duplicate. Writes go through ``exams.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from autocheck.outcome import Outcome


class Role(models.TextChoices):
    INSTRUCTOR = "instructor", "Instructor"
    TA = "ta", "Teaching assistant"
    STUDENT = "student", "Student"


STAFF_ROLES = (Role.INSTRUCTOR, Role.TA)


class Course(models.Model):
    class DecimalSign(models.TextChoices):
        """How the course's students write decimals: it decides whether ``1,204`` is 1204 or
        1.204. Unset, an answer that reads both ways and is right one way goes to a person."""

        UNSET = "", "Not set: an ambiguous 1,204 goes to a person"
        POINT = ".", "Decimal point (1.5; 1,204 is 1204)"
        COMMA = ",", "Decimal comma (1,5; 1,204 is 1.204)"

    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    term = models.CharField(max_length=40, help_text="e.g. 2026 Fall")
    decimal_sign = models.CharField(
        max_length=1, choices=DecimalSign.choices, blank=True, default=DecimalSign.UNSET
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "term"], name="course_code_term_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.term})"

    @property
    def decimal_comma(self) -> bool | None:
        """The auto-checker's setting: True (comma), False (point) or None (unset)."""
        return {self.DecimalSign.POINT: False, self.DecimalSign.COMMA: True}.get(
            self.DecimalSign(self.decimal_sign)
        )


class Enrollment(models.Model):
    """A user's role in a course; for students, also their roster entry."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    student_number = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], name="enrollment_course_user_unique"
            ),
            models.UniqueConstraint(
                fields=["course", "student_number"],
                condition=~Q(student_number=""),
                name="enrollment_student_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="enrollment_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.course}"


class Exam(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PRINTED = "printed", "Copies printed"
        GRADING = "grading", "Grading"
        PUBLISHED = "published", "Grades published"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="exams")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    #: Short code printed in every QR code of the exam's copies.
    qr_code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    pages_per_copy = models.PositiveSmallIntegerField(default=1)
    #: Students' names hidden from TAs until the grades are published.
    anonymous_grading = models.BooleanField(default=False)
    #: The highest copy number printed (copies are numbered 1, 2, ... across printings): a
    #: page placed by hand goes on a printed copy, never on a number typed by mistake.
    copies_printed = models.PositiveIntegerField(default=0)
    #: The blank exam as the instructor wrote it (PDF); empty: rendered from the parts' regions.
    template_pdf = models.FileField(upload_to="templates/", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="exam_course_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Question(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="questions")
    #: Printed numbering as a student sees it ("2", "4", "bonus").
    number = models.CharField(max_length=20)
    title = models.CharField(max_length=200, blank=True, default="")
    order = models.PositiveSmallIntegerField()
    max_points = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "number"], name="question_exam_number_unique"),
            models.UniqueConstraint(fields=["exam", "order"], name="question_exam_order_unique"),
        ]

    def __str__(self) -> str:
        return f"Q{self.number}"


class Part(models.Model):
    """A gradable part. ``part_id`` is the printed numbering, lower-case, question and part
    joined by a dot: "3.3", "4.a". A part may have a parent part (1.a.i under 1.a)."""

    class Kind(models.TextChoices):
        SOLVER = "solver", "Computed by a solver"
        LITERAL = "literal", "Literal answer"
        PREDICATE = "predicate", "Condition"
        DESCRIPTIVE = "descriptive", "Graded by a person"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="parts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="parts")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    part_id = models.CharField(max_length=40)
    label = models.CharField(max_length=40, help_text="As printed: (a), Q2.1, 4(b)")
    order = models.PositiveSmallIntegerField()
    max_points = models.DecimalField(max_digits=7, decimal_places=2)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DESCRIPTIVE)
    #: Where the answer is written on the copy: {"page": n, "box": [x0, y0, x1, y1]} in
    #: page-normalised coordinates, or empty until drawn.
    region = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "part_id"], name="part_exam_part_id_unique"),
            models.UniqueConstraint(fields=["exam", "order"], name="part_exam_order_unique"),
        ]

    def __str__(self) -> str:
        return self.part_id


class AnswerKey(models.Model):
    """One version of an exam's answer key; a new import adds a version, never edits one."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="answer_keys")
    version = models.PositiveIntegerField()
    source = models.TextField(help_text="The key as written (YAML), kept verbatim")
    checksum = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "version"], name="answerkey_exam_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} key v{self.version}"


class PrintedExam(models.Model):
    """One version of the exam's printed (blank) text, versioned like its answer key: copies
    are aligned against the newest (``autocheck.align``), so that what a student wrote is told
    from what was printed."""

    class Source(models.TextChoices):
        CREATED_FROM = "created_from", "The text the exam was created from"
        UPLOADED = "uploaded", "A transcription of the blank exam"
        PDF_TEXT = "pdf_text", "The text layer of the blank exam PDF"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="printed_versions")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="The printed exam as text (Markdown with LaTeX)")
    source = models.CharField(max_length=16, choices=Source.choices)
    checksum = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "version"], name="printedexam_exam_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} printed text v{self.version}"


def scan_upload_path(batch: ScanBatch, filename: str) -> str:
    return f"scans/exam-{batch.exam_id}/{batch.checksum}.{filename.rsplit('.', 1)[-1].lower()}"


class ScanBatch(models.Model):
    """One uploaded file of scans (a PDF, images, or a ZIP). Stored once per checksum.

    ``status`` follows every page's steps, not only their placement: ``done`` once each page is
    read and checked (or left to a person), ``waiting`` when what is left waits for a person
    (a step stopped after its attempts, or the answer key). The split step's own bookkeeping
    (attempts, last error, when it is next due) is kept here as on a page (``exams.pipeline.steps``).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        SPLITTING = "splitting", "Splitting into pages"
        PROCESSING = "processing", "Processing pages"
        WAITING = "waiting", "Waiting for a person"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="scan_batches")
    #: Empty when the upload was refused before storing (empty, too large, wrong type).
    file = models.FileField(upload_to=scan_upload_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file")
    size_bytes = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    error = models.TextField(blank=True, default="")
    pages_total = models.PositiveIntegerField(default=0)
    #: Pages with nothing left to do: read and checked, or left to a person (not placed).
    pages_done = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    #: When the reconciler sends the split step (again) if it is still not done; null when
    #: nothing is due. A worker working on it holds a lock instead (``exams.pipeline.steps``).
    due_at = models.DateTimeField(null=True, blank=True)
    #: Set when the split step was stopped after its attempts: a person resumes it.
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "checksum"], name="scanbatch_exam_checksum_unique"
            ),
        ]
        indexes = [
            # The reconciler looks for due steps.
            models.Index(
                fields=["due_at"], condition=Q(due_at__isnull=False), name="scanbatch_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


class Submission(models.Model):
    """One printed copy of an exam and, once identified, the student who wrote it."""

    class IdentifiedBy(models.TextChoices):
        NONE = "", "Not identified"
        QR = "qr", "Personalised QR code"
        STUDENT_NUMBER = "student_number", "Student number read from the cover"
        PERSON = "person", "Matched by a person"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="submissions")
    copy_number = models.PositiveIntegerField()
    student = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    identified_by = models.CharField(
        max_length=16, choices=IdentifiedBy.choices, blank=True, default=IdentifiedBy.NONE
    )
    total_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["copy_number"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "copy_number"], name="submission_copy_unique"),
            models.UniqueConstraint(
                fields=["exam", "student"],
                condition=Q(student__isnull=False),
                name="submission_exam_student_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} copy {self.copy_number}"


def page_image_path(page: Page, filename: str) -> str:
    return f"pages/batch-{page.batch_id}/{page.index_in_batch:05d}.{filename.rsplit('.', 1)[-1]}"


class Page(models.Model):
    """One scanned page, placed on (submission, page number) once its QR code is read.

    ``status`` is where the page stands for a person (placed, needs attention...); ``stage``
    is how far the pipeline took it, and with ``due_at``, ``attempts``, ``last_error`` and
    ``gave_up_at`` what is left to do (``exams.pipeline.steps``): a placed page whose answers were not
    read yet is at stage ``placed`` and due, whatever became of the message that should have
    read it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PLACED = "placed", "Placed"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        DUPLICATE = "duplicate", "Duplicate of a placed page"
        DISCARDED = "discarded", "Discarded by a person"

    class Stage(models.TextChoices):
        SPLIT = "split", "Waiting to be placed"
        PLACED = "placed", "Placed, waiting to be read"
        READ = "read", "Read, waiting to be checked"
        CHECKED = "checked", "Read and checked"
        SETTLED = "settled", "Not placed: nothing to read"

    batch = models.ForeignKey(ScanBatch, on_delete=models.CASCADE, related_name="pages")
    index_in_batch = models.PositiveIntegerField()
    image = models.ImageField(upload_to=page_image_path, max_length=300, blank=True)
    #: SHA-256 of the page as scanned: an identical second scan is recognised as a duplicate.
    image_checksum = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attention_reason = models.CharField(max_length=300, blank=True, default="")
    #: PROTECT: a copy with scanned pages is never deleted by accident (its pages would lose
    #: their place); ``grading.services.exam_delete`` removes the pages first.
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, null=True, blank=True, related_name="pages"
    )
    page_number = models.PositiveSmallIntegerField(null=True, blank=True)
    qr_payload = models.CharField(max_length=200, blank=True, default="")
    rotation = models.SmallIntegerField(default=0, help_text="Degrees applied to make it upright")
    #: Where the printed page lies on ``image`` (``exams.scanning.align.Alignment.to_json``):
    #: the scan is kept as it came and only what is looked at is straightened, on demand.
    #: Null when ``image`` is upright already (``exams.images.open_upright``).
    alignment = models.JSONField(null=True, blank=True, default=None)
    processed_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.SPLIT)
    #: Attempts at the step due now that ended without a result; reset when it is done.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    #: When the reconciler sends the due step (again) if it is still not done; null when
    #: nothing is due (finished, waiting for the answer key, or stopped).
    due_at = models.DateTimeField(null=True, blank=True)
    #: Set when the step was stopped after its attempts: shown, and resumed by a person.
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "index_in_batch"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "index_in_batch"], name="page_batch_index_unique"
            ),
            # A copy's page is placed once; a second scan of it is marked duplicate instead.
            models.UniqueConstraint(
                fields=["submission", "page_number"],
                condition=Q(status="placed"),
                name="page_placed_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="placed")
                | Q(submission__isnull=False, page_number__isnull=False),
                name="page_placed_has_position",
            ),
        ]
        indexes = [
            # The "needs attention" list of an exam's batches filters on status.
            models.Index(fields=["status"], name="page_status_idx"),
            # The reconciler looks for due steps; a batch's progress counts its pages by stage.
            models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="page_due_idx"),
            models.Index(fields=["batch", "stage"], name="page_batch_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"page {self.index_in_batch} of batch {self.batch_id}"


class Answer(models.Model):
    """One part of one submission: what was extracted, and the auto-check's verdict."""

    class Verdict(models.TextChoices):
        """The auto-checker's verdicts (``autocheck.outcome.Outcome``), and "not checked yet"."""

        PENDING = "pending", "Not checked yet"
        CORRECT = Outcome.CORRECT.value, Outcome.CORRECT.label
        INCORRECT = Outcome.INCORRECT.value, Outcome.INCORRECT.label
        PARTIAL = Outcome.PARTIAL.value, Outcome.PARTIAL.label
        NEEDS_REVIEW = Outcome.NEEDS_REVIEW.value, Outcome.NEEDS_REVIEW.label
        BLANK = Outcome.BLANK.value, Outcome.BLANK.label

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="answers")
    answer_text = models.TextField(
        blank=True, default="", help_text="The student's text for the part"
    )
    final_answer = models.CharField(max_length=500, blank=True, default="")
    #: Normalised form of ``final_answer``: answers of a part with equal keys form a group.
    group_key = models.CharField(max_length=500, blank=True, default="")
    candidates = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    suggested_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    expected = models.JSONField(default=dict, blank=True)
    diagnosis_code = models.CharField(max_length=60, blank=True, default="")
    diagnosis = models.TextField(blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    checked_with_key = models.ForeignKey(
        AnswerKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    #: Where the answer was read in the copy's whole transcription: the aligner's method,
    #: confidence, character spans, evidence and why a person must read it
    #: (``autocheck.align.AnswerText.as_dict``, plus the transcription's id).
    alignment = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["submission", "part__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "part"], name="answer_submission_part_unique"
            ),
        ]
        indexes = [
            # The review queue lists a part's answers by verdict, and groups by group_key.
            models.Index(fields=["part", "verdict"], name="answer_part_verdict_idx"),
            models.Index(fields=["part", "group_key"], name="answer_part_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.part.part_id}"


class Transcription(models.Model):
    """Text read from a page or from one part's answer region, with where it came from.

    Several transcriptions may exist for the same target (OCR, then a TA's correction); the
    newest is the current one, the others are history.
    """

    class Source(models.TextChoices):
        IMPORTED = "imported", "Imported file"
        OCR = "ocr", "OCR engine"
        TYPED = "typed", "Typed by a person"

    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="transcriptions"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="transcriptions"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="transcriptions"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    engine = models.CharField(max_length=80, blank=True, default="")
    text = models.TextField(blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    #: What the reader saw (``AnswerRead``): every line, the key's values with their
    #: probabilities and whether it accepted the read: ``{"summary", "lines", "accepted"}``.
    reading = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(page__isnull=False)
                | Q(answer__isnull=False)
                | Q(submission__isnull=False),
                name="transcription_has_target",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="transcription_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} transcription {self.pk}"


class UserPreference(models.Model):
    """What a user chose for how the pages behave, kept with the account (not the browser):
    a grader who turned single-key shortcuts off finds them off on every machine."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    #: Single-key shortcuts (letters, digits) off: a speech-input user or a slip of the
    #: keyboard then runs nothing (WCAG 2.1.4). Keys with a modifier, arrows, Escape stay.
    shortcuts_off = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class PageEvent(models.Model):
    """A page placed, moved, taken off its copy or discarded by a person, or such a change
    undone: the append-only history of the pages' hand placement (``exams.services.pages``).

    ``before`` and ``after`` are the page's position as ``{"status", "copy", "page_number",
    "reason"}``; the events of one user action share ``batch``, which an undo takes back
    whole (its own events name it in ``undoes``).
    """

    class Action(models.TextChoices):
        PLACE = "place", "Placed"
        MOVE = "move", "Moved"
        UNPLACE = "unplace", "Taken off its copy"
        DISCARD = "discard", "Discarded"
        REPLACED = "replaced", "Replaced by another scan"
        UNDO = "undo", "Undone"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="page_events")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    batch = models.CharField(max_length=32)
    undoes = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The exam's history of page changes, newest first, and a user's last one to undo.
            models.Index(fields=["exam", "-created_at"], name="pageevent_exam_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.page}"
