"""The scan pipeline on generated scans: every page placed, the missing page reported, the
duplicate recognised, bad files refused with a clear error and nothing half-written."""

from __future__ import annotations

import io
import zipfile

import pytest

from exams import selectors
from exams.models import Page, ScanBatch, Submission
from exams.pipeline import placement, upload
from exams.scanning.copies import make_copies, render_template
from exams.scanning.fakescan import ScanDefects, fake_scan
from exams.scanning.layout import Region
from exams.tasks import process_page, split_scan_batch

pytestmark = pytest.mark.django_db

REGIONS = [Region("1.a", 1, 0.1, 0.3, 0.6, 0.4), Region("2.a", 2, 0.1, 0.3, 0.6, 0.4)]


@pytest.fixture
def exam(cast):
    cast.exam.pages_per_copy = 2
    cast.exam.save()
    return cast.exam


def _scans(exam, *, copies=3, seed=3, defects=None):
    template = render_template("Demo", REGIONS, pages=2)
    printed = make_copies(template, exam_code=exam.qr_code, copies=copies)
    answers = {(c, "1.a"): str(10 * c) for c in range(1, copies + 1)}
    return fake_scan(
        printed, answers, REGIONS, seed=seed, dpi=100, defects=defects or ScanDefects()
    )


def _upload(exam, data: bytes, name="scan.pdf"):
    return upload.scan_batch_upload(exam=exam, stream=io.BytesIO(data), original_name=name)


def test_a_shuffled_rotated_stack_is_placed_page_by_page(
    exam, media_root, django_capture_on_commit_callbacks
):
    scan = _scans(exam)
    with django_capture_on_commit_callbacks(execute=True):
        result = _upload(exam, scan.pdf)
    batch = ScanBatch.objects.get(pk=result.batch.pk)
    assert batch.status == ScanBatch.Status.DONE, batch.error
    assert batch.pages_total == batch.pages_done == len(scan.manifest.pages)
    placed = Page.objects.filter(batch=batch, status=Page.Status.PLACED)
    assert sorted(placed.values_list("submission__copy_number", "page_number")) == sorted(
        {(p.copy, p.page) for p in scan.manifest.pages}
    )
    assert Submission.objects.filter(exam=exam, copy_number__in=[1, 2, 3]).count() == 3
    duplicates = Page.objects.filter(batch=batch, status=Page.Status.DUPLICATE)
    assert [(p.submission.copy_number, p.page_number) for p in duplicates] == list(
        scan.manifest.duplicated
    )
    assert selectors.missing_pages(exam) == {c: [p] for c, p in scan.manifest.missing}
    upside_down = [p for p in scan.manifest.pages if p.rotation == 180]
    assert upside_down
    assert all(
        Page.objects.get(batch=batch, index_in_batch=p.position).rotation == 180
        for p in upside_down
    )


def test_placed_pages_keep_the_scan_and_are_read_upright(
    exam, media_root, django_capture_on_commit_callbacks
):
    import hashlib

    import numpy as np

    from exams.images import open_upright
    from exams.scanning.align import find_markers
    from exams.scanning.layout import A4_MM, marker_centres_mm

    scan = _scans(exam, copies=2, defects=ScanDefects(upside_down=1, quarter_turns=1))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(exam, scan.pdf)
    placed = list(Page.objects.filter(status=Page.Status.PLACED))
    assert len({p.rotation for p in placed}) > 1
    expected = marker_centres_mm()
    for page in placed:
        # Nothing is rewritten: the stored file is the scanner's page, byte for byte.
        with page.image.open("rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == page.image_checksum
        assert page.image.name.endswith(".jpg")
        assert page.alignment["method"] == "markers"
        upright = open_upright(page).image()
        px_per_mm = upright.width / A4_MM[0]
        found = find_markers(np.asarray(upright), px_per_mm)
        assert set(found) == set(expected)
        for name, (x, y) in found.items():
            ex, ey = expected[name]
            assert np.hypot(x / px_per_mm - ex, y / px_per_mm - ey) < 0.8, (page, name)


def test_the_same_file_twice_is_recognised(exam, media_root, django_capture_on_commit_callbacks):
    scan = _scans(exam, copies=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = _upload(exam, scan.pdf)
    again = _upload(exam, scan.pdf, name="renamed.pdf")
    assert first.created
    assert not again.created
    assert again.batch.pk == first.batch.pk
    assert "already uploaded" in again.message
    assert ScanBatch.objects.filter(exam=exam).count() == 1
    assert Page.objects.filter(batch=first.batch).count() == len(scan.manifest.pages)


def test_the_same_file_again_resumes_a_batch_that_had_not_finished(
    exam, media_root, django_capture_on_commit_callbacks
):
    scan = _scans(exam, copies=1, defects=ScanDefects(dropped=0, duplicated=0))
    # The split's message is lost (the broker was down): the batch stays "uploaded".
    first = _upload(exam, scan.pdf)
    assert ScanBatch.objects.get(pk=first.batch.pk).status == ScanBatch.Status.UPLOADED
    with django_capture_on_commit_callbacks(execute=True):
        again = _upload(exam, scan.pdf, name="again.pdf")
    assert (again.created, again.resumed, again.batch.pk) == (False, True, first.batch.pk)
    assert "resumed" in again.message
    batch = ScanBatch.objects.get(pk=first.batch.pk)
    assert (batch.status, batch.pages_done, batch.pages_total) == ("done", 2, 2)
    assert ScanBatch.objects.filter(exam=exam).count() == 1


def test_tasks_run_twice_process_each_page_once(exam, media_root):
    scan = _scans(exam, copies=1, defects=ScanDefects(dropped=0, duplicated=0, upside_down=0))
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(scan.pdf), original_name="s.pdf", enqueue=False
    ).batch
    split_scan_batch(batch_id=batch.pk)
    split_scan_batch(batch_id=batch.pk)
    assert Page.objects.filter(batch=batch).count() == 2
    for page in Page.objects.filter(batch=batch):
        process_page(page_id=page.pk)
        process_page(page_id=page.pk)
    batch.refresh_from_db()
    assert (batch.pages_done, batch.pages_total, batch.status) == (2, 2, ScanBatch.Status.DONE)


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.png", b"\0" * (50 * 1024 * 1024))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.pdf", "empty"),
        (b"hello, this is text", "notes.pdf", "Not a PDF, PNG, JPEG, TIFF or ZIP"),
        (b"%PDF-1.7\n1 0 obj garbage", "broken.pdf", ""),
        (_zip_bomb(), "bomb.zip", ""),
    ],
)
def test_bad_files_fail_their_batch_with_a_clear_error_and_leave_no_pages(
    exam, media_root, django_capture_on_commit_callbacks, data, name, message
):
    good = _scans(exam, copies=1, defects=ScanDefects(dropped=0, duplicated=0))
    with django_capture_on_commit_callbacks(execute=True):
        ok = _upload(exam, good.pdf, "good.pdf").batch
        bad = _upload(exam, data, name).batch
    bad.refresh_from_db()
    assert bad.status == ScanBatch.Status.FAILED
    assert message in bad.error
    assert bad.error
    assert not Page.objects.filter(batch=bad).exists()
    ok.refresh_from_db()
    assert ok.status == ScanBatch.Status.DONE  # nothing else affected


