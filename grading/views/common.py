"""Helpers shared by the grading views."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from exams.models import Answer, Role
from gradebook.http import wants_json as _wants_json

INSTRUCTOR = (Role.INSTRUCTOR,)
#: Lines of the review queue listed beside the current answer (before it, in all).
QUEUE_BEFORE, QUEUE_WINDOW = 20, 80


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def fail(request: HttpRequest, message: str, status: int, fallback: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    messages.error(request, message)
    return redirect_back(request, fallback)


def copy_numbers(answers: Iterable[Answer]) -> str:
    """The answers' copy numbers for a message: ``3, 17, 42``."""
    return ", ".join(str(a.submission.copy_number) for a in answers)
