"""Answer groups: a part's equal answers graded at once, with the crops of their copies; a
group's suggestion accepted in one click; groups split and merged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exams import selectors as exam_selectors
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors
from gradebook.http import wants_json as _wants_json
from grading import forms, selectors, services
from grading import groups as group_services
from grading.views.common import copy_numbers, fail, redirect_back

#: Crops shown per group in the list of all groups; a group opened alone shows them all.
CROPS_SHOWN = 12


@require_GET
@login_required
def groups(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """All answers of a part grouped by their extracted value, to grade a group at once.
    ``?key=`` opens one group with every copy's crop."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    focus = request.GET.get("key", "")
    region = part.region or {}
    return render(
        request,
        "grading/groups.html",
        {
            "part": part,
            "exam": part.exam,
            "groups": selectors.answer_groups(part),
            "rubric": list(part.rubric_items.all()),
            "focus": focus,
            "has_crops": bool(region.get("box") and region.get("page")),
            "crops_shown": CROPS_SHOWN,
        },
    )


def _done(
    request: HttpRequest, message: str, back: str, *, warn: bool = False, **extra
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, **extra})
    (messages.warning if warn else messages.success)(request, message)
    return redirect_back(request, back)


def _graded_message(result: services.GroupGradeResult) -> tuple[str, list[int]]:
    skipped = [a.submission.copy_number for a in result.skipped]
    message = f"Graded {len(result.graded)} answers of the group."
    if skipped:
        message += (
            f" Skipped copies {', '.join(map(str, skipped))}: graded by someone else meanwhile "
            "or new in the group; look at them one by one."
        )
    return message, skipped


@require_POST
@login_required
def group_grade(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Grade every answer of one group; answers graded meanwhile are skipped and listed."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    back = reverse("groups", args=[part.pk])
    form = forms.GroupGradeForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    data = form.cleaned_data
    try:
        result = services.group_grade(
            part=part,
            group_key=data["group_key"],
            actor=request.user,
            expected_versions=data["versions"],
            points=data["points"],
            rubric_item_ids=data["rubric_items"],
            adjustment=data["adjustment"],
            comment=data["comment"],
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message, skipped = _graded_message(result)
    return _done(
        request, message, back, warn=bool(skipped), graded=len(result.graded), skipped=skipped
    )


@require_POST
@login_required
def group_accept(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Accept a group's suggestion (the grade a person gave most in it, else the auto-check's
    points) for its answers not yet graded by a person; 409 when it changed meanwhile."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    back = reverse("groups", args=[part.pk])
    form = forms.GroupAcceptForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    data = form.cleaned_data
    try:
        result = group_services.group_accept(
            part=part,
            group_key=data["group_key"],
            actor=request.user,
            expected_versions=data["versions"],
            token=data["suggestion"],
        )
    except group_services.SuggestionChangedError as exc:
        return fail(request, str(exc), 409, back)
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message, skipped = _graded_message(result)
    message = message.replace("Graded", "Accepted the suggestion for", 1)
    return _done(
        request, message, back, warn=bool(skipped), graded=len(result.graded), skipped=skipped
    )


@require_POST
@login_required
def group_split(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Take the ticked copies out of their group, into a group of their own."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    back = reverse("groups", args=[part.pk])
    form = forms.GroupSplitForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    try:
        result = group_services.group_split(
            part=part,
            group_key=form.cleaned_data["group_key"],
            answer_ids=form.cleaned_data["answers"],
            actor=request.user,
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message = f"Copies {copy_numbers(result.moved)} now form a group of their own (u undoes it)."
    return _done(request, message, back, group_key=result.group_key)


@require_POST
@login_required
def group_merge(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Merge the ticked groups into the largest of them."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id)
    back = reverse("groups", args=[part.pk])
    form = forms.GroupMergeForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    try:
        result = group_services.group_merge(
            part=part, group_keys=form.cleaned_data["groups"], actor=request.user
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message = f"Merged: {len(result.moved)} answers joined the group (u undoes it)."
    return _done(request, message, back, group_key=result.group_key)
