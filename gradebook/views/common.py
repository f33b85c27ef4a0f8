"""Helpers shared by the grading views."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from exams.models import Role
from gradebook.http import wants_json as _wants_json

INSTRUCTOR = (Role.INSTRUCTOR,)
#: Lines of the review queue listed beside the current answer (before it, in all).
QUEUE_BEFORE, QUEUE_WINDOW = 20, 80


def _decimal(value: str | None, field: str, *, blank: Decimal | None = None) -> Decimal | None:
    if value is None or not value.strip():
        return blank
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError({field: f"{value!r} is not a number."}) from exc


def _ids(values: list[str], field: str) -> list[int]:
    try:
        return [int(v) for v in values if v.strip()]
    except ValueError as exc:
        raise ValidationError({field: "Not a list of ids."}) from exc


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _fail(request: HttpRequest, message: str, status: int, fallback: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    messages.error(request, message)
    return _back(request, fallback)
