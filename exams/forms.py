"""Forms for the exams app's POSTs: a roster, an exam from its text, an answer key, the blank
exam's PDF, the answer regions, printing, scan files, placing and discarding pages, matching a
copy to a student.

Each checks what is posted before an integer conversion, a parser or the database sees it; a
bad value is a 400 (or the page again) with :func:`gradebook.http.form_error_text`, never a
500.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from autocheck.keys.limits import MAX_KEY_CHARS
from exams.selectors import COPY_STATUSES
from exams.services.structure import MAX_PAGES_PER_COPY

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


def _text_upload(upload: Any, *, max_bytes: int, what: str) -> str:
    """An uploaded text file's content; ``ValidationError`` when too large or not UTF-8."""
    if (upload.size or 0) > max_bytes:
        raise ValidationError(f"The file is too large to be {what}.")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text.") from None


class _OneFileForm(forms.Form):
    """A form of one required file, whose absence is said in the form's own words."""

    missing = "Choose a file."

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors and not any(self.cleaned_data.values()):
            raise ValidationError(self.missing)
        return self.cleaned_data


class RosterForm(_OneFileForm):
    """A roster CSV file (name, student number, email)."""

    missing = "Choose a CSV file to import."
    file = forms.FileField(required=False)


class TemplatePdfForm(_OneFileForm):
    """The blank exam's PDF, the template of the printed copies."""

    missing = "Choose the blank exam's PDF."
    template_pdf = forms.FileField(required=False)


class ScanFilesForm(forms.Form):
    """One or more scan files (PDF, images, a ZIP of them) posted as ``files``, each becoming
    a batch; ``cleaned_data["files"]`` lists them. (A form field cannot be named ``files``:
    the name is the form's uploads, read here whole since a FileField cleans one file.)"""

    def clean(self) -> dict[str, Any]:
        super().clean()
        chosen = [f for f in self.files.getlist("files") if f]
        if not chosen:
            raise ValidationError("Choose at least one file.")
        self.cleaned_data["files"] = chosen
        return self.cleaned_data


#: A transcription larger than this is not an exam's text (the seed exams are 10-14 KB; the
#: structure of 256 KB of the worst text is proposed in about 2 s, 2 MB took 19 s).
EXAM_TEXT_MAX_BYTES = 256 * 1024
_TOO_LARGE = f"The text is larger than {EXAM_TEXT_MAX_BYTES // 1024} KB: not an exam's text."


def _exam_text(source: str) -> str:
    if len(source) > EXAM_TEXT_MAX_BYTES:
        raise ValidationError(_TOO_LARGE)
    return source


def _exam_file_text(upload: Any) -> tuple[str, bytes | None]:
    """The text of an uploaded exam, a Markdown file's or a PDF's text layer, and the PDF."""
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        return _text_upload(upload, max_bytes=EXAM_TEXT_MAX_BYTES, what="an exam's text"), None
    from exams.services.authoring import pdf_layer_text
    from exams.services.printing import MAX_TEMPLATE_BYTES

    if (upload.size or 0) > MAX_TEMPLATE_BYTES:
        raise ValidationError("The PDF is larger than 50 MiB.")
    data = upload.read()
    return _exam_text(pdf_layer_text(data)), data