def test_a_file_over_the_size_limit_is_refused_without_storing_it(exam, media_root, settings):
    settings.SCAN_UPLOAD_MAX_BYTES = 1000
    result = _upload(exam, b"%PDF-1.4\n" + b"0" * 5000)
    assert result.batch.status == ScanBatch.Status.FAILED
    assert "larger than" in result.batch.error
    assert not result.batch.file


def test_a_page_of_another_exam_needs_attention(exam, cast, media_root):
    from tests import factories

    other = factories.exam(cast.course)
    scan = _scans(other, copies=1, defects=ScanDefects(dropped=0, duplicated=0, upside_down=0))
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(scan.pdf), original_name="x.pdf", enqueue=False
    ).batch
    for pk in upload.scan_batch_split(batch_id=batch.pk):
        placement.page_process(page_id=pk)
    reasons = set(Page.objects.filter(batch=batch).values_list("status", "attention_reason"))
    assert reasons == {
        (Page.Status.NEEDS_ATTENTION, f"this page belongs to another exam (code {other.qr_code})")
    }


def test_a_blank_page_without_code_needs_attention(exam, media_root):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(buf, format="PNG")
    batch = upload.scan_batch_upload(
        exam=exam, stream=io.BytesIO(buf.getvalue()), original_name="b.png", enqueue=False
    ).batch
    [pk] = upload.scan_batch_split(batch_id=batch.pk)
    page = placement.page_process(page_id=pk)
    assert page.status == Page.Status.NEEDS_ATTENTION
    assert page.attention_reason == "no QR code found on the page"


# --- Amplification and leaks (issue 13) ------------------------------------------------------


def _blank_pages_zip(pages: int, size=(7000, 8500)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", size, 1).save(buf, "PNG", optimize=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(pages):
            zf.writestr(f"p{i:03d}.png", buf.getvalue())
    return out.getvalue()


def _stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def test_a_small_zip_of_huge_pages_fails_before_a_page_is_made_and_leaves_no_file(
    exam, media_root, django_capture_on_commit_callbacks
):
    data = _blank_pages_zip(40)  # 40 blank pages of 59.5 megapixels in ~16 KB
    with django_capture_on_commit_callbacks(execute=True):
        batch = _upload(exam, data, "pages.zip").batch
    batch.refresh_from_db()
    assert batch.status == ScanBatch.Status.FAILED
    assert "scanned pages do not compress that much" in batch.error
    assert not Page.objects.filter(batch=batch).exists()
    assert not batch.file
    assert _stored_files(media_root) == []  # the refused file is not kept


def test_a_refused_file_is_tried_again_when_uploaded_again(
    exam, media_root, settings, django_capture_on_commit_callbacks
):
    data = _blank_pages_zip(3, size=(1000, 1400))
    settings.SCAN_MAX_UPLOAD_MEGAPIXELS = 2
    with django_capture_on_commit_callbacks(execute=True):
        first = _upload(exam, data, "pages.zip").batch
    first.refresh_from_db()
    assert "add up to more than 2 megapixels" in first.error
    settings.SCAN_MAX_UPLOAD_MEGAPIXELS = 50
    with django_capture_on_commit_callbacks(execute=True):
        again = _upload(exam, data, "pages.zip")
    assert again.created
    batch = ScanBatch.objects.get(exam=exam)  # the failed one replaced, not kept beside it
    assert (batch.pk, batch.pages_total) == (again.batch.pk, 3)
    assert set(Page.objects.filter(batch=batch).values_list("status", flat=True)) == {
        Page.Status.NEEDS_ATTENTION
    }


def test_an_upload_whose_row_cannot_be_saved_leaves_no_file(exam, media_root, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(ScanBatch, "save", down)
    scan = _scans(exam, copies=1)
    with pytest.raises(OperationalError):
        _upload(exam, scan.pdf)
    assert _stored_files(media_root) == []
