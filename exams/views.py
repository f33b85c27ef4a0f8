"""Course, exam and scan pages. Thin: access check through selectors, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from exams import selectors
from exams.models import STAFF_ROLES, Role


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    courses = selectors.courses_for_user(request.user)
    return render(request, "exams/home.html", {"courses": courses})


@require_GET
@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course, enrollment = selectors.get_course_for_user(request.user, course_id)
    exams = course.exams.all()
    if enrollment.role == Role.STUDENT:
        exams = exams.filter(status="published")
    return render(
        request,
        "exams/course_detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "exams": exams,
            "is_staff": enrollment.role in STAFF_ROLES,
        },
    )


@require_GET
@login_required
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id)
    if enrollment.role == Role.STUDENT:
        submission = selectors.submission_for_student(exam, enrollment)
        if submission is None:
            raise Http404("No published result for this exam")
        return redirect("submission_detail", submission_id=submission.pk)
    return render(
        request,
        "exams/exam_detail.html",
        {
            "exam": exam,
            "enrollment": enrollment,
            "questions": exam.questions.prefetch_related("parts"),
            "submissions": selectors.exam_submissions(exam),
            "batches": selectors.exam_scan_batches(exam),
        },
    )


@require_GET
@login_required
def page_image(request: HttpRequest, page_id: int) -> FileResponse:
    """A scanned page's image, served only after the access check (never by a public URL)."""
    page = selectors.get_page_for_user(request.user, page_id)
    if not page.image:
        raise Http404("This page has no image")
    response = FileResponse(
        page.image.open("rb"),
        content_type="image/png" if page.image.name.endswith(".png") else "image/jpeg",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
