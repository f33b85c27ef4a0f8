"""Rubric editing per part (instructors; TAs may add items); an edit re-scores every answer
using the item."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from exams import selectors as exam_selectors
from exams.models import STAFF_ROLES
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors
from gradebook.http import wants_json as _wants_json
from grading import forms, selectors, services
from grading.models import RubricItem
from grading.rubrics import rubric_items_import
from grading.views.common import INSTRUCTOR, fail, redirect_back

# --- Rubric -------------------------------------------------------------------------------


@require_GET
@login_required
def rubric(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """A part's rubric items; ``?from=<part>`` lists another part's items to import."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id, roles=INSTRUCTOR)
    items = selectors.rubric_items_with_use(part)
    context = {
        "part": part,
        "exam": part.exam,
        "items": items,
        "sources": selectors.rubric_import_sources(request.user, part),
    }
    source_id = forms.parse_id(request.GET.get("from", ""))
    if source_id is not None and source_id != part.pk:
        source, _ = exam_selectors.get_part_for_user(request.user, source_id)
        labels = {item.label for item in items}
        context.update(
            source=source,
            source_items=[
                (item, item.label in labels) for item in selectors.rubric_items_of(source)
            ],
        )
    return render(request, "grading/rubric.html", context)


@require_POST
@login_required
def rubric_import(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Copy the ticked rubric items of another part the user staffs into this part."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id, roles=INSTRUCTOR)
    back = reverse("rubric", args=[part.pk])
    form = forms.RubricImportForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    source, _ = exam_selectors.get_part_for_user(request.user, form.cleaned_data["source"])
    try:
        result = rubric_items_import(part=part, source=source, item_ids=form.cleaned_data["items"])
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, f"{back}?from={source.pk}")
    message = f"Imported {len(result.created)} rubric items from part {source.part_id}"
    message += f" of {source.exam.title}." if source.exam_id != part.exam_id else "."
    if result.already:
        message += f" Already here, left out: {', '.join(result.already)}."
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "created": len(result.created)})
    (messages.warning if result.already else messages.success)(request, message)
    return redirect(back)


@require_POST
@login_required
def rubric_item_create(request: AuthenticatedRequest, part_id: int) -> HttpResponse:
    """Add a rubric item. TAs may add one while grading (from the review page, which it
    returns to through ``next``): a new item changes no existing grade. Editing or deleting
    items, which re-scores every answer using them, stays with instructors."""
    part, _ = exam_selectors.get_part_for_user(request.user, part_id, roles=STAFF_ROLES)
    back = reverse("rubric", args=[part.pk])
    form = forms.RubricItemForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    try:
        item = services.rubric_item_create(part=part, **form.cleaned_data)
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message = f"Added {item.label} ({item.points:+})."
    if _wants_json(request):
        return JsonResponse(
            {"ok": True, "message": message, "reload_url": request.POST.get("next")}
        )
    messages.success(request, message)
    return redirect_back(request, back)


def _item_for_instructor(request: HttpRequest, item_id: int) -> RubricItem:
    item = selectors.get_rubric_item(item_id)
    if item is None:
        raise Http404("No such rubric item")
    exam_selectors.get_part_for_user(request.user, item.part_id, roles=INSTRUCTOR)
    return item


@require_POST
@login_required
def rubric_item_update(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    """Edit an item; a change of points re-scores every answer using it (audit-logged)."""
    item = _item_for_instructor(request, item_id)
    back = reverse("rubric", args=[item.part_id])
    form = forms.RubricItemEditForm(request.POST)
    if not form.is_valid():
        return fail(request, form_error_text(form), 400, back)
    try:
        item, changed = services.rubric_item_update(
            item=item, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        return fail(request, _errors(exc), 400, back)
    message = f"Saved {item.label}." + (
        f" Re-scored {changed} answers using it." if changed else ""
    )
    messages.success(request, message)
    return redirect(back)


@require_POST
@login_required
def rubric_item_delete(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = _item_for_instructor(request, item_id)
    back = reverse("rubric", args=[item.part_id])
    label = item.label
    used = services.rubric_item_delete(item=item, actor=request.user)
    messages.success(
        request, f"Deleted {label}." + (f" Re-scored {used} answers without it." if used else "")
    )
    return redirect(back)
