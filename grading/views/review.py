"""The TA review queue: grade, accept, correct the transcription, undo, regrades."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exams import selectors as exam_selectors
from exams.models import STAFF_ROLES, Answer
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors
from gradebook.http import wants_json as _wants_json
from grading import forms, selectors, services, undo
from grading.models import GradeEvent, RegradeRequest
from grading.views.common import QUEUE_BEFORE, QUEUE_WINDOW, copy_numbers, fail, redirect_back

# --- TA review ----------------------------------------------------------------------------


def _queue_neighbours(
    queue: list[Answer], current: Answer | None
) -> tuple[int | None, int | None, int]:
    ids = [a.pk for a in queue]
    if current is None or current.pk not in ids:
        return None, (ids[0] if ids else None), len(ids)
    i = ids.index(current.pk)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None), i


@require_GET
@login_required
def review(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """The review queue of one part and the current answer, graded with the keyboard."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    queue_filter = request.GET.get("filter", "todo")
    if queue_filter not in selectors.QUEUE_FILTERS:
        queue_filter = "todo"
    queue = selectors.review_queue(part, queue_filter)
    current = None
    wanted = forms.parse_id(request.GET.get("answer", ""))
    if wanted is not None:
        current = selectors.answer_for_review(wanted, part)
    elif queue:
        current = selectors.answer_for_review(queue[0].pk, part)
    prev_id, next_id, position = _queue_neighbours(queue, current)
    rubric = list(part.rubric_items.all())
    # The side list shows a window around the current answer: with 500 copies, rendering
    # every line would cost more than the queries; j/k walk the whole queue anyway.
    in_queue = current is not None and position < len(queue)
    start = max(0, position - QUEUE_BEFORE) if in_queue else 0
    window = queue[start : start + QUEUE_WINDOW]
    context = {
        "part": part,
        "exam": part.exam,
        "queue": queue,
        "window": window,
        "hidden_before": start,
        "hidden_after": max(0, len(queue) - start - len(window)),
        "in_queue": in_queue,
        "queue_filter": queue_filter,
        "filters": selectors.QUEUE_FILTERS,
        "current": current,
        "prev_id": prev_id,
        "next_id": next_id,
        "position": position,
        "rubric": rubric,
    }
    if current is not None:
        score = getattr(current, "score", None)
        context.update(
            score=score,
            version=selectors.score_version(current),
            applied={i.pk for i in score.rubric_items.all()} if score else set(),
            group=selectors.group_of(current),
            region_page=exam_selectors.answer_region_page(current),
            open_request=next(
                (
                    r
                    for r in current.regrade_requests.all()
                    if r.status == RegradeRequest.Status.OPEN
                ),
                None,
            ),
        )
    return render(request, "grading/review.html", context)


def _next_url(request: HttpRequest, answer: Answer) -> str:
    base = reverse("review", args=[answer.part_id])
    queue_filter = request.POST.get("filter", "todo")
    next_id = forms.parse_id(request.POST.get("next_answer", ""))
    query = f"?filter={queue_filter}"
    if next_id is not None:
        query += f"&answer={next_id}"
    return base + query


def _grade_response(request: HttpRequest, answer: Answer, score, message: str) -> HttpResponse:
    next_url = _next_url(request, answer)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "points": None if score.points is None else str(score.points),
                "version": score.version,
                "message": message,
                "next_url": next_url,
            }
        )
    messages.success(request, message)
    return redirect(next_url)


def _stale(request: HttpRequest, answer: Answer, exc: services.StaleScoreError) -> HttpResponse:
    by = exc.score.graded_by
    who = (by.get_full_name() or by.get_username()) if by else "the auto-check"
    message = (
        f"Not saved: {who} changed this grade meanwhile (now {exc.score.points} points). "
        "Reload to see it, then grade again if needed."
    )
    here = reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}"
    if _wants_json(request):
        return JsonResponse(
            {"ok": False, "error": message, "stale": True, "version": exc.score.version},
            status=409,
        )
    messages.error(request, message)
    return redirect(here)


def _staff_answer(request: HttpRequest, answer_id: int) -> Answer:
    answer, enrollment = exam_selectors.get_answer_for_user(request.user, answer_id)
    if enrollment.role not in STAFF_ROLES:
        raise Http404("No such answer")
    return answer


