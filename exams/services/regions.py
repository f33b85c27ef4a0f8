"""Answer regions found for the instructor, and the printed layout of an exam made from text.

An exam with its own blank PDF gets its regions from the PDF's text layer: each part's label
and prompt are found on the page and the room below them, up to the next part, becomes the
answer region (``exams.scanning.answer_areas``). An exam made from text is printed from that
text (``exams.scanning.exam_text``): the room left after each part's text is its region. Either
way the regions are proposals, set only on parts that have none, for the instructor to confirm
or adjust in the regions editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from exams.models import Exam, PrintedExam
from exams.scanning.answer_areas import PartLabel, find_answer_areas
from exams.scanning.exam_text import TextLayout, layout_text, paragraphs_from_text
from exams.services.structure import part_regions_set

__all__ = [
    "RegionsProposal",
    "exam_text_layout",
    "part_regions_find",
    "part_regions_propose",
    "printed_label",
]


def printed_label(question_number: str, label: str) -> str:
    """A part's label as a student reads it on its own: ``(a)`` in question 4 is ``4(a)``, a
    label that names its question already (``Q2.1``, ``4(b)``) stays as it is."""
    label = label.strip()
    if not label:
        return question_number
    if re.search(rf"(?<!\d){re.escape(question_number)}(?!\d)", label):
        return label
    if label.startswith("("):
        return f"{question_number}{label}"
    if re.fullmatch(r"[A-Za-z]\)?", label):
        return f"{question_number}({label.rstrip(')')})"
    return f"{question_number}.{label.rstrip('.')}"


@dataclass(frozen=True)
class RegionsProposal:
    """Regions found for an exam's parts: ``found`` maps part ids to regions
    (``{"page": n, "box": [...]}``), ``missing`` to the reason none was found; ``source`` is
    ``"pdf"`` (the uploaded PDF's text layer) or ``"text"`` (the layout of the exam's text);
    ``pages`` the pages the regions need; ``applied`` the part ids whose region was set."""

    source: str
    found: dict[str, dict]
    missing: dict[str, str]
    pages: int
    applied: tuple[str, ...] = field(default=())


def _created_from(exam: Exam) -> PrintedExam | None:
    return (
        exam.printed_versions.filter(source=PrintedExam.Source.CREATED_FROM)
        .order_by("version")
        .first()
    )


def exam_text_layout(exam: Exam) -> TextLayout | None:
    """The printed layout of an exam made from text (its question text, each part's answer
    room), or None for an exam that was not made from text."""
    printed = _created_from(exam)
    if printed is None:
        return None
    parts = [
        (PartLabel(p.part_id, p.label, p.question.number), float(p.max_points))
        for p in exam.parts.select_related("question").order_by("order")
    ]
    return layout_text(paragraphs_from_text(printed.text, parts))


def _part_labels(exam: Exam) -> list[PartLabel]:
    return [
        PartLabel(p.part_id, p.label, p.question.number)
        for p in exam.parts.select_related("question").order_by("order")
    ]


def part_regions_find(exam: Exam) -> RegionsProposal:
    """Where each part's answer goes, found on the exam's blank PDF (its text layer) or, for
    an exam made from text, in the layout it is printed with. Nothing is saved."""
    if exam.template_pdf:
        from exams.scanning.pdftext import pdf_lines

        with exam.template_pdf.open("rb") as fh:
            lines = pdf_lines(fh.read())
        areas = find_answer_areas(lines, _part_labels(exam), pages=exam.pages_per_copy)
        found = {
            a.part_id: {"page": a.region.page, "box": list(a.region.box)}
            for a in areas
            if a.region is not None
        }
        missing = {a.part_id: a.reason for a in areas if a.region is None}
        return RegionsProposal("pdf", found, missing, exam.pages_per_copy)
    layout = exam_text_layout(exam)
    labels = _part_labels(exam)
    if layout is None:
        reason = "the exam has neither a blank PDF nor the text it was made from"
        return RegionsProposal("none", {}, {p.part_id: reason for p in labels}, 1)
    found = {r.label: {"page": r.page, "box": list(r.box)} for r in layout.regions}
    missing = {
        p.part_id: f"its label {p.label!r} is not in the exam's text"
        for p in labels
        if p.part_id not in found
    }
    return RegionsProposal("text", found, missing, layout.pages)


@transaction.atomic
def part_regions_propose(*, exam: Exam, replace: bool = False) -> RegionsProposal:
    """Find the parts' answer regions (:func:`part_regions_find`) and set them on the parts
    that have none (every part with ``replace``); the pages per copy grow to what the regions
    need. Returns the proposal, with ``applied`` the parts whose region was set."""
    proposal = part_regions_find(exam)
    current = {p.part_id: p.region for p in exam.parts.all()}
    chosen = {
        part_id: region
        for part_id, region in proposal.found.items()
        if replace or not current.get(part_id)
    }
    pages = max(exam.pages_per_copy, proposal.pages, *(r["page"] for r in chosen.values()))
    if chosen or pages != exam.pages_per_copy:
        part_regions_set(exam=exam, regions=chosen, pages_per_copy=pages)
    return RegionsProposal(
        proposal.source, proposal.found, proposal.missing, proposal.pages, tuple(chosen)
    )
