"""Course, exam, scan and "needs attention" pages. Thin: access check through selectors, one
service call, domain errors mapped to HTTP statuses, render or redirect.

Every file (page images, crops, thumbnails, printable copies) goes through a view that checks
the course and the role; a guessed id is a 404, never a 403.
"""

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
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from PIL import Image

from exams import attention, ingest, printing, roster, selectors, services
from exams.models import STAFF_ROLES, Enrollment, Exam, Part, Role, ScanBatch, Submission
from exams.printing import exam_print_copies, exam_template
from exams.scanning.align import crop_region
from exams.scanning.copies import make_copies
from exams.scanning.layout import A4_MM, MARKER_MM, marker_centres_mm, qr_box_mm
from gradebook import selectors as grading

INSTRUCTOR = (Role.INSTRUCTOR,)
THUMB_WIDTH = 360
#: Batches shown with a progress bar: unfinished ones, and those finished this recently.
PROGRESS_RECENT_SECONDS = 600


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for errs in exc.message_dict.values() for m in errs)
    return " ".join(exc.messages)


def _int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError as exc:
        raise ValidationError(
            {field: f"{field.replace('_', ' ')} must be a whole number."}
        ) from exc


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    courses = selectors.courses_for_user(request.user)
    return render(request, "exams/home.html", {"courses": courses})


def _course_page(request, course, enrollment, *, status: int = 200, **extra) -> HttpResponse:
    exams = course.exams.all()
    if enrollment.role == Role.STUDENT:
        exams = exams.filter(status="published")
    is_instructor = enrollment.role == Role.INSTRUCTOR
    return render(
        request,
        "exams/course_detail.html",
        {
            "course": course,
            "enrollment": enrollment,
            "exams": exams,
            "is_staff": enrollment.role in STAFF_ROLES,
            "is_instructor": is_instructor,
            "roster": selectors.course_roster(course) if enrollment.role in STAFF_ROLES else [],
            **extra,
        },
        status=status,
    )


@require_GET
@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course, enrollment = selectors.get_course_for_user(request.user, course_id)
    return _course_page(request, course, enrollment)


@require_POST
@login_required
def roster_import(request: HttpRequest, course_id: int) -> HttpResponse:
    """Import a roster CSV; errors per row are shown, valid rows imported."""
    course, enrollment = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    upload = request.FILES.get("file")
    if upload is None:
        return _course_page(
            request, course, enrollment, status=400, roster_error="Choose a CSV file to import."
        )
    try:
        result = roster.roster_import(course=course, data=upload.read())
    except roster.RosterFileError as exc:
        return _course_page(
            request, course, enrollment, status=400, roster_error=f"Nothing imported: {exc}"
        )
    return _course_page(request, course, enrollment, roster_result=result)


# --- The exam page ------------------------------------------------------------------------


def _exam_page(request, exam: Exam, enrollment: Enrollment, *, status: int = 200, **extra):
    is_instructor = enrollment.role == Role.INSTRUCTOR
    progress = grading.part_progress(exam)
    context = {
        "exam": exam,
        "enrollment": enrollment,
        "is_instructor": is_instructor,
        "parts": [(part, progress.get(part.pk, {})) for part in exam.parts.order_by("order")],
        "submissions": selectors.exam_submissions(exam),
        "regrades": list(grading.open_regrade_requests(exam)),
    }
    if is_instructor:
        summary = attention.attention_summary(exam)
        context.update(
            answer_key=services.answer_key_current(exam),
            batches=selectors.exam_scan_batches(exam)[:20],
            attention_count=summary.count,
            unprinted=len(attention.unmatched_students(exam)),
        )
    context.update(extra)
    return render(request, "exams/exam_detail.html", context, status=status)


@require_GET
@login_required
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id)
    if enrollment.role == Role.STUDENT:
        submission = selectors.submission_for_student(exam, enrollment)
        if submission is None:
            raise Http404("No published result for this exam")
        return redirect("submission_detail", submission_id=submission.pk)
    return _exam_page(request, exam, enrollment)


