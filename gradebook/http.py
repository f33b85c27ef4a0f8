"""Small request and response helpers shared by the views of both apps."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse


def wants_json(request: HttpRequest) -> bool:
    """A page script's ``fetch`` (answered with JSON) rather than a plain form post."""
    return "application/json" in request.headers.get("Accept", "")


def error_text(exc: ValidationError) -> str:
    """Every message of a ValidationError, as one line for a page or a JSON error."""
    if hasattr(exc, "error_dict"):
        return " ".join(m for errs in exc.message_dict.values() for m in errs)
    return " ".join(exc.messages)


def form_error_text(form: Form) -> str:
    """Every error of a bound form as one line, each prefixed with its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else str(form.fields[name].label or name)
        for message in map(str, errors):
            prefixed = label and not message.startswith(label)
            parts.append(f"{label}: {message}" if prefixed else message)
    return " ".join(parts)


def attachment(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    """A download: ``content`` served as a file named ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AuthenticatedRequest(HttpRequest):
    """The request of a ``@login_required`` view: its user is signed in (for the type checker;
    django-stubs types ``request.user`` as possibly anonymous)."""

    user: User