class ExamTextForm(forms.Form):
    """An exam's text (its Markdown transcription, or its blank PDF's text layer), uploaded
    or pasted; ``source`` is the text (the file's when both are given), ``pdf`` the blank
    exam's PDF when one was uploaded (else None)."""

    file = forms.FileField(required=False)
    source = forms.CharField(required=False, strip=False)
    title = forms.CharField(required=False, max_length=200, label="Title")

    def clean_source(self) -> str:
        return _exam_text(self.cleaned_data["source"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        data["pdf"] = None
        if upload:
            data["source"], data["pdf"] = _exam_file_text(upload)
        if not self.errors and not (data.get("source") or "").strip():
            raise ValidationError("Upload the exam's Markdown transcription or paste it.")
        return data


class ExamStructureForm(forms.Form):
    """The proposed structure as confirmed: the exam's text again, its title and pages per
    copy, and each part's points as typed (fields ``points:<part id>``, in ``points``)."""

    source = forms.CharField(required=False, strip=False)
    title = forms.CharField(required=False, max_length=200, label="Title")
    pages_per_copy = _whole("Pages per copy", 1, MAX_PAGES_PER_COPY, required=False)
    #: The SHA-256 of the blank exam's PDF the text was read from, kept since the proposal.
    template = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        required=False,
        error_messages={"invalid": "The blank exam's PDF reference is not valid: upload it again."},
    )

    def clean_source(self) -> str:
        return _exam_text(self.cleaned_data["source"])

    def clean_pages_per_copy(self) -> int:
        return self.cleaned_data["pages_per_copy"] or 1

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # One field per part of the proposal: their names come from the text itself.
        data["points"] = {
            key.removeprefix("points:"): str(value)[:32]
            for key, value in self.data.items()
            if key.startswith("points:")
        }
        return data


class RegionsForm(forms.Form):
    """Every part's answer region (``{part_id: {"page": n, "box": [x0, y0, x1, y1]} | null}``)
    and the pages per copy (blank: unchanged), posted as form fields (``regions`` holding the
    JSON) or as one JSON body (:meth:`from_json`)."""

    regions = forms.JSONField(
        required=False,
        label="The regions",
        error_messages={"invalid": "The regions are not valid JSON; nothing was saved."},
    )
    pages_per_copy = _whole("Pages per copy", 1, MAX_PAGES_PER_COPY, required=False)

    @classmethod
    def from_json(cls, body: bytes) -> RegionsForm:
        """The form bound to a JSON body ``{"regions": {...}, "pages_per_copy": n}``."""
        try:
            data = json.loads(body.decode("utf-8", "replace"))
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            data = None
        if data is None:
            return cls({"regions": "{not json"})
        if not isinstance(data, dict):
            return cls({"regions": "null"})
        pages = data.get("pages_per_copy")
        return cls(
            {
                "regions": json.dumps(data.get("regions")),
                "pages_per_copy": "" if pages is None else str(pages),
            }
        )

    def clean_regions(self) -> dict[str, Any]:
        regions = self.cleaned_data["regions"]
        if regions is None and not self.data.get("regions"):
            return {}  # a form posted without regions: none changed
        if not isinstance(regions, dict):
            raise ValidationError(
                'The regions must be sent as {"regions": {"<part id>": '
                '{"page": n, "box": [x0, y0, x1, y1]}}}.'
            )
        return regions


class RegionsFindForm(forms.Form):
    """Find the answer regions again: for the parts without one, or for every part."""

    replace = forms.ChoiceField(choices=[("missing", "missing"), ("all", "all")], required=False)


class AnswerKeyForm(forms.Form):
    """An answer key as an uploaded YAML file, or pasted; ``text`` is what to install."""

    file = forms.FileField(required=False)
    source = forms.CharField(required=False, strip=False, label="Key")
    #: The instructor saw what the key changes in the exam's structure and confirms it.
    confirm = forms.BooleanField(required=False)

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
        super().clean()
        data = self.cleaned_data
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
        from exams.services.printed import MAX_PRINTED_CHARS

        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        if (upload.size or 0) > 4 * MAX_PRINTED_CHARS:
            raise ValidationError(f"the file is {upload.size / 2**20:.1f} MiB; too large")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("the file is not UTF-8 text") from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
        super().clean()
        data = self.cleaned_data
        data["mode"] = data.get("mode") or "roster"
        if data["mode"] == "anonymous" and data.get("count") is None and not self.errors:
            raise ValidationError(f"Print between 1 and {MAX_PRINT} anonymous copies.")
        return data


class PagePlaceForm(forms.Form):
    """Place a page by hand on (copy, page number); ``replace`` discards the scan there,
    ``other_exam`` says that a page whose QR code names another exam belongs here."""

    copy_number = _whole("Copy", 1, MAX_COPY)
    page_number = _whole("Page", 1, MAX_PAGES_PER_COPY)
    replace = forms.BooleanField(required=False)
    other_exam = forms.BooleanField(required=False)


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


class ShortcutsForm(forms.Form):
    """Single-key shortcuts on (``enabled`` = "on") or off ("off")."""

    enabled = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda v: v == "on"
    )


class CopyFilterForm(forms.Form):
    """The exam page's filter of its copies (a GET form): words to find, a status, a page."""

    q = forms.CharField(required=False, max_length=200, label="Find a copy")
    status = forms.ChoiceField(
        required=False,
        choices=list(COPY_STATUSES.items()),
        label="Status",
    )

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or "all"
