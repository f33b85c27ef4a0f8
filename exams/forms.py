"""Forms for the exams app's POSTs: an answer key, printing, placing and discarding pages,
matching a copy to a student, the pages per copy.

Each checks what is posted before an integer conversion, a parser or the database sees it; a
bad value is a 400 (or the page again) with :func:`gradebook.http.form_error_text`, never a
500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from autocheck.keys.limits import MAX_KEY_CHARS
from exams.services import MAX_PAGES_PER_COPY

#: Copy numbers and ids, as the database stores them (PositiveIntegerField, BigAutoField).
MAX_COPY = 2**31 - 1
MAX_ID = 2**63 - 1
#: Anonymous copies printed at once.
MAX_PRINT = 1000


def _whole(label: str, minimum: int, maximum: int, **kwargs: Any) -> forms.IntegerField:
    """A whole number with one message for every way of not being one in range."""
    message = f"{label} must be a whole number from {minimum} to {maximum}."
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        **kwargs,
    )


class AnswerKeyForm(forms.Form):
    """An answer key as an uploaded YAML file, or pasted; ``text`` is what to install."""

    file = forms.FileField(required=False)
    source = forms.CharField(required=False, strip=False, label="Key")

    def clean_file(self) -> str | None:
        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        # UTF-8 takes at most 4 bytes a character: anything larger is too long to be a key.
        if upload.size > 4 * MAX_KEY_CHARS:
            raise ValidationError(
                f"the file is {upload.size / 2**20:.1f} MiB; a key has at most "
                f"{MAX_KEY_CHARS:,} characters"
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("the file is not UTF-8 text") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = data.get("file") or data.get("source") or ""
        if not self.errors and not text.strip():
            raise ValidationError("upload a YAML file or paste it")
        data["text"] = text
        return data


class PrintedExamForm(forms.Form):
    """The exam's printed text as an uploaded transcription of the blank (Markdown or plain
    text), or pasted; ``text`` is what to store."""

    file = forms.FileField(required=False)
    source = forms.CharField(required=False, strip=False, label="Printed exam")

    def clean_file(self) -> str | None:
        from exams.printed import MAX_PRINTED_CHARS

        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        if upload.size > 4 * MAX_PRINTED_CHARS:
            raise ValidationError(f"the file is {upload.size / 2**20:.1f} MiB; too large")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("the file is not UTF-8 text") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = data.get("file") or data.get("source") or ""
        if not self.errors and not text.strip():
            raise ValidationError("upload the blank exam's transcription or paste it")
        data["text"] = text
        return data


class PrintForm(forms.Form):
    """Printable copies: for the roster's students without one, or ``count`` anonymous ones."""

    mode = forms.ChoiceField(
        choices=[("roster", "roster"), ("anonymous", "anonymous")], required=False
    )
    count = _whole("Anonymous copies", 1, MAX_PRINT, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["mode"] = data.get("mode") or "roster"
        if data["mode"] == "anonymous" and data.get("count") is None and not self.errors:
            raise ValidationError(f"Print between 1 and {MAX_PRINT} anonymous copies.")
        return data


class PagePlaceForm(forms.Form):
    """Place a page by hand on (copy, page number); ``replace`` discards the scan there."""

    copy_number = _whole("Copy", 1, MAX_COPY)
    page_number = _whole("Page", 1, MAX_PAGES_PER_COPY)
    replace = forms.BooleanField(required=False)


class PageDiscardForm(forms.Form):
    """Discard a page, with an optional reason."""

    reason = forms.CharField(required=False, max_length=200, label="Reason")


class PagesDiscardForm(forms.Form):
    """Discard a group of pages at once: one file's pages set aside for one reason, up to
    the newest page listed."""

    batch = _whole("File", 1, MAX_ID)
    reason = forms.CharField(max_length=300, strip=False, label="Reason")
    up_to = _whole("Last page", 1, MAX_ID)
    note = forms.CharField(required=False, max_length=200, label="Why")


class IdentifyForm(forms.Form):
    """Match a copy to a student: a suggestion (radio) and the full list (select) share the
    field ``student``; the last one chosen wins."""

    student = _whole("Student", 1, MAX_ID)

    def __init__(self, data: Any) -> None:
        chosen = [v for v in data.getlist("student") if v.strip()]
        super().__init__({"student": chosen[-1] if chosen else ""})


class PagesPerCopyForm(forms.Form):
    """The number of pages of a printed copy (blank: unchanged, where that applies)."""

    pages_per_copy = _whole("Pages per copy", 1, MAX_PAGES_PER_COPY, required=False)


class ExamFromTextForm(forms.Form):
    """The exam made from its text: a title and its pages per copy (blank: 1)."""

    title = forms.CharField(required=False, max_length=200, label="Title")
    pages_per_copy = _whole("Pages per copy", 1, MAX_PAGES_PER_COPY, required=False)

    def clean_pages_per_copy(self) -> int:
        return self.cleaned_data["pages_per_copy"] or 1
