"""A new exam from its text: propose the question tree, confirm it, download a key skeleton."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from exams import selectors
from exams.forms import ExamStructureForm, ExamTextForm
from exams.services.authoring import exam_create_from_text, pending_template_store
from exams.services.keys import answer_key_skeleton
from exams.services.structure import exam_structure_from_proposal
from exams.views.common import INSTRUCTOR, yaml_download
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors

# --- A new exam from its text ---------------------------------------------------------------


def _exam_new_page(request, course, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "exams/exam_new.html", {"course": course, **extra}, status=status)


def _proposal_page(
    request, course, form: ExamStructureForm | ExamTextForm, *, status: int = 200, **extra
) -> HttpResponse:
    from autocheck.structure import propose_structure

    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    source = data.get("source") or str(form.data.get("source", ""))
    proposed = propose_structure(source)
    # The points as the instructor last typed them, else as printed.
    typed = data.get("points") or {}
    questions = [
        (q, [(p, typed.get(p.part_id, p.points)) for p in q.parts]) for q in proposed.questions
    ]
    return _exam_new_page(
        request,
        course,
        status=status,
        proposed=proposed,
        questions=questions,
        source=source,
        title=(data.get("title") or "").strip(),
        pages_per_copy=form.data.get("pages_per_copy", "1"),
        template=data.get("template") or "",
        **extra,
    )


@require_GET
@login_required
def exam_new(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """Start a new exam from its text: paste or upload the transcription."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    return _exam_new_page(request, course)


@require_POST
@login_required
def exam_new_propose(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """The question tree proposed from the text, with its warnings, for the instructor to
    check and confirm."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    form = ExamTextForm(request.POST, request.FILES)
    if not form.is_valid():
        title = str(form.data.get("title", ""))
        return _exam_new_page(request, course, status=400, error=form_error_text(form), title=title)
    if form.cleaned_data["pdf"] is not None:
        # The PDF becomes the exam's template when the structure is confirmed.
        form.cleaned_data["template"] = pending_template_store(form.cleaned_data["pdf"])
    return _proposal_page(request, course, form)


def _refused(request, course, form: ExamStructureForm, error: str) -> HttpResponse:
    """The proposal again with the error; the text's page when the text itself is refused
    (too large to propose a structure from again)."""
    if "source" in form.errors:
        return _exam_new_page(request, course, status=400, error=error)
    return _proposal_page(request, course, form, status=400, error=error)


def _confirmed_structure(form: ExamStructureForm):
    from autocheck.structure import propose_structure

    proposed = propose_structure(form.cleaned_data["source"])
    points = form.cleaned_data["points"]
    return proposed, exam_structure_from_proposal(proposed, points=points)


@require_POST
@login_required
def exam_new_confirm(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """Create the exam and its question tree (one transaction), then go to the exam page."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    form = ExamStructureForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        exam = exam_create_from_text(
            course=course,
            title=form.cleaned_data["title"],
            source=form.cleaned_data["source"],
            points=form.cleaned_data["points"],
            pages_per_copy=form.cleaned_data["pages_per_copy"],
            template_digest=form.cleaned_data["template"],
            actor=request.user,
        )
    except ValidationError as exc:
        return _refused(request, course, form, _errors(exc))
    where = (
        "Copies are printed from your PDF, each part's answer region found below its prompt"
        if exam.template_pdf
        else "The copies print the question text with an answer box after each part"
    )
    messages.success(
        request,
        f"Exam created with {exam.parts.count()} parts, each graded by a person until you "
        f"install an answer key. {where}: check the regions on the answer regions page.",
    )
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def exam_new_skeleton(request: AuthenticatedRequest, course_id: int) -> HttpResponse:
    """A skeleton answer key (YAML) for the proposed structure, with the points as edited."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    form = ExamStructureForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        proposed, questions = _confirmed_structure(form)
    except ValidationError as exc:
        return _refused(request, course, form, _errors(exc))
    title = form.cleaned_data["title"].strip() or "Exam"
    slug = slugify(title)[:80] or "exam"
    text = answer_key_skeleton(
        exam_id=slug,
        title=title,
        questions=questions,
        labels={q.number: q.label for q in proposed.questions},
        bonus={q.number for q in proposed.questions if q.bonus},
    )
    return yaml_download(text, slug)
