"""Grades and feedback pages. Thin: access check through selectors, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exams import selectors as exam_selectors
from exams.models import STAFF_ROLES
from gradebook import selectors


@require_GET
@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission, enrollment = exam_selectors.get_submission_for_user(request.user, submission_id)
    return render(
        request,
        "gradebook/submission_detail.html",
        {
            "submission": submission,
            "rows": selectors.submission_feedback_rows(submission),
            "is_staff": enrollment.role in STAFF_ROLES,
        },
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the container orchestrator: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
