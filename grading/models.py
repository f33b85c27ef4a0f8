"""Grades, rubrics, reviews and feedback.

A :class:`Score` is the current grade of one answer; every change to it is written, in the
same transaction, as an append-only :class:`GradeEvent` (who, when, from what to what).
Writes go through ``grading.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from exams.models import Answer, Exam, Part


class RubricItem(models.Model):
    """A reusable grading item of a part. ``points`` is a delta (negative for a deduction)
    unless the part uses positive marking; editing an item re-scores every answer using it."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="rubric_items")
    label = models.CharField(max_length=200)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    description = models.TextField(blank=True, default="")
    order = models.PositiveSmallIntegerField(default=0)
    #: Set on items the auto-checker applies (e.g. "sign error"), matched by diagnosis code.
    diagnosis_code = models.CharField(max_length=60, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["part", "label"], name="rubricitem_part_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.points:+})"


class Score(models.Model):
    """The current grade of one answer. ``version`` increases with every change so two TAs
    grading the same answer never overwrite each other silently (optimistic locking)."""

    class Source(models.TextChoices):
        AUTO = "auto", "Auto-check"
        PERSON = "person", "Graded by a person"

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="score")
    points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    rubric_items = models.ManyToManyField(RubricItem, blank=True, related_name="scores")
    adjustment = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    comment = models.TextField(blank=True, default="")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.AUTO)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    #: Why a person's grade should be looked at again: the automatic check of the answer
    #: changed after the grade was given (a new scan of its page, a new key version). The
    #: grade stands; the next grade or undo clears this.
    recheck = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0), name="score_points_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer}: {self.points}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name_plural} are append-only")


class AppendOnlyModel(models.Model):
    """An audit log's row: inserted, never updated or deleted through the ORM (the model and
    its queryset refuse it; on PostgreSQL the database's trigger and roles refuse it too)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self._meta.verbose_name_plural} are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name_plural} are append-only")


class GradeEvent(AppendOnlyModel):
    """One change of one answer's score, or of the answer group it is graded with (a split or
    a merge, which leaves the points as they are): the audit log. Rows are inserted, never updated or
    deleted (the model and its queryset refuse it)."""

    class Action(models.TextChoices):
        AUTO_CHECK = "auto_check", "Auto-check"
        GRADE = "grade", "Graded"
        ACCEPT = "accept", "Auto verdict accepted"
        RUBRIC_EDIT = "rubric_edit", "Rubric item edited"
        GROUP_GRADE = "group_grade", "Graded with its group"
        REGRADE = "regrade", "Regraded"
        UNDO = "undo", "Undone"
        GROUP_SPLIT = "group_split", "Split off its answer group"
        GROUP_MERGE = "group_merge", "Merged into another answer group"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="grade_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    old_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    new_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.old_points} -> {self.new_points}"


class GroupMove(models.Model):
    """A person put this answer in another answer group than its value's: split off its group,
    or merged into another. ``group_key`` is the group it is graded with now.

    The move holds while the answer's value is the one it was moved with (``from_key``): an
    answer checked again with another value goes back to its new value's group. Written only
    by ``grading.groups`` (each move is logged as a :class:`GradeEvent`, and undoable).
    """

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="group_move")
    from_key = models.CharField(max_length=500)
    group_key = models.CharField(max_length=600)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.from_key} -> {self.group_key}"


class RegradeRequest(models.Model):
    """A student's request to look again at one part; it lands in the TAs' queue."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="regrade_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open request per answer; a new one may follow once it is resolved.
            models.UniqueConstraint(
                fields=["answer"], condition=Q(status="open"), name="regrade_one_open_per_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"regrade of {self.answer} ({self.status})"


class ExamEvent(AppendOnlyModel):
    """One change of what an exam shows its students (publication, anonymous grading): the
    exam's audit log, append-only like :class:`GradeEvent` and sealed the same way on
    PostgreSQL (migration ``0005``, ``grading.audit.grant_app_role``)."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "Grades published"
        UNPUBLISH = "unpublish", "Grades unpublished"
        ANONYMOUS_ON = "anonymous_on", "Anonymous grading switched on"
        ANONYMOUS_OFF = "anonymous_off", "Anonymous grading switched off"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    #: What the instructor was shown and confirmed (unfinished work at publication), a reason.
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.exam}: {self.action}"


class Notification(models.Model):
    """An email to one user (grades published, a regrade answered). Written in the transaction
    of what it announces and sent by a task after the commit: a mail server that is down loses
    neither the grade nor the message (``manage.py notifications_send`` sends what is left)."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Grades published"
        REGRADE_ANSWERED = "regrade_answered", "Regrade request answered"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The sender and the resend command look for what is not sent yet.
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}"
