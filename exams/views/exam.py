"""The exam page: answer key, printing, and the key skeleton download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from exams import hooks, selectors
from exams.forms import (
    AnswerKeyForm,
    CopyFilterForm,
    PrintedExamForm,
    PrintForm,
    TemplatePdfForm,
)
from exams.models import Enrollment, Exam, PrintedExam, Role
from exams.services import attention, keys, printing
from exams.services.printed import printed_exam_current, printed_exam_store
from exams.services.printing import exam_print_copies
from exams.views.common import INSTRUCTOR, yaml_download
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors

#: Copies listed per page of the exam page: the table is paged and filtered, not the class.
COPIES_PER_PAGE = 50


def _copies(request, exam: Exam, *, names: bool) -> dict:
    """The exam page's table of copies: the filter (``?q=``, ``?status=``) and one page.
    Without ``names`` (anonymous grading) the filter finds copies by number only."""
    form = CopyFilterForm(request.GET)
    valid = form.is_valid()
    query = form.cleaned_data["q"].strip() if valid else ""
    status = form.cleaned_data["status"] if valid else "all"
    copies = selectors.exam_submissions_matching(
        exam,
        query=query,
        status=status,
        to_grade=hooks.grading().copies_to_grade(exam),
        names=names,
    )
    page = Paginator(copies, COPIES_PER_PAGE).get_page(request.GET.get("page"))
    kept = urlencode({k: v for k, v in (("q", query), ("status", status)) if v and v != "all"})
    return {
        "copies": page,
        "copies_total": exam.submissions.count(),
        "copy_query": query,
        "copy_status": status,
        "copy_statuses": selectors.COPY_STATUSES,
        "copy_params": f"{kept}&" if kept else "",
    }


def _exam_page(request, exam: Exam, enrollment: Enrollment, *, status: int = 200, **extra):
    is_instructor = enrollment.role == Role.INSTRUCTOR
    progress = hooks.grading().exam_progress(exam)
    hide_names = selectors.names_hidden(exam, enrollment)
    context = {
        "exam": exam,
        "enrollment": enrollment,
        "is_instructor": is_instructor,
        "parts": [(part, progress.parts.get(part.pk, {})) for part in exam.parts.order_by("order")],
        **_copies(request, exam, names=not hide_names),
        "regrades": progress.regrades,
        "hide_names": hide_names,
    }
    if is_instructor:
        summary = attention.attention_summary(exam)
        context.update(
            answer_key=selectors.answer_key_current(exam),
            printed=printed_exam_current(exam),
            batches=selectors.batches_progress(selectors.exam_scan_batches(exam)[:20]),
            attention_count=summary.count,
            unprinted=attention.unmatched_student_count(exam),
        )
    context.update(extra)
    return render(request, "exams/exam_detail.html", context, status=status)


@require_GET
@login_required
def exam_detail(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id)
    if enrollment.role == Role.STUDENT:
        submission = selectors.submission_for_student(exam, enrollment)
        if submission is None:
            raise Http404("No published result for this exam")
        return redirect("submission_detail", submission_id=submission.pk)
    return _exam_page(request, exam, enrollment)


@require_POST
@login_required
def answer_key_install(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Install or replace the answer key from an uploaded YAML file or pasted text."""
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = AnswerKeyForm(request.POST, request.FILES)
    if not form.is_valid():
        issues = [str(m) for errors in form.errors.values() for m in errors]
        return _exam_page(request, exam, enrollment, status=400, key_issues=issues)
    source = form.cleaned_data["text"]
    try:
        installed = keys.answer_key_install(
            exam=exam, source=source, actor=request.user, confirmed=form.cleaned_data["confirm"]
        )
    except keys.KeyNeedsConfirmation as exc:
        return _exam_page(
            request, exam, enrollment, key_changes=exc.changes.lines, key_source=source
        )
    except keys.AnswerKeyError as exc:
        return _exam_page(
            request, exam, enrollment, status=400, key_issues=exc.issues, key_source=source
        )
    except ValidationError as exc:
        return _exam_page(
            request, exam, enrollment, status=400, key_issues=[_errors(exc)], key_source=source
        )
    version = installed.answer_key.version
    if not installed.created:
        messages.info(request, f"This is already answer key version {version}.")
    elif installed.recheck.copies:
        parts, copies = len(installed.parts_changed), installed.recheck.copies
        messages.success(
            request,
            f"Answer key version {version} installed. {parts} part{'' if parts == 1 else 's'} "
            f"changed: {copies} cop{'y is' if copies == 1 else 'ies are'} checked again with "
            "it. A grade given by a person stands; where its automatic check changed, it is "
            "marked to look at again in the review queue.",
        )
    else:
        messages.success(request, f"Answer key version {version} installed.")
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def printed_exam_install(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Store the exam's printed text from an uploaded transcription of the blank, or pasted:
    copies are then aligned against it."""
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = PrintedExamForm(request.POST, request.FILES)
    if not form.is_valid():
        return _exam_page(
            request, exam, enrollment, status=400, printed_error=form_error_text(form)
        )
    try:
        printed, created = printed_exam_store(
            exam=exam,
            text=form.cleaned_data["text"],
            source=PrintedExam.Source.UPLOADED,
            actor=request.user,
        )
    except ValidationError as exc:
        return _exam_page(request, exam, enrollment, status=400, printed_error=_errors(exc))
    if created:
        messages.success(request, f"Printed exam version {printed.version} stored.")
    else:
        messages.info(request, f"This is already printed exam version {printed.version}.")
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def exam_print(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Printable copies as one PDF: personalised for the roster's students who have no copy
    yet, or N anonymous copies."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = PrintForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("exam_detail", exam_id=exam.pk)
    mode = form.cleaned_data["mode"]
    try:
        if mode == "anonymous":
            pdf = exam_print_copies(exam=exam, anonymous=form.cleaned_data["count"])
        else:
            pdf = exam_print_copies(exam=exam, students=attention.unmatched_students(exam))
    except (ValueError, ValidationError) as exc:
        text = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        if mode != "anonymous":
            text += " (every student of the roster already has a copy)"
        messages.error(request, text)
        return redirect("exam_detail", exam_id=exam.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exam.slug}-copies.pdf"'
    return response


# --- Scans --------------------------------------------------------------------------------


@require_GET
@login_required
def answer_key_skeleton(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """A skeleton answer key (YAML) for the exam's current question tree."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    text = keys.answer_key_skeleton(
        exam_id=exam.slug, title=exam.title, questions=selectors.exam_structure(exam)
    )
    return yaml_download(text, exam.slug)


@require_POST
@login_required
def exam_template_upload(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Use an uploaded blank exam PDF as the template of the printed copies."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = TemplatePdfForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("exam_detail", exam_id=exam.pk)
    upload = form.cleaned_data["template_pdf"]
    try:
        printing.exam_template_upload(exam=exam, data=upload.read(), name=upload.name or "")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("exam_detail", exam_id=exam.pk)
    placed = exam.parts.exclude(region={}).count()
    messages.success(
        request,
        f"Blank exam installed ({exam.pages_per_copy} pages). {placed} of "
        f"{exam.parts.count()} parts have an answer region, found below their printed prompt "
        "where none was drawn: check them and draw the rest.",
    )
    return redirect("exam_regions", exam_id=exam.pk)
