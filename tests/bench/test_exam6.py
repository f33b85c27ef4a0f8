"""The six-page exam of ``python -m bench.e2e --pages 6``, built for 2 copies on the embedded
default: its key installs with answer regions on every page, its scans have 6 readable pages
per copy, and what the students write mixes right answers, typical mistakes and blanks."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from PIL import Image

from bench import exam6

COPIES = 2


def test_every_page_has_answer_regions_in_the_key():
    by_page = Counter(page for page, _ in exam6.regions().values())
    assert sorted(by_page) == list(range(1, exam6.PAGES + 1))
    assert all(3 <= n <= 4 for n in by_page.values()), by_page
    assert set(exam6.regions()) == set(exam6.ANSWERS)


def test_the_planned_answers_mix_right_wrong_and_blank_and_the_checker_agrees():
    planned = Counter(kind for i in range(COPIES) for _, kind in exam6.planned(i).values())
    assert planned["right"] > planned["wrong"] > planned["blank"] > 0, planned

    # On the planned text itself (no OCR), each kind gets its verdict; the descriptive part
    # goes to a person whatever is written.
    verdicts = exam6.planned_verdicts(COPIES)
    assert set(verdicts) == {"right", "wrong", "blank"}
    assert set(verdicts["right"]) <= {"correct", "needs_review"}
    assert set(verdicts["wrong"]) <= {"incorrect", "needs_review"}
    assert set(verdicts["blank"]) == {"blank"}
    assert verdicts["right"]["correct"] > 0
    assert verdicts["wrong"]["incorrect"] > 0
    reviewed = sum(v["needs_review"] for v in verdicts.values())
    assert reviewed == COPIES * len(exam6.DESCRIPTIVE)


@pytest.mark.django_db
def test_the_key_installs_with_a_region_per_part_on_all_six_pages(media_root):
    from bench.e2e import _exam
    from exams.models import AnswerKey

    exam, roster = _exam(COPIES, pages=6)
    assert exam.pages_per_copy == exam6.PAGES
    assert len(roster) == COPIES
    assert AnswerKey.objects.filter(exam=exam).count() == 1
    regions = {p.part_id: p.region for p in exam.parts.all()}
    assert regions == {
        pid: {"page": page, "box": list(box)} for pid, (page, box) in exam6.regions().items()
    }
    assert {r["page"] for r in regions.values()} == set(range(1, exam6.PAGES + 1))

    # A second run gets a new exam of the same course, for the same students.
    again, roster_again = _exam(COPIES, pages=6)
    assert again.pk != exam.pk
    assert again.course_id == exam.course_id
    assert [e.pk for e in roster_again] == [e.pk for e in roster]


@pytest.mark.django_db
def test_the_scans_have_six_readable_pages_per_copy(media_root):
    from exams.scanning.qrcodes import decode_page

    exam, roster = exam6.exam(COPIES)
    # One copy per chunk: the stack is put together from two calls of the fake scanner.
    scan = exam6.scans(exam, roster, seed=3, chunk_pages=exam6.PAGES)
    copies = set(exam.submissions.values_list("copy_number", flat=True))
    assert len(copies) == COPIES

    pages = scan.manifest.pages
    assert len(pages) == len(scan.jpegs) == COPIES * exam6.PAGES
    assert [p.position for p in pages] == list(range(len(pages)))
    assert sum(1 for p in pages if p.rotation) == 1  # one page upside down in the stack
    assert not scan.manifest.missing
    assert not scan.manifest.duplicated

    read = []
    for data, planted in zip(scan.jpegs, pages, strict=True):
        with Image.open(io.BytesIO(data)) as im:
            qr = decode_page(im)
        assert qr.payload is not None, f"no QR code on scanned page {planted}"
        assert (qr.payload.copy, qr.payload.page) == (planted.copy, planted.page)
        read.append((qr.payload.copy, qr.payload.page))
    assert Counter(c for c, _ in read) == dict.fromkeys(copies, exam6.PAGES)
    assert set(read) == {(c, p) for c in copies for p in range(1, exam6.PAGES + 1)}

    # Every planned non-blank answer was written on its page, on every page.
    first = min(copies)
    planted = {(t.copy, t.label): t for t in scan.manifest.texts}
    for i in range(COPIES):
        for pid, text in exam6.answers_for(i).items():
            if text:
                assert planted[(first + i, pid)].text == text
                assert planted[(first + i, pid)].page == exam6.regions()[pid][0]
    assert {t.page for t in scan.manifest.texts} == set(range(1, exam6.PAGES + 1))

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(scan.pdf)
    try:
        assert len(doc) == COPIES * exam6.PAGES
    finally:
        doc.close()


@pytest.mark.django_db
def test_one_copy_goes_through_the_pipeline_and_every_answer_gets_a_verdict(
    media_root, django_capture_on_commit_callbacks
):
    """What the benchmark times, in-process: every page placed, read and checked."""
    from exams.models import Answer, Page, ScanBatch
    from exams.pipeline import upload

    exam, roster = exam6.exam(1)
    scan = exam6.scans(exam, roster, seed=5)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload.scan_batch_upload(
            exam=exam, stream=io.BytesIO(scan.pdf), original_name="night.pdf"
        ).batch
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.DONE, batch.error
    placed = Page.objects.filter(batch=batch, status=Page.Status.PLACED)
    assert sorted(placed.values_list("page_number", flat=True)) == list(range(1, 7))

    answers = Answer.objects.filter(submission__exam=exam).select_related("part")
    verdicts = Counter(a.verdict for a in answers)
    assert sum(verdicts.values()) == len(exam6.ANSWERS)
    assert "pending" not in verdicts, verdicts
    assert {"correct", "incorrect", "blank"} <= set(verdicts), verdicts
    # The OCR read something on every page.
    assert {a.part.region["page"] for a in answers if a.answer_text} == set(range(1, 7))
