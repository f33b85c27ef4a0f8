"""Scan upload and progress, the "needs attention" list, and access-checked page images."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from exams import selectors
from exams.forms import (
    IdentifyForm,
    PageDiscardForm,
    PagePlaceForm,
    PagesDiscardForm,
    ScanFilesForm,
)
from exams.images import open_upright
from exams.models import Role, ScanBatch, Submission
from exams.pipeline import reconcile, upload
from exams.services import attention, pages, submissions
from exams.views.common import (
    INSTRUCTOR,
    PROGRESS_RECENT_SECONDS,
    THUMB_WIDTH,
    image_response,
)
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors
from gradebook.http import wants_json as _wants_json


def _batch_json(progress: selectors.BatchProgress) -> dict:
    batch, counts = progress.batch, progress.counts
    return {
        "id": batch.pk,
        "name": batch.original_name,
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "pages_done": batch.pages_done,
        "pages_total": batch.pages_total,
        "to_place": counts.to_place,
        "to_read": counts.to_read,
        "to_check": counts.to_check,
        "stopped": counts.stopped + (batch.gave_up_at is not None),
        "waiting_for_key": counts.waiting_for_key,
        "detail": progress.detail,
        "error": batch.error,
        # Nothing more will happen without a person: the page stops polling it.
        "done": progress.settled,
        "progress_url": reverse("batch_progress", args=[batch.pk]),
    }


def _batches_json(batches) -> list[dict]:
    return [_batch_json(p) for p in selectors.batches_progress(batches)]


@require_POST
@login_required
def scan_upload(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Store each uploaded file as a scan batch and start the pipeline on it."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = ScanFilesForm(request.POST, request.FILES)
    if not form.is_valid():
        error = form_error_text(form)
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": error}, status=400)
        messages.error(request, error)
        return redirect("exam_detail", exam_id=exam.pk)
    files = form.cleaned_data["files"]
    results = [
        upload.scan_batch_upload(
            exam=exam, stream=f, original_name=f.name or "", actor=request.user, enqueue=True
        )
        for f in files
    ]
    if _wants_json(request):
        listed = _batches_json([r.batch for r in results])
        return JsonResponse(
            {
                "ok": True,
                "batches": [
                    {**b, "message": r.message, "created": r.created}
                    for b, r in zip(listed, results, strict=True)
                ],
            }
        )
    for r in results:
        failed = r.batch.status == ScanBatch.Status.FAILED
        (messages.error if failed else messages.success)(request, r.message)
    return redirect("exam_detail", exam_id=exam.pk)


@require_GET
@login_required
def batch_progress(request: AuthenticatedRequest, batch_id: int) -> JsonResponse:
    """Progress of one scan batch, polled by the upload page every second."""
    batch = selectors.get_batch_for_staff(request.user, batch_id, roles=INSTRUCTOR)
    response = JsonResponse(_batches_json([batch])[0])
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def batch_resume(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """Resume a batch whose processing stopped or stalled: every unfinished step is due at
    once (a failed batch whose file is stored is split again)."""
    batch = selectors.get_batch_for_staff(request.user, batch_id, roles=INSTRUCTOR)
    report = reconcile.pipeline_resume(
        batches=ScanBatch.objects.filter(pk=batch.pk), retry_failed=True
    )
    if report.batches or report.pages:
        messages.success(request, f"{batch.original_name}: processing resumed ({report}).")
    else:
        messages.info(request, f"{batch.original_name}: nothing is left to do.")
    back = "exam_attention" if request.POST.get("next") == "attention" else "exam_detail"
    return redirect(back, exam_id=batch.exam_id)


@require_GET
@login_required
def exam_batches_progress(request: AuthenticatedRequest, exam_id: int) -> JsonResponse:
    """Progress of the exam's unfinished and recent batches: the upload page polls this
    while a file is still being sent (its batch id is not known yet)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    batches = selectors.exam_batches_in_progress(exam, recent_seconds=PROGRESS_RECENT_SECONDS)
    response = JsonResponse({"batches": _batches_json(batches[:50])})
    response["Cache-Control"] = "no-store"
    return response


# --- Needs attention ----------------------------------------------------------------------