@require_POST
@login_required
def answer_grade(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """Save a TA's grade: rubric items plus an adjustment, or explicit points; a comment."""
    answer = _staff_answer(request, answer_id)
    here = reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}"
    form = forms.GradeForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, here)
    data = form.cleaned_data
    try:
        score = services.answer_grade(
            answer=answer,
            actor=request.user,
            expected_version=data["version"],
            points=data["points"],
            rubric_item_ids=data["rubric_items"],
            adjustment=data["adjustment"],
            comment=data["comment"],
        )
    except services.StaleScoreError as exc:
        return _stale(request, answer, exc)
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, here)
    return _grade_response(
        request, answer, score, f"Copy {answer.submission.copy_number}: {score.points} points."
    )


@require_POST
@login_required
def answer_accept(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """Accept the auto-check's suggested points as this person's grade."""
    answer = _staff_answer(request, answer_id)
    here = reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}"
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, here)
    try:
        score = services.score_accept_auto(
            answer=answer, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except services.StaleScoreError as exc:
        return _stale(request, answer, exc)
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, here)
    return _grade_response(
        request,
        answer,
        score,
        f"Copy {answer.submission.copy_number}: auto verdict accepted ({score.points} points).",
    )


@require_POST
@login_required
def review_undo(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Undo the grader's last grading action on this part, then show the (first) answer it
    restored, to grade it again (or go back to ``next``, the answer-groups page); answers
    changed by someone else since are listed."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    queue_filter = request.POST.get("filter", "todo")
    if queue_filter not in selectors.QUEUE_FILTERS:
        queue_filter = "todo"
    base = reverse("review", args=[part.pk]) + f"?filter={queue_filter}"
    try:
        result = undo.grade_undo(part=part, actor=request.user)
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, base)
    restored = [score.answer for score in result.restored]
    what = GradeEvent.Action(result.action).label
    if result.moved_back:
        message = (
            f"Undone ({what}): copies {copy_numbers(result.moved_back)} are back in their group."
        )
    elif len(restored) == 1:
        points = result.restored[0].points
        message = f"Undone ({what}): copy {copy_numbers(restored)} is back to {points} points."
    elif restored:
        message = f"Undone ({what}): copies {copy_numbers(restored)} are back to their grades."
    else:
        message = f"Nothing undone ({what})."
    if result.skipped:
        message += f" Left copies {copy_numbers(result.skipped)} alone: changed by someone since."
    next_url = f"{base}&answer={(restored or result.moved_back or result.skipped)[0].pk}"
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "undone": result.action,
                "restored": [a.pk for a in restored],
                "skipped": [a.pk for a in result.skipped],
                "next_url": next_url,
            }
        )
    (messages.warning if result.skipped else messages.success)(request, message)
    # From the answer-groups page (``next``), back to it; else to the restored answer.
    return redirect_back(request, next_url)


@require_POST
@login_required
def answer_transcription(request: AuthenticatedRequest, answer_id: int) -> HttpResponse:
    """A TA types what the student wrote; the part is checked again with it."""
    from exams.pipeline.checking import NoAnswerKeyError, answer_correct_text

    answer = _staff_answer(request, answer_id)
    here = reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}"
    form = forms.TranscriptionForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, here)
    try:
        answer = answer_correct_text(
            answer=answer, text=form.cleaned_data["text"], actor=request.user
        )
    except NoAnswerKeyError as exc:
        return fail(request, _errors(exc), 400, here)
    message = f"Transcription corrected; checked again: {answer.get_verdict_display().lower()}."
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "reload_url": here})
    messages.success(request, message)
    return redirect(here)


@require_POST
@login_required
def regrade_resolve(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    """Close a student's regrade request with a response."""
    regrade = selectors.get_regrade_request(request_id)
    if regrade is None:
        raise Http404("No such request")
    answer = _staff_answer(request, regrade.answer_id)
    here = reverse("review", args=[answer.part_id]) + f"?answer={answer.pk}"
    form = forms.RegradeResolveForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, here)
    try:
        services.regrade_request_resolve(
            request=regrade, actor=request.user, response=form.cleaned_data["response"]
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, here)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": "Regrade request resolved."})
    messages.success(request, "Regrade request resolved; the student sees your response.")
    return redirect(here)
