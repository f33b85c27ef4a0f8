"""Forms for the grading POSTs: what a grader or a student sends, checked before it reaches
``Decimal`` arithmetic, an integer conversion or the database.

One form serves a plain form post and the page script's JSON answer alike: the view binds it,
and on error answers 400 with :func:`gradebook.http.form_error_text` (a line naming each
field). ``NaN``,
``sNaN``, ``Infinity``, ``1e999``, a NUL character or a 10,000-digit id is such an error, never
a 500.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

#: What a score, an adjustment or a rubric item stores (7 digits, 2 decimals).
MAX_POINTS = Decimal("99999.99")
#: Database ids (BigAutoField) and versions (PositiveIntegerField).
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
#: Typed text: a comment, a regrade message or response, a transcription.
MAX_TEXT = 10_000
#: Rubric items applied at once, and answers in one group grade.
MAX_IDS = 1_000


class PointsField(forms.DecimalField):
    """Points as a grader types them (``2.5`` or ``2,5``): a finite number with at most two
    decimals, from ``minimum`` to :data:`MAX_POINTS` (what a score stores)."""

    def __init__(self, *, minimum: Decimal = -MAX_POINTS, **kwargs: Any) -> None:
        self.minimum = minimum
        super().__init__(**kwargs)

    def _refuse(self, value: object) -> ValidationError:
        shown = str(value)[:20] + ("..." if len(str(value)) > 20 else "")
        return ValidationError(
            f"{shown!r} is not a number from {self.minimum} to {MAX_POINTS} "
            "with at most two decimals.",
            code="invalid",
        )

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().replace(",", ".")
        if len(text) > 32 or not text.isascii():  # Decimal reads other scripts' digits too
            raise self._refuse(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self._refuse(value) from None
        if not number.is_finite() or not self.minimum <= number <= MAX_POINTS:
            raise self._refuse(value)
        if number != number.quantize(Decimal("0.01")):
            raise self._refuse(value)
        return number

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # required or not; the range is checked above

    def run_validators(self, value: Any) -> None:
        return None  # to_python has checked digits and range, with one message


def parse_id(raw: str) -> int | None:
    """An id as written in a query string or a form (ASCII digits, within the database's
    range), or None for anything else: never an exception, whatever its length."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None


class IdListField(forms.Field):
    """Ids posted as a repeated field (``rubric_items=3&rubric_items=7``): whole numbers from 1,
    at most :data:`MAX_IDS` of them; blank entries are ignored."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        values = [str(v).strip() for v in values if str(v).strip()]
        if len(values) > MAX_IDS:
            raise ValidationError(f"At most {MAX_IDS} at once.", code="too_many")
        ids = [parse_id(v) for v in values]
        if None in ids:
            raise ValidationError("Not a list of ids; reload the page.", code="invalid")
        return [i for i in ids if i is not None]


def _version_field() -> forms.IntegerField:
    message = "The form is missing the score version; reload."
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_VERSION,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class _KeepWhenAbsent:
    """``comment`` absent from the POST means "leave it as it is" (None), not "clear it"."""

    data: Any
    cleaned_data: dict[str, Any]

    def clean_comment(self) -> str | None:
        return self.cleaned_data["comment"] if "comment" in self.data else None


class GradeForm(_KeepWhenAbsent, forms.Form):
    """A TA's grade of one answer: explicit points, or rubric items plus an adjustment."""

    version = _version_field()
    points = PointsField(required=False, minimum=Decimal(0), label="Points")
    rubric_items = IdListField(required=False, label="Rubric items")
    adjustment = PointsField(required=False, label="Adjustment")
    comment = forms.CharField(required=False, max_length=MAX_TEXT, label="Comment")

    def clean_adjustment(self) -> Decimal:
        return self.cleaned_data["adjustment"] or Decimal(0)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and (
            data["points"] is None and not data["rubric_items"] and not data["adjustment"]
        ):
            # Without this an empty save would mean full marks (no deduction): too easy to
            # press by accident on a wrong answer.
            raise ValidationError(
                "Nothing to save: apply rubric items (1-9), type points (p) or accept (a)."
            )
        return data


class AcceptForm(forms.Form):
    """Accept the auto-check's suggestion as seen at ``version``."""

    version = _version_field()


def _versions(text: str) -> dict[int, int]:
    """``answer_id:version,...`` as the groups page posts it."""
    out = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        answer_id, _, version = (s.strip() for s in pair.partition(":"))
        if not (
            answer_id.isascii()
            and answer_id.isdigit()
            and version.isascii()
            and version.isdigit()
            and len(answer_id) <= 19
            and len(version) <= 10
        ):
            raise ValidationError("The form is damaged; reload the page.")
        out[int(answer_id)] = int(version)
    return out


