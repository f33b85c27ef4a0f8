"""The home page, course pages and roster import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from exams import selectors
from exams.forms import RosterForm
from exams.models import STAFF_ROLES, Exam, Role
from exams.services import invitations, roster
from exams.views.common import (
    INSTRUCTOR,
)
from gradebook.http import AuthenticatedRequest, form_error_text


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    courses = selectors.courses_for_user(request.user)
    return render(request, "exams/home.html", {"courses": courses})


def _course_page(request, course, enrollment, *, status: int = 200, **extra) -> HttpResponse:
    exams = course.exams.all()
    if enrollment.role == Role.STUDENT:
        exams = exams.filter(status=Exam.Status.PUBLISHED)
    is_instructor = enrollment.role == Role.INSTRUCTOR
    return render(
        request,
        "exams/course_detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "exams": exams,
            "is_staff": enrollment.role in STAFF_ROLES,
            "is_instructor": is_instructor,
            "roster": selectors.course_roster(course) if enrollment.role in STAFF_ROLES else [],
            "uninvited": len(invitations.students_without_password(course)) if is_instructor else 0,
            **extra,
        },
        status=status,
    )


@require_GET
@login_required
def course_detail(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    course, enrollment = selectors.get_course_for_user(request.user, course_id)
    return _course_page(request, course, enrollment)


@require_POST
@login_required
def roster_import(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """Import a roster CSV; errors per row are shown, valid rows imported."""
    course, enrollment = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    form = RosterForm(request.POST, request.FILES)
    if not form.is_valid():
        return _course_page(
            request, course, enrollment, status=400, roster_error=form_error_text(form)
        )
    try:
        result = roster.roster_import(course=course, data=form.cleaned_data["file"].read())
    except roster.RosterFileError as exc:
        return _course_page(
            request, course, enrollment, status=400, roster_error=f"Nothing imported: {exc}"
        )
    return _course_page(request, course, enrollment, roster_result=result)


@require_POST
@login_required
def roster_invite(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """Email the invitation again to every student who has not set a password yet."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    students = invitations.students_without_password(course)
    sent, failed = invitations.invitations_send([e.user for e in students], course)
    if failed:
        messages.warning(
            request,
            f"{sent} invitation(s) sent, {failed} not: the mail server refused them "
            "(manage.py invitation_links prints the links).",
        )
    else:
        messages.success(request, f"{sent} invitation(s) sent.")
    return redirect("course_detail", course_id=course.pk)


# --- The exam page ------------------------------------------------------------------------
