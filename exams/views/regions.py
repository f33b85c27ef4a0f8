"""Drawing the answer regions on the exam's template pages."""

from __future__ import annotations

import hashlib
import io
import json
import threading

import pypdfium2 as pdfium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from exams import selectors
from exams.forms import RegionsFindForm, RegionsForm
from exams.models import Exam, Part
from exams.scanning.copies import make_copies
from exams.scanning.layout import A4_MM, MARKER_MM, marker_centres_mm, qr_box_mm
from exams.services import printing
from exams.services.printing import exam_template
from exams.services.regions import part_regions_propose
from exams.services.structure import MAX_PAGES_PER_COPY, part_regions_set
from exams.views.common import INSTRUCTOR
from gradebook.http import AuthenticatedRequest, form_error_text
from gradebook.http import error_text as _errors

#: Resolution of the template pages the instructor draws on (a4 at 100 dpi: 827 x 1170 px).
TEMPLATE_DPI = 100
TEMPLATE_CACHE_SECONDS = 3600
#: Exam code in the QR stamp of the template preview (exam codes are hexadecimal).
PREVIEW_CODE = "PREVIEW"
# pdfium is not thread-safe, and the regions page asks for all its pages at once.
_PDFIUM = threading.Lock()


def _template_pdf(exam: Exam) -> tuple[bytes, str]:
    """The exam's blank template and a digest of it: the version its page images carry."""
    pdf = exam_template(exam)
    return pdf, hashlib.sha256(pdf).hexdigest()[:16]


def _print_marks(exam: Exam, parts: list[Part]) -> list[dict]:
    """What else is printed where a box could go, page-normalised: on every page the QR code
    with its line of text and the corner marks (``page`` None), and the template's own boxes
    that are not answer regions (the student-number box of the cover). The regions page warns
    when an answer box covers one."""
    answer_ids = {p.part_id for p in parts}
    printed = [
        {"name": f"the {r.label} box", "page": r.page, "box": list(r.box)}
        for r in printing.exam_regions(exam)
        if r.label not in answer_ids
    ]
    w, h = A4_MM
    qx0, qy0, qx1, qy1 = qr_box_mm()
    # The "code · copy · page" line is right-aligned under the code and wider than it.
    zones = [("the QR code", min(qx0, qx1 - 40), qy0, qx1, qy1 + 4)]
    pad = MARKER_MM / 2 + 2
    zones += [
        ("a corner mark", cx - pad, cy - pad, cx + pad, cy + pad)
        for cx, cy in marker_centres_mm().values()
    ]
    return printed + [
        {
            "name": name,
            "page": None,
            "box": [round(x0 / w, 4), round(y0 / h, 4), round(x1 / w, 4), round(y1 / h, 4)],
        }
        for name, x0, y0, x1, y1 in zones
    ]


def _regions_page(request, exam: Exam, *, status: int = 200, **extra) -> HttpResponse:
    parts = list(exam.parts.order_by("order"))
    regions = {p.part_id: p.region or None for p in parts}
    _, version = _template_pdf(exam)
    return render(
        request,
        "exams/regions.html",
        {
            "exam": exam,
            "parts": parts,
            "pages": range(1, exam.pages_per_copy + 1),
            "regions": regions,
            "regions_source": json.dumps(regions, indent=1),
            "version": version,
            "max_pages": MAX_PAGES_PER_COPY,
            "print_marks": _print_marks(exam, parts),
            **extra,
        },
        status=status,
    )


@require_GET
@login_required
def exam_regions(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Draw each part's answer region on the template pages (instructors)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return _regions_page(request, exam)


@require_POST
@login_required
def exam_regions_save(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Save every part's region and the pages per copy: a JSON body
    ``{"regions": {part_id: {"page": n, "box": [x0, y0, x1, y1]} | null}, "pages_per_copy": n}``
    from the page's script, or the same as form fields (``regions`` holding the JSON)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    as_json = request.content_type == "application/json"
    form = RegionsForm.from_json(request.body) if as_json else RegionsForm(request.POST)

    def refuse(error: str) -> HttpResponse:
        if as_json:
            return JsonResponse({"ok": False, "error": error}, status=400)
        raw = str(form.data.get("regions", ""))
        return _regions_page(request, exam, status=400, error=error, regions_source=raw)

    if not form.is_valid():
        return refuse(form_error_text(form))
    try:
        part_regions_set(
            exam=exam,
            regions=form.cleaned_data["regions"],
            pages_per_copy=form.cleaned_data["pages_per_copy"],  # None: unchanged
        )
    except ValidationError as exc:
        return refuse(f"Nothing was saved. {_errors(exc)}")
    regions = [part.region for part in exam.parts.all()]
    text = f"Saved: {len([r for r in regions if r])} of {len(regions)} parts have an answer region."
    if as_json:
        _, version = _template_pdf(exam)
        return JsonResponse(
            {"ok": True, "message": text, "pages_per_copy": exam.pages_per_copy, "version": version}
        )
    messages.success(request, text)
    return redirect("exam_regions", exam_id=exam.pk)


@require_POST
@login_required
def exam_regions_find(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """Find the answer regions on the blank PDF's text, or in the layout of the exam's text:
    for the parts without one, or (``replace=all``) for every part."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    form = RegionsFindForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("exam_regions", exam_id=exam.pk)
    try:
        proposal = part_regions_propose(exam=exam, replace=form.cleaned_data["replace"] == "all")
    except ValidationError as exc:
        messages.error(request, f"Nothing was changed. {_errors(exc)}")
        return redirect("exam_regions", exam_id=exam.pk)
    text = f"{len(proposal.applied)} region{'s' if len(proposal.applied) != 1 else ''} set."
    if proposal.missing:
        text += " Not found: " + "; ".join(
            f"{part_id} ({reason})" for part_id, reason in proposal.missing.items()
        )
        text += ". Draw those by hand."
    (messages.warning if proposal.missing else messages.success)(request, text)
    return redirect("exam_regions", exam_id=exam.pk)


@require_GET
@login_required
def exam_template_page(request: AuthenticatedRequest, exam_id: int, page: int) -> HttpResponse:
    """One page of the exam's blank template as PNG, cached per template version. It is
    stamped like a printed copy (QR code, corner markers) so the instructor keeps the answer
    regions clear of them; the stamp says PREVIEW, which is no exam's code."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    pdf, version = _template_pdf(exam)
    key = f"exam-template:{exam.pk}:{version}:{page}:{TEMPLATE_DPI}"
    png = cache.get(key)
    if png is None:
        with _PDFIUM:
            document = pdfium.PdfDocument(make_copies(pdf, exam_code=PREVIEW_CODE, copies=1))
            try:
                if not 1 <= page <= len(document):
                    raise Http404("No such page in the template")
                image = document[page - 1].render(scale=TEMPLATE_DPI / 72, grayscale=True).to_pil()
            finally:
                document.close()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        png = buf.getvalue()
        cache.set(key, png, TEMPLATE_CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
