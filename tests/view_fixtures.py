"""Data for the view tests: answers with verdicts, scores and a rubric on the ``cast``'s exam,
and a page image placed on a copy. Plain functions (the fixtures live in the test files)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from exams.models import Answer, Page, ScanBatch, Submission
from grading import services
from grading.models import RubricItem

EXPECTED = {
    "display": "78",
    "latex": "78",
    "steps": [{"text": "I = floor(10000 / 128) = 78", "latex": "I = 78"}],
    "targets": [],
    "notes": [],
}


def graded_answers(cast) -> dict[str, Answer]:
    """Part 1.b answers of both copies of the cast: alice wrote 79 (incorrect, diagnosed),
    bob 78 (correct); the auto-check's points recorded as scores."""
    part = cast.exam.parts.get(part_id="1.b")
    part.region = {"page": 1, "box": [0.1, 0.2, 0.6, 0.4]}
    part.kind = "solver"
    part.save(update_fields=["region", "kind"])
    wrong = Answer.objects.create(
        submission=cast.submission,
        part=part,
        answer_text="79",
        final_answer="79",
        group_key="79",
        candidates=[{"text": "79", "final": True}],
        verdict=Answer.Verdict.INCORRECT,
        suggested_points=Decimal(0),
        expected=EXPECTED,
        diagnosis_code="floor_ceil",
        diagnosis="you rounded the number of mini-batches the other way",
        confidence=0.8,
    )
    right = Answer.objects.create(
        submission=cast.other_submission,
        part=part,
        answer_text="78",
        final_answer="78",
        group_key="78",
        verdict=Answer.Verdict.CORRECT,
        suggested_points=Decimal(6),
        expected=EXPECTED,
        confidence=0.9,
    )
    for a in (wrong, right):
        services.score_apply_auto(answer=a)
    return {"wrong": wrong, "right": right}


def rubric(cast) -> list[RubricItem]:
    part = cast.exam.parts.get(part_id="1.b")
    return [
        services.rubric_item_create(part=part, label="rounding", points=Decimal(-2)),
        services.rubric_item_create(part=part, label="no units", points=Decimal(-1)),
    ]


def png_bytes(size=(200, 280), text: str = "") -> bytes:
    image = Image.new("L", size, 255)
    if text:
        ImageDraw.Draw(image).text((30, 70), text, fill=0)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def scan_page(
    cast,
    *,
    submission: Submission | None = None,
    page_number: int | None = 1,
    status: str = Page.Status.PLACED,
    reason: str = "",
    index: int = 0,
) -> Page:
    batch, _ = ScanBatch.objects.get_or_create(
        exam=cast.exam,
        checksum="c" * 64,
        defaults={
            "original_name": "stack.pdf",
            "size_bytes": 1,
            "file": "scans/x.pdf",
            "status": ScanBatch.Status.DONE,
        },
    )
    # As far as the pipeline takes a page of that status.
    stage = {
        Page.Status.PENDING: Page.Stage.SPLIT,
        Page.Status.PLACED: Page.Stage.CHECKED,
    }.get(status, Page.Stage.SETTLED)
    page = Page(
        batch=batch,
        index_in_batch=index,
        status=status,
        stage=stage,
        submission=submission,
        page_number=page_number,
        attention_reason=reason,
    )
    page.image.save(f"p{index}.png", ContentFile(png_bytes(text="79")), save=True)
    return page
