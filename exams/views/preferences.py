"""A user's own settings: single-key shortcuts on or off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from exams.forms import ShortcutsForm
from exams.services.preferences import preference_set_shortcuts
from gradebook.http import AuthenticatedRequest, form_error_text


@require_POST
@login_required
def shortcuts_set(request: AuthenticatedRequest) -> HttpResponse:
    """Turn the user's single-key shortcuts on or off, then back to the page it came from."""
    form = ShortcutsForm(request.POST)
    if form.is_valid():
        preference_set_shortcuts(user=request.user, enabled=form.cleaned_data["enabled"])
        state = "on" if form.cleaned_data["enabled"] else "off"
        messages.success(request, f"Single-key shortcuts are {state}.")
    else:
        messages.error(request, form_error_text(form))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("home")