@require_POST
@login_required
def answer_key_install(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Install or replace the answer key from an uploaded YAML file or pasted text."""
    exam, enrollment = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    upload = request.FILES.get("file")
    source = request.POST.get("source", "")
    if upload is not None:
        try:
            source = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return _exam_page(
                request, exam, enrollment, status=400, key_issues=["the file is not UTF-8 text"]
            )
    if not source.strip():
        return _exam_page(
            request, exam, enrollment, status=400, key_issues=["upload a YAML file or paste it"]
        )
    try:
        answer_key, _, created = services.answer_key_store(
            exam=exam, source=source, actor=request.user
        )
    except services.AnswerKeyError as exc:
        return _exam_page(
            request, exam, enrollment, status=400, key_issues=exc.issues, key_source=source
        )
    except ValidationError as exc:
        return _exam_page(
            request, exam, enrollment, status=400, key_issues=[_errors(exc)], key_source=source
        )
    if created:
        messages.success(request, f"Answer key version {answer_key.version} installed.")
    else:
        messages.info(request, f"This is already answer key version {answer_key.version}.")
    return redirect("exam_detail", exam_id=exam.pk)


@require_POST
@login_required
def exam_print(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Printable copies as one PDF: personalised for the roster's students who have no copy
    yet, or N anonymous copies."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    mode = request.POST.get("mode", "roster")
    try:
        if mode == "anonymous":
            count = _int(request.POST.get("count"), "count")
            if not 1 <= count <= 1000:
                raise ValidationError({"count": "Print between 1 and 1000 anonymous copies."})
            pdf = exam_print_copies(exam=exam, anonymous=count)
        else:
            pdf = exam_print_copies(exam=exam, students=attention.unmatched_students(exam))
    except (ValueError, ValidationError) as exc:
        text = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        if mode != "anonymous":
            text += " (every student of the roster already has a copy)"
        messages.error(request, text)
        return redirect("exam_detail", exam_id=exam.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exam.slug}-copies.pdf"'
    return response


# --- Scans --------------------------------------------------------------------------------


def _batch_json(batch: ScanBatch) -> dict:
    return {
        "id": batch.pk,
        "name": batch.original_name,
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "pages_done": batch.pages_done,
        "pages_total": batch.pages_total,
        "error": batch.error,
        "done": batch.status in (ScanBatch.Status.DONE, ScanBatch.Status.FAILED),
        "progress_url": reverse("batch_progress", args=[batch.pk]),
    }


@require_POST
@login_required
def scan_upload(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Store each uploaded file as a scan batch and start the pipeline on it."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    files = request.FILES.getlist("files")
    if not files:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": "Choose at least one file."}, status=400)
        messages.error(request, "Choose at least one file.")
        return redirect("exam_detail", exam_id=exam.pk)
    results = [
        ingest.scan_batch_upload(
            exam=exam, stream=f, original_name=f.name, actor=request.user, enqueue=True
        )
        for f in files
    ]
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "batches": [
                    {**_batch_json(r.batch), "message": r.message, "created": r.created}
                    for r in results
                ],
            }
        )
    for r in results:
        failed = r.batch.status == ScanBatch.Status.FAILED
        (messages.error if failed else messages.success)(request, r.message)
    return redirect("exam_detail", exam_id=exam.pk)


@require_GET
@login_required
def batch_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    """Progress of one scan batch, polled by the upload page every second."""
    batch = selectors.get_batch_for_staff(request.user, batch_id, roles=INSTRUCTOR)
    response = JsonResponse(_batch_json(batch))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def exam_batches_progress(request: HttpRequest, exam_id: int) -> JsonResponse:
    """Progress of the exam's unfinished and recent batches: the upload page polls this
    while a file is still being sent (its batch id is not known yet)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    batches = selectors.exam_batches_in_progress(exam, recent_seconds=PROGRESS_RECENT_SECONDS)
    response = JsonResponse({"batches": [_batch_json(b) for b in batches[:50]]})
    response["Cache-Control"] = "no-store"
    return response


# --- Needs attention ----------------------------------------------------------------------


@require_GET
@login_required
def exam_attention(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Pages the pipeline could not place, copies with pages missing, unidentified copies."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    summary = attention.attention_summary(exam)
    students = attention.unmatched_students(exam)
    return render(
        request,
        "exams/attention.html",
        {
            "exam": exam,
            "summary": summary,
            "pages_range": range(1, exam.pages_per_copy + 1),
            "students": students,
            "unidentified": [
                (s, attention.identify_suggestions(s, students), selectors.submission_pages(s))
                for s in summary.unidentified
            ],
        },
    )


@require_POST
@login_required
def page_place(request: HttpRequest, page_id: int) -> HttpResponse:
    page = selectors.get_page_for_staff(request.user, page_id, roles=INSTRUCTOR)
    back = reverse("exam_attention", args=[page.batch.exam_id])
    try:
        placed = attention.page_place(
            page=page,
            copy_number=_int(request.POST.get("copy_number"), "copy_number"),
            page_number=_int(request.POST.get("page_number"), "page_number"),
            actor=request.user,
            replace=request.POST.get("replace") == "on",
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    messages.success(
        request,
        f"Placed as copy {placed.submission.copy_number} page {placed.page_number}; "
        "its answers are read and checked now.",
    )
    return redirect(back)


@require_POST
@login_required
def page_discard(request: HttpRequest, page_id: int) -> HttpResponse:
    page = selectors.get_page_for_staff(request.user, page_id, roles=INSTRUCTOR)
    try:
        attention.page_discard(page=page, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "Page discarded.")
    return redirect("exam_attention", exam_id=page.batch.exam_id)


@require_POST
@login_required
def submission_identify(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Match an unidentified copy to a student of the roster."""
    submission, enrollment = selectors.get_submission_for_user(request.user, submission_id)
    if enrollment.role != Role.INSTRUCTOR:
        raise Http404("No such submission")
    back = reverse("exam_attention", args=[submission.exam_id])
    # A suggestion (radio) and the full list (select) share the field; the list wins if used.
    choice = next((v for v in reversed(request.POST.getlist("student")) if v.isdigit()), "0")
    student = selectors.course_student(submission.exam.course_id, int(choice))
    if student is None:
        messages.error(request, "Choose a student of this course.")
        return redirect(back)
    try:
        services.submission_identify(
            submission=submission, student=student, identified_by=Submission.IdentifiedBy.PERSON
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    name = student.user.get_full_name() or student.user.get_username()
    messages.success(request, f"Copy {submission.copy_number} is {name}'s.")
    return redirect(back)


# --- Images -------------------------------------------------------------------------------


def _png(image: Image.Image) -> HttpResponse:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    response = HttpResponse(buf.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _open(field) -> Image.Image:
    with field.open("rb") as fh:
        image = Image.open(fh)
        image.load()
    return image


@require_GET
@login_required
def page_image(request: HttpRequest, page_id: int) -> FileResponse:
    """A scanned page's image, served only after the access check (never by a public URL)."""
    page = selectors.get_page_for_user(request.user, page_id)
    if not page.image:
        raise Http404("This page has no image")
    response = FileResponse(
        page.image.open("rb"),
        content_type="image/png" if page.image.name.endswith(".png") else "image/jpeg",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def page_thumbnail(request: HttpRequest, page_id: int) -> HttpResponse:
    """A small version of a page for the "needs attention" list (staff only)."""
    page = selectors.get_page_for_staff(request.user, page_id)
    if not page.image:
        raise Http404("This page has no image")
    image = _open(page.image)
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    return _png(image)


@require_GET
@login_required
def answer_crop(request: HttpRequest, answer_id: int) -> HttpResponse:
    """The part's answer region cut out of the copy's aligned page, as PNG."""
    answer, _ = selectors.get_answer_for_user(request.user, answer_id)
    box = (answer.part.region or {}).get("box")
    page = selectors.answer_region_page(answer)
    if not box or page is None:
        raise Http404("No scanned region for this answer")
    return _png(crop_region(_open(page.image), tuple(box)))


# --- Answer regions -----------------------------------------------------------------------

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
            "max_pages": services.MAX_PAGES_PER_COPY,
            "print_marks": _print_marks(exam, parts),
            **extra,
        },
        status=status,
    )


@require_GET
@login_required
def exam_regions(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Draw each part's answer region on the template pages (instructors)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    return _regions_page(request, exam)


@require_POST
@login_required
def exam_regions_save(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Save every part's region and the pages per copy: a JSON body
    ``{"regions": {part_id: {"page": n, "box": [x0, y0, x1, y1]} | null}, "pages_per_copy": n}``
    from the page's script, or the same as form fields (``regions`` holding the JSON)."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    as_json = request.content_type == "application/json"
    raw = request.body.decode("utf-8", "replace") if as_json else request.POST.get("regions", "")

    def refuse(error: str) -> HttpResponse:
        if as_json:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return _regions_page(request, exam, status=400, error=error, regions_source=raw)

    try:
        data = json.loads(raw) if as_json else {"regions": json.loads(raw or "{}")}
    except ValueError:
        return refuse("The regions are not valid JSON; nothing was saved.")
    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
        return refuse('Send {"regions": {"<part id>": {"page": n, "box": [x0, y0, x1, y1]}}}.')
    try:
        if as_json:
            pages = data.get("pages_per_copy")
        elif request.POST.get("pages_per_copy"):
            pages = _int(request.POST.get("pages_per_copy"), "pages_per_copy")
        else:
            pages = None  # unchanged
        services.part_regions_set(exam=exam, regions=data["regions"], pages_per_copy=pages)
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


@require_GET
@login_required
def exam_template_page(request: HttpRequest, exam_id: int, page: int) -> HttpResponse:
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


# --- A new exam from its text ---------------------------------------------------------------

#: A transcription larger than this is not an exam's text.
SOURCE_MAX_BYTES = 2_000_000


def _exam_new_page(request, course, *, status: int = 200, **extra) -> HttpResponse:
    return render(request, "exams/exam_new.html", {"course": course, **extra}, status=status)


def _proposal_page(request, course, source: str, *, status: int = 200, **extra) -> HttpResponse:
    from autocheck.structure import propose_structure

    proposed = propose_structure(source)
    # The points as the instructor last typed them, else as printed.
    typed = request.POST
    questions = [
        (q, [(p, typed.get(f"points:{p.part_id}", p.points)) for p in q.parts])
        for q in proposed.questions
    ]
    return _exam_new_page(
        request,
        course,
        status=status,
        proposed=proposed,
        questions=questions,
        source=source,
        title=request.POST.get("title", "").strip(),
        pages_per_copy=request.POST.get("pages_per_copy", "1"),
        **extra,
    )


def _posted_source(request: HttpRequest) -> str:
    """The transcription from the uploaded file, else the pasted text; ``ValidationError``
    when neither is usable."""
    upload = request.FILES.get("file")
    if upload is None:
        source = request.POST.get("source", "")
    elif upload.size > SOURCE_MAX_BYTES:
        raise ValidationError("The file is too large to be an exam's text.")
    else:
        try:
            source = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("The file is not UTF-8 text.") from exc
    if not source.strip():
        raise ValidationError("Upload the exam's Markdown transcription or paste it.")
    return source


@require_GET
@login_required
def exam_new(request: HttpRequest, course_id: int) -> HttpResponse:
    """Start a new exam from its text: paste or upload the transcription."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    return _exam_new_page(request, course)


@require_POST
@login_required
def exam_new_propose(request: HttpRequest, course_id: int) -> HttpResponse:
    """The question tree proposed from the text, with its warnings, for the instructor to
    check and confirm."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    try:
        source = _posted_source(request)
    except ValidationError as exc:
        return _exam_new_page(
            request, course, status=400, error=_errors(exc), title=request.POST.get("title", "")
        )
    return _proposal_page(request, course, source)


def _confirmed_structure(request: HttpRequest):
    from autocheck.structure import propose_structure

    proposed = propose_structure(request.POST.get("source", ""))
    points = {k.removeprefix("points:"): v for k, v in request.POST.items() if k[:7] == "points:"}
    return proposed, services.exam_structure_from_proposal(proposed, points=points)


@require_POST
@login_required
def exam_new_confirm(request: HttpRequest, course_id: int) -> HttpResponse:
    """Create the exam and its question tree (one transaction), then go to the exam page."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    source = request.POST.get("source", "")
    try:
        _, questions = _confirmed_structure(request)
        exam = services.exam_create_from_structure(
            course=course,
            title=request.POST.get("title", ""),
            questions=questions,
            pages_per_copy=_int(request.POST.get("pages_per_copy") or "1", "pages_per_copy"),
        )
    except ValidationError as exc:
        return _proposal_page(request, course, source, status=400, error=_errors(exc))
    messages.success(
        request,
        f"Exam created with {exam.parts.count()} parts, each graded by a person until you "
        "install an answer key; draw the answer regions before printing.",
    )
    return redirect("exam_detail", exam_id=exam.pk)


def _yaml_download(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-key.yaml"'
    return response


@require_POST
@login_required
def exam_new_skeleton(request: HttpRequest, course_id: int) -> HttpResponse:
    """A skeleton answer key (YAML) for the proposed structure, with the points as edited."""
    course, _ = selectors.get_course_for_user(request.user, course_id, roles=INSTRUCTOR)
    title = request.POST.get("title", "").strip() or "Exam"
    try:
        proposed, questions = _confirmed_structure(request)
    except ValidationError as exc:
        source = request.POST.get("source", "")
        return _proposal_page(request, course, source, status=400, error=_errors(exc))
    slug = slugify(title)[:80] or "exam"
    text = services.answer_key_skeleton(
        exam_id=slug,
        title=title,
        questions=questions,
        labels={q.number: q.label for q in proposed.questions},
        bonus={q.number for q in proposed.questions if q.bonus},
    )
    return _yaml_download(text, slug)


@require_GET
@login_required
def answer_key_skeleton(request: HttpRequest, exam_id: int) -> HttpResponse:
    """A skeleton answer key (YAML) for the exam's current question tree."""
    exam, _ = selectors.get_exam_for_user(request.user, exam_id, roles=INSTRUCTOR)
    text = services.answer_key_skeleton(
        exam_id=exam.slug, title=exam.title, questions=services.exam_structure(exam)
    )
    return _yaml_download(text, exam.slug)
