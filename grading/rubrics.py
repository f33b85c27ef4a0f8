"""Rubric items shared between parts: import a part's items into another part, of the same
exam or of another exam of a course the user staffs (last year's midterm, the other version
of a question)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import Part
from grading.models import RubricItem
from grading.services import rubric_item_create


@dataclass(frozen=True)
class RubricImportResult:
    created: list[RubricItem]
    #: Labels the part had already: those items were left out, the part's own kept as is.
    already: list[str]


@transaction.atomic
def rubric_items_import(*, part: Part, source: Part, item_ids: Sequence[int]) -> RubricImportResult:
    """Copy the rubric items ``item_ids`` of ``source`` into ``part`` (label, points,
    description and diagnosis code), after its own items and in the source's order. An item
    whose label the part already has is left out and reported. The caller checks that the
    user may read ``source``. A new item changes no grade. ``ValidationError`` when no item is
    chosen, or an item is not ``source``'s."""
    if source.pk == part.pk:
        raise ValidationError("Choose another part to import rubric items from.")
    wanted = set(item_ids)
    items = list(source.rubric_items.filter(pk__in=wanted).order_by("order", "pk"))
    if not wanted:
        raise ValidationError("Tick the rubric items to import.")
    if len(items) != len(wanted):
        raise ValidationError("A ticked item is not one of that part's; reload the page.")
    existing = set(part.rubric_items.values_list("label", flat=True))
    created, already = [], []
    for item in items:
        if item.label in existing:
            already.append(item.label)
            continue
        created.append(
            rubric_item_create(
                part=part,
                label=item.label,
                points=item.points,
                description=item.description,
                diagnosis_code=item.diagnosis_code,
            )
        )
        existing.add(item.label)
    return RubricImportResult(created=created, already=already)
