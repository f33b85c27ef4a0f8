"""Publication, CSV exports and statistics of an exam."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from exams import selectors as exam_selectors
from gradebook.http import AuthenticatedRequest, attachment
from grading import exports, services, stats
from grading.views.common import (
    INSTRUCTOR,
)

# --- Publication, exports, statistics ------------------------------------------------------

_CSV = "text/csv; charset=utf-8"


@require_POST
@login_required
def exam_publish(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    services.exam_publish(exam=exam, actor=request.user)
    messages.success(request, "Grades published: students now see their copies and feedback.")
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
def exam_stats(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, _ = exam_selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    part_stats = stats.part_stats(exam)
    agreed, compared = stats.overall_agreement(part_stats)
    return render(
        request,
        "grading/stats.html",
        {
            "exam": exam,
            "total": stats.exam_histogram(exam),
            "questions": stats.question_histograms(exam),
            "parts": part_stats,
            "agreed": agreed,
            "compared": compared,
        },
    )
