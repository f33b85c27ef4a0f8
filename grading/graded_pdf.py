"""A student's graded copy as one PDF: a cover with the scores per part, then every scanned
page with each answer region outlined in its verdict's colour and the part's points, rubric
items and the grader's comment written beside it.

Drawn with Pillow and saved as a multi-page PDF by Pillow itself (no PDF library): the pages
are pictures of the scans, as the student's page shows them. Each page is drawn at
:data:`DPI`, whatever the scanner's resolution, so a 4-page copy stays near a megabyte.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Sequence
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

from exams.images import open_upright
from exams.models import Answer, Page, Submission
from grading.selectors import CopyGaps, FeedbackRow

DPI = 110
#: An A4 page at DPI.
PAGE_W, PAGE_H = round(8.27 * DPI), round(11.69 * DPI)
COLOURS: dict[str, tuple[int, int, int]] = {
    Answer.Verdict.CORRECT: (26, 127, 55),
    Answer.Verdict.PARTIAL: (176, 110, 0),
    Answer.Verdict.INCORRECT: (190, 30, 45),
    Answer.Verdict.BLANK: (110, 110, 110),
}
OTHER = (40, 80, 190)  # a person must read it, or it is not checked yet


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Debian's fonts-dejavu-core: Latin, Greek, Cyrillic, maths signs) at
    ``size`` pixels, else Pillow's own font (Latin only)."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # a Pillow built without FreeType
        raise RuntimeError("Pillow has no FreeType support: the graded PDF needs it")
    return font


def _points(row: FeedbackRow) -> str:
    shown = "–" if row.points is None else f"{row.points.normalize():f}"
    return f"{shown} / {row.part.max_points.normalize():f}"


def _verdict(row: FeedbackRow) -> str:
    if row.answer is None:
        return "no answer scanned"
    if row.points is None:
        return "not graded yet"
    return row.answer.get_verdict_display().lower()


def _notes(row: FeedbackRow) -> list[str]:
    """What the part's feedback says: the diagnosis, rubric items and the comment."""
    out = []
    if row.answer is not None and row.answer.diagnosis:
        out.append(row.answer.diagnosis[:1].upper() + row.answer.diagnosis[1:])
    if row.score is not None:
        out += [f"{i.label} ({i.points:+})" for i in row.score.rubric_items.all()]
        if row.score.adjustment:
            out.append(f"adjustment {row.score.adjustment:+}")
        if row.score.comment:
            out.append(row.score.comment)
    return out


def _cover(
    submission: Submission, rows: Sequence[FeedbackRow], gaps: CopyGaps, *, show_name: bool = True
) -> Image.Image:
    page = Image.new("RGB", (PAGE_W, PAGE_H), "white")
    draw = ImageDraw.Draw(page)
    title, body, small = _font(30), _font(17), _font(14)
    x, y = 60, 60
    draw.text((x, y), submission.exam.title, fill="black", font=title)
    y += 50
    who = submission.student.user.get_full_name() if submission.student and show_name else ""
    draw.text(
        (x, y),
        f"{who + ' · ' if who else ''}copy {submission.copy_number}",
        fill="black",
        font=body,
    )
    y += 30
    total = "–" if submission.total_points is None else f"{submission.total_points.normalize():f}"
    maximum = sum((r.part.max_points for r in rows), Decimal(0))
    draw.text((x, y), f"Total {total} / {maximum.normalize():f}", fill="black", font=title)
    y += 50
    if not gaps.final:
        draw.text((x, y), "This total is not final:", fill=OTHER, font=body)
        y += 24
        for line in _gap_lines(gaps):
            draw.text((x + 20, y), line, fill=OTHER, font=small)
            y += 20
        y += 10
    for row in rows:
        if y > PAGE_H - 80:
            break
        colour = COLOURS.get(row.answer.verdict, OTHER) if row.answer else OTHER
        draw.text((x, y), row.part.part_id, fill="black", font=body)
        draw.text((x + 110, y), _verdict(row), fill=colour, font=body)
        draw.text((x + 420, y), _points(row), fill="black", font=body)
        y += 24
        for note in _notes(row):
            for line in textwrap.wrap(note, 90)[:3]:
                draw.text((x + 110, y), line, fill=(80, 80, 80), font=small)
                y += 18
        y += 6
    return page


def _gap_lines(gaps: CopyGaps) -> list[str]:
    lines = []
    if gaps.ungraded:
        lines.append(
            "not graded yet (counted as 0): " + ", ".join(p.part_id for p in gaps.ungraded)
        )
    if gaps.provisional:
        lines.append(
            "automatic points, not yet confirmed by a grader: "
            + ", ".join(p.part_id for p in gaps.provisional)
        )
    if gaps.missing_pages:
        lines.append("pages not scanned: " + ", ".join(str(n) for n in gaps.missing_pages))
    return lines


def _annotated(page: Page, rows: Sequence[FeedbackRow]) -> Image.Image:
    upright = open_upright(page)
    width = upright.size[0]
    image = upright.image(scale=min(1.0, PAGE_W / width)).convert("RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    label_px, small_px = max(12, image.width // 55), max(10, image.width // 70)
    label, small = _font(label_px), _font(small_px)
    w, h = image.size
    for row in rows:
        box = (
            row.part.region.get("box") if row.part.region.get("page") == page.page_number else None
        )
        if row.answer is None or not box or len(box) != 4:
            continue
        colour = COLOURS.get(row.answer.verdict, OTHER)
        x0, y0, x1, y1 = (round(float(v) * s) for v, s in zip(box, (w, h, w, h), strict=True))
        draw.rectangle((x0, y0, x1, y1), outline=(*colour, 255), width=3)
        text = f"{row.part.part_id}: {_points(row)} · {_verdict(row)}"
        tw = draw.textlength(text, font=label)
        draw.rectangle((x0, max(0, y0 - label_px - 8), x0 + tw + 10, y0), fill=(*colour, 235))
        draw.text((x0 + 5, max(0, y0 - label_px - 6)), text, fill="white", font=label)
        y = y0 + 4
        for note in _notes(row):
            for line in textwrap.wrap(note, max(20, (x1 - x0) // max(1, small_px // 2)))[:3]:
                lw = draw.textlength(line, font=small)
                draw.rectangle(
                    (x0 + 4, y, x0 + 10 + lw, y + small_px + 4), fill=(255, 255, 240, 230)
                )
                draw.text((x0 + 7, y + 1), line, fill=colour, font=small)
                y += small_px + 5
    return image


def graded_pdf(
    submission: Submission,
    rows: Sequence[FeedbackRow],
    pages: Sequence[Page],
    gaps: CopyGaps,
    *,
    show_name: bool = True,
) -> bytes:
    """The copy's graded PDF: a cover with the scores, then each scanned page annotated.
    ``show_name`` False leaves the student's name off the cover (anonymous grading)."""
    images = [_cover(submission, rows, gaps, show_name=show_name)]
    images += [_annotated(p, rows) for p in pages if p.image]
    buf = io.BytesIO()
    images[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=DPI,
        title=submission.exam.title,
    )
    return buf.getvalue()