@require_GET
@login_required
def exam_attention(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Pages the pipeline could not place, copies with pages missing, unidentified copies."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    summary = attention.attention_summary(exam)
    students = attention.unmatched_students(exam)
    attention.prefetch_identification(summary.unidentified)
    return render(
        request,
        "exams/attention.html",
        {
            "exam": exam,
            "summary": summary,
            "history": pages.page_history(exam, limit=10),
            "pages_range": range(1, exam.pages_per_copy + 1),
            "students": students,
            "unidentified": [
                (s, attention.identify_suggestions(s, students), s.placed_pages)  # type: ignore[attr-defined]
                for s in summary.unidentified
            ],
        },
    )


def _back(request: AuthenticatedRequest, exam_id: int) -> str:
    """Where a page form returns: the page it was posted from (``next``), else the exam's
    "needs attention" list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("exam_attention", args=[exam_id])


@require_POST
@login_required
def page_place(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    """Place a page on (copy, page number), or move a placed one there."""
    page = selectors.get_page_for_staff(request.user, page_id, roles=INSTRUCTOR)
    back = _back(request, page.batch.exam_id)
    form = PagePlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(back)
    try:
        placed = pages.page_place(page=page, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    messages.success(
        request,
        f"Placed as copy {placed.submission and placed.submission.copy_number} "
        f"page {placed.page_number}; its answers are read and checked now "
        "(Undo my last page change takes it back).",
    )
    return redirect(back)


@require_POST
@login_required
def page_unplace(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    """Take a placed page off its copy: it goes back to the "needs attention" list."""
    page = selectors.get_page_for_staff(request.user, page_id, roles=INSTRUCTOR)
    back = _back(request, page.batch.exam_id)
    try:
        pages.page_unplace(page=page, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Page taken off its copy: it waits in the needs-attention list.")
    return redirect(back)


@require_POST
@login_required
def page_discard(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    page = selectors.get_page_for_staff(request.user, page_id, roles=INSTRUCTOR)
    form = PageDiscardForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_text(form))
        pages.page_discard(page=page, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Page discarded.")
    return redirect("exam_attention", exam_id=page.batch.exam_id)


@require_POST
@login_required
def pages_discard(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Discard a group of pages at once (a stack of blank sheets, another exam's pages)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = PagesDiscardForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("exam_attention", exam_id=exam.pk)
    data = form.cleaned_data
    count = pages.pages_discard(
        exam=exam,
        batch_id=data["batch"],
        reason=data["reason"],
        up_to=data["up_to"],
        actor=request.user,
        note=data["note"],
    )
    if count:
        messages.success(request, f"{count} page{'s' if count != 1 else ''} discarded.")
    else:
        messages.info(request, "Nothing to discard: these pages were settled meanwhile.")
    return redirect("exam_attention", exam_id=exam.pk)


@require_POST
@login_required
def pages_undo(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Undo the user's latest page change on the exam (placed, moved, taken off, discarded)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    try:
        undone = pages.page_undo(exam=exam, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, undone.message)
    return redirect(_back(request, exam.pk))


@require_POST
@login_required
def submission_identify(request: AuthenticatedRequest, submission_id: int) -> HttpResponse:
    """Match an unidentified copy to a student of the roster."""
    submission, enrollment = selectors.get_submission_for_user(request.user, submission_id)
    if enrollment.role != Role.INSTRUCTOR:
        raise Http404("No such submission")
    back = reverse("exam_attention", args=[submission.exam_id])
    form = IdentifyForm(request.POST)
    student = None
    if form.is_valid():
        student = selectors.course_student(submission.exam.course_id, form.cleaned_data["student"])
    if student is None:
        messages.error(request, "Choose a student of this course.")
        return redirect(back)
    try:
        submissions.submission_identify(
            submission=submission, student=student, identified_by=Submission.IdentifiedBy.PERSON
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    name = student.user.get_full_name() or student.user.get_username()
    messages.success(request, f"Copy {submission.copy_number} is {name}'s.")
    return redirect(back)


@require_GET
@login_required
def page_image(request: AuthenticatedRequest, page_id: int) -> HttpResponse | FileResponse:
    """A scanned page's image, served only after the access check (never by a public URL)."""
    page = selectors.get_page_for_user(request.user, page_id)
    if not page.image:
        raise Http404("This page has no image")
    if page.alignment:
        # Stored as scanned: straightened for the eye (JPEG is plenty for reading a page).
        return image_response(open_upright(page).image(), "JPEG")
    response = FileResponse(
        page.image.open("rb"),
        content_type="image/png" if page.image.name.endswith(".png") else "image/jpeg",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def page_thumbnail(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    """A small version of a page for the "needs attention" list (staff only)."""
    page = selectors.get_page_for_staff(request.user, page_id)
    if not page.image:
        raise Http404("This page has no image")
    # Decode no more of the scan than the thumbnail needs (half of a 150 dpi page).
    upright = open_upright(page, scale=0.5)
    image = upright.image(scale=min(1.0, THUMB_WIDTH / upright.size[0]))
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    return image_response(image)


@require_GET
@login_required
def answer_crop(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """The part's answer region cut out of the copy's aligned page, as PNG."""
    answer, _ = selectors.get_answer_for_user(request.user, answer_id)
    box = (answer.part.region or {}).get("box")
    page = selectors.answer_region_page(answer)
    if not box or page is None:
        raise Http404("No scanned region for this answer")
    return image_response(open_upright(page).crop(tuple(box)))


# --- Answer regions -----------------------------------------------------------------------
