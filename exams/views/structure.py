"""A new exam from its text: propose the question tree, confirm it, download a key skeleton."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from exams import selectors, services
from exams.forms import ExamFromTextForm
from exams.views.common import INSTRUCTOR, _yaml_download
from gradebook.http import error_text as _errors
from gradebook.http import form_error_text

# --- A new exam from its text ---------------------------------------------------------------

#: A transcription larger than this is not an exam's text (the seed exams are 10-14 KB; the
#: structure of 256 KB of the worst text is proposed in about 2 s, 2 MB took 19 s).
SOURCE_MAX_BYTES = 256 * 1024
_TOO_LARGE = f"The text is larger than {SOURCE_MAX_BYTES // 1024} KB: not an exam's text."


def _too_large(source: str) -> bool:
    return len(source) > SOURCE_MAX_BYTES


def _exam_new_page(request, course, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "exams/exam_new.html", {"course": course, **extra}, status=status)


def _proposal_page(request, course, source: str, *, status: int = 200, **extra) -> HttpResponse:
    from autocheck.structure import propose_structure

    proposed = propose_structure(source)
    # The points as the instructor last typed them, else as printed.
    typed = request.POST
    questions = [
        (q, [(p, typed.get(f"points:{p.part_id}", p.points)) for p in q.parts])
        for q in proposed.questions
    ]
    return _exam_new_page(
        request,
        course,
        status=status,
        proposed=proposed,
        questions=questions,
        source=source,
        title=request.POST.get("title", "").strip(),
        pages_per_copy=request.POST.get("pages_per_copy", "1"),
        **extra,
    )


def _posted_source(request: HttpRequest) -> str:
    """The transcription from the uploaded file, else the pasted text; ``ValidationError``
    when neither is usable."""
    upload = request.FILES.get("file")
    if upload is None:
        source = request.POST.get("source", "")
        if _too_large(source):
            raise ValidationError(_TOO_LARGE)
    elif upload.size > SOURCE_MAX_BYTES:
        raise ValidationError("The file is too large to be an exam's text.")
    else:
        try:
            source = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("The file is not UTF-8 text.") from exc
    if not source.strip():
        raise ValidationError("Upload the exam's Markdown transcription or paste it.")
    return source


@require_GET
@login_required
def exam_new(request: HttpRequest, course_id: int) -> HttpResponse:
    """Start a new exam from its text: paste or upload the transcription."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    return _exam_new_page(request, course)


@require_POST
@login_required
def exam_new_propose(request: HttpRequest, course_id: int) -> HttpResponse:
    """The question tree proposed from the text, with its warnings, for the instructor to
    check and confirm."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    try:
        source = _posted_source(request)
    except ValidationError as exc:
        return _exam_new_page(
            request, course, status=400, error=_errors(exc), title=request.POST.get("title", "")
        )
    return _proposal_page(request, course, source)


def _confirmed_structure(request: HttpRequest):
    from autocheck.structure import propose_structure

    source = request.POST.get("source", "")
    if _too_large(source):
        raise ValidationError(_TOO_LARGE)
    proposed = propose_structure(source)
    points = {k.removeprefix("points:"): v for k, v in request.POST.items() if k[:7] == "points:"}
    return proposed, services.exam_structure_from_proposal(proposed, points=points)


@require_POST
@login_required
def exam_new_confirm(request: HttpRequest, course_id: int) -> HttpResponse:
    """Create the exam and its question tree (one transaction), then go to the exam page."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    source = request.POST.get("source", "")
    form = ExamFromTextForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        _, questions = _confirmed_structure(request)
        exam = services.exam_create_from_structure(
            course=course,
            questions=questions,
            printed_text=source,
            actor=request.user,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        if _too_large(source):
            return _exam_new_page(request, course, status=400, error=_errors(exc))
        return _proposal_page(request, course, source, status=400, error=_errors(exc))
    messages.success(
        request,
        f"Exam created with {exam.parts.count()} parts, each graded by a person until you "
        "install an answer key; draw the answer regions before printing.",
    )
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def exam_new_skeleton(request: HttpRequest, course_id: int) -> HttpResponse:
    """A skeleton answer key (YAML) for the proposed structure, with the points as edited."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    title = request.POST.get("title", "").strip() or "Exam"
    try:
        proposed, questions = _confirmed_structure(request)
    except ValidationError as exc:
        source = request.POST.get("source", "")
        if _too_large(source):
            return _exam_new_page(request, course, status=400, error=_errors(exc))
        return _proposal_page(request, course, source, status=400, error=_errors(exc))
    slug = slugify(title)[:80] or "exam"
    text = services.answer_key_skeleton(
        exam_id=slug,
        title=title,
        questions=questions,
        labels={q.number: q.label for q in proposed.questions},
        bonus={q.number for q in proposed.questions if q.bonus},
    )
    return _yaml_download(text, slug)
