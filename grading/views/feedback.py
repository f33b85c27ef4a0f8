"""What a student sees after publication, and their regrade requests."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exams import selectors as exam_selectors
from exams.models import STAFF_ROLES, Role
from gradebook.http import AuthenticatedRequest, attachment, form_error_text
from gradebook.http import error_text as _errors
from grading import forms, graded_pdf, selectors, services
from grading.views.common import fail

# --- Student feedback ---------------------------------------------------------------------


@require_GET
@login_required
def submission_detail(request: AuthenticatedRequest, submission_id: int) -> HttpResponse:
    """A graded copy: for the student after publication, for the course's staff always."""
    submission, enrollment = exam_selectors.get_submission_for_user(request.user, submission_id)
    rows = selectors.submission_feedback_rows(submission)
    pages = exam_selectors.submission_pages(submission)
    requests = selectors.student_feedback_requests(submission)
    regions = selectors.page_regions(rows)
    return render(
        request,
        "grading/submission_detail.html",
        {
            "submission": submission,
            "rows": rows,
            "pages": [(p, regions.get(p.page_number or 0, [])) for p in pages],
            "cards": [(row, requests.get(row.answer.pk, []) if row.answer else []) for row in rows],
            "is_staff": enrollment.role in STAFF_ROLES,
            # what was read as the student's writing, part by part: for the staff only
            "reading": (
                exam_selectors.copy_reading(submission) if enrollment.role in STAFF_ROLES else None
            ),
            "is_owner": submission.student_id == enrollment.pk,
            "hide_names": exam_selectors.names_hidden(submission.exam, enrollment),
            "is_instructor": enrollment.role == Role.INSTRUCTOR,
            "max_total": sum((r.part.max_points for r in rows), Decimal(0)),
            "gaps": selectors.copy_gaps(
                rows, [p.page_number for p in pages], submission.exam.pages_per_copy
            ),
            "in_progress": sum(1 for r in rows if r.in_progress),
        },
    )


@require_GET
@login_required
def submission_pdf(request: AuthenticatedRequest, submission_id: int) -> HttpResponse:
    """The graded copy as a PDF: the scanned pages with verdicts, points and comments drawn
    on. Same access as the page: the student after publication, the course's staff."""
    submission, enrollment = exam_selectors.get_submission_for_user(request.user, submission_id)
    rows = selectors.submission_feedback_rows(submission)
    pages = exam_selectors.submission_pages(submission)
    gaps = selectors.copy_gaps(rows, [p.page_number for p in pages], submission.exam.pages_per_copy)
    pdf = graded_pdf.graded_pdf(
        submission,
        rows,
        pages,
        gaps,
        show_name=not exam_selectors.names_hidden(submission.exam, enrollment),
    )
    name = f"{submission.exam.slug}-copy-{submission.copy_number}-graded.pdf"
    return attachment(pdf, name, "application/pdf")


@require_POST
@login_required
def regrade_request_create(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """A student asks for one part of their own published copy to be looked at again."""
    answer, enrollment = exam_selectors.get_answer_for_user(request.user, answer_id)
    if answer.submission.student_id != enrollment.pk:
        raise Http404("No such answer")
    back = reverse("submission_detail", args=[answer.submission_id])
    form = forms.RegradeRequestForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back + f"#part-{answer.part_id}")
    try:
        services.regrade_request_create(
            answer=answer, student=request.user, message=form.cleaned_data["message"]
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back + f"#part-{answer.part_id}")
    messages.success(request, f"Your regrade request for {answer.part.part_id} was sent.")
    return redirect(back + f"#part-{answer.part_id}")


@require_POST
@login_required
def regrade_request_for_part(
    request: AuthenticatedRequest, submission_id: int, part_id: int
) -> HttpResponse:
    """A student asks for a part with no answer read (its page was not scanned) to be
    looked at."""
    submission, enrollment = exam_selectors.get_submission_for_user(request.user, submission_id)
    if submission.student_id != enrollment.pk:
        raise Http404("No such submission")
    part = submission.exam.parts.filter(pk=part_id).first()
    if part is None:
        raise Http404("No such part")
    back = reverse("submission_detail", args=[submission.pk]) + f"#part-{part.pk}"
    form = forms.RegradeRequestForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    try:
        services.regrade_request_for_part(
            submission=submission,
            part=part,
            student=request.user,
            message=form.cleaned_data["message"],
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    messages.success(request, f"Your regrade request for {part.part_id} was sent.")
    return redirect(back)
