"""Publication, CSV exports and statistics of an exam."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exams import selectors as exam_selectors
from exams.models import STAFF_ROLES, Exam
from gradebook.http import AuthenticatedRequest, attachment, form_error_text
from grading import exports, forms, publishing, stats
from grading.views.common import (
    INSTRUCTOR,
)

# --- Publication, exports, statistics ------------------------------------------------------

_CSV = "text/csv; charset=utf-8"


@require_http_methods(["GET", "POST"])
@login_required
def exam_publish(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """GET: what is unfinished, and the confirmation. POST: publish, when confirmed."""
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    if exam.is_published:
        messages.info(request, "The grades of this exam are already published.")
        return redirect("exam_detail", exam_id=exam.pk)
    if request.method == "GET":
        return _publish_page(request, exam)
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        return _publish_page(request, exam, error=form_error_text(form), status=400)
    try:
        publishing.exam_publish(
            exam=exam,
            actor=request.user,
            confirmed_unfinished=form.cleaned_data["unfinished"] or 0,
        )
    except publishing.PublishUnconfirmedError as exc:
        error = (
            "Not published: the unfinished work changed since the page was loaded. "
            "Look at it again."
        )
        return _publish_page(request, exam, readiness=exc.readiness, error=error, status=409)
    messages.success(request, "Grades published: students now see their copies and feedback.")
    return redirect("exam_detail", exam_id=exam.pk)


def _publish_page(
    request: AuthenticatedRequest,
    exam: Exam,
    *,
    readiness: publishing.Readiness | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "grading/publish.html",
        {
            "exam": exam,
            "readiness": readiness or publishing.publish_readiness(exam),
            "history": publishing.exam_history(exam),
            "error": error,
        },
        status=status,
    )


@require_POST
@login_required
def exam_unpublish(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Hide the grades from the students again; logged in the exam's audit log."""
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = forms.UnpublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("exam_detail", exam_id=exam.pk)
    publishing.exam_unpublish(exam=exam, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, "Grades unpublished: students no longer see this exam's copies.")
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def exam_anonymous(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Switch anonymous grading on or off; logged in the exam's audit log."""
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = forms.AnonymousForm(request.POST)
    form.is_valid()  # a checkbox: always valid, absent means off
    anonymous = form.cleaned_data.get("anonymous", False)
    publishing.exam_anonymous_set(exam=exam, actor=request.user, anonymous=anonymous)
    if anonymous:
        messages.success(request, "Anonymous grading: TAs no longer see students' names.")
    else:
        messages.success(request, "Anonymous grading is off: TAs see students' names.")
    return redirect("exam_detail", exam_id=exam.pk)


@require_GET
@login_required
def export_scores(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return attachment(exports.scores_per_part_csv(exam), f"{exam.slug}-scores-per-part.csv", _CSV)


@require_GET
@login_required
def export_gradebook(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return attachment(exports.lms_gradebook_csv(exam), f"{exam.slug}-gradebook.csv", _CSV)


@require_GET
@login_required
def export_canvas(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return attachment(exports.canvas_csv(exam), f"{exam.slug}-canvas.csv", _CSV)


@require_GET
@login_required
def export_moodle(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return attachment(exports.moodle_csv(exam), f"{exam.slug}-moodle.csv", _CSV)


@require_GET
@login_required
def exam_stats(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Statistics of the exam, for its instructors and TAs."""
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=STAFF_ROLES)
    part_stats = stats.part_stats(exam)
    agreed, compared = stats.overall_agreement(part_stats)
    left = publishing.ungraded_answers(exam).count()
    return render(
        request,
        "grading/stats.html",
        {
            "exam": exam,
            "total": stats.exam_histogram(exam),
            "questions": stats.question_histograms(exam),
            "parts": part_stats,
            "part_scores": stats.part_scores(exam),
            "progress": stats.grading_progress(exam, left=left),
            "agreed": agreed,
            "compared": compared,
        },
    )