#: A group's key: an answer's normalised value (500 characters), or a split group's.
MAX_GROUP_KEY = 600


def _group_key_field() -> forms.CharField:
    return forms.CharField(max_length=MAX_GROUP_KEY, strip=False, label="Group")


class GroupGradeForm(forms.Form):
    """Grade every answer of a group; ``versions`` is ``answer_id:version,...`` as loaded."""

    group_key = forms.CharField(
        required=False, max_length=MAX_GROUP_KEY, strip=False, label="Group"
    )
    versions = forms.CharField(required=False, max_length=40 * MAX_IDS, label="Versions")
    points = PointsField(required=False, minimum=Decimal(0), label="Points")
    rubric_items = IdListField(required=False, label="Rubric items")
    adjustment = PointsField(required=False, label="Adjustment")
    comment = forms.CharField(required=False, max_length=MAX_TEXT, label="Comment")

    def clean_versions(self) -> dict[int, int]:
        return _versions(self.cleaned_data["versions"])

    def clean_adjustment(self) -> Decimal:
        return self.cleaned_data["adjustment"] or Decimal(0)

    def clean_comment(self) -> str | None:
        return self.cleaned_data["comment"] or None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and data["points"] is None and not data["rubric_items"]:
            raise ValidationError("Nothing to grade with: tick rubric items or type points.")
        return data


class GroupAcceptForm(forms.Form):
    """Accept a group's suggestion, as seen (its fingerprint) for the answers as loaded."""

    group_key = _group_key_field()
    versions = forms.CharField(required=False, max_length=40 * MAX_IDS, label="Versions")
    suggestion = forms.CharField(max_length=64, label="Suggestion")

    def clean_versions(self) -> dict[int, int]:
        return _versions(self.cleaned_data["versions"])


class GroupSplitForm(forms.Form):
    """Take the ticked copies' answers out of their group."""

    group_key = _group_key_field()
    answers = IdListField(required=False, label="Copies")


class KeyListField(forms.Field):
    """Group keys posted as a repeated field (``groups=79&groups=80``): at most
    :data:`MAX_IDS` of them, each at most :data:`MAX_GROUP_KEY` characters."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        keys = [str(v) for v in values if str(v)]
        if len(keys) > MAX_IDS or any(len(k) > MAX_GROUP_KEY or "\x00" in k for k in keys):
            raise ValidationError("Not a list of groups; reload the page.", code="invalid")
        return keys


class GroupMergeForm(forms.Form):
    """Merge the ticked groups into one."""

    groups = KeyListField(required=False, label="Groups")


class RubricItemForm(forms.Form):
    """A new rubric item (``points`` blank: 0)."""

    label = forms.CharField(required=False, max_length=200, label="Label")
    points = PointsField(required=False, label="Points")
    description = forms.CharField(required=False, max_length=MAX_TEXT, label="Description")

    def clean_points(self) -> Decimal | None:
        return self.cleaned_data["points"] or Decimal(0)


class RubricItemEditForm(RubricItemForm):
    """An edit of a rubric item: a field absent from the POST (or blank points) is left as it
    is (None)."""

    def _absent_as_none(self, name: str) -> Any:
        return self.cleaned_data[name] if name in self.data else None

    def clean_label(self) -> str | None:
        return self._absent_as_none("label")

    def clean_points(self) -> Decimal | None:
        return self.cleaned_data["points"]

    def clean_description(self) -> str | None:
        return self._absent_as_none("description")


class RubricImportForm(forms.Form):
    """Rubric items of another part (``source``) to copy into this one."""

    source = forms.IntegerField(min_value=1, max_value=MAX_ID, label="Part")
    items = IdListField(required=False, label="Rubric items")


class TranscriptionForm(forms.Form):
    """What the student wrote, typed by a TA."""

    text = forms.CharField(required=False, max_length=MAX_TEXT, strip=False, label="Text")


class RegradeRequestForm(forms.Form):
    """A student's reason to look at a part again."""

    message = forms.CharField(required=False, max_length=MAX_TEXT, label="Message")


class RegradeResolveForm(forms.Form):
    """The grader's answer to a regrade request."""

    response = forms.CharField(required=False, max_length=MAX_TEXT, label="Response")


class PublishForm(forms.Form):
    """Publishing: an explicit confirmation, and the number of unfinished items shown."""

    confirm = forms.BooleanField(
        required=True, error_messages={"required": "Tick the box to confirm the publication."}
    )
    unfinished = forms.IntegerField(min_value=0, max_value=MAX_VERSION, required=False)


class UnpublishForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, strip=True)


class AnonymousForm(forms.Form):
    """Anonymous grading on (ticked) or off (not ticked, as a browser sends it)."""

    anonymous = forms.BooleanField(required=False)
