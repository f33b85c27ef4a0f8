"""An instructor uploads generated scans on the exam page and watches the progress bar run to
the end; the pages are placed and the answers checked."""

from __future__ import annotations

import pytest

from exams.models import Answer, Page, ScanBatch
from exams.services.keys import answer_key_store
from exams.services.structure import exam_create
from tests import view_fixtures
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scanned(settings, tmp_path, transactional_db):
    """An exam with its key, answer regions and two students, printed and scanned."""
    from demo import plan
    from exams.models import Role
    from exams.scanning.fakescan import ScanDefects, fake_scan
    from exams.services import printing
    from tests import factories

    settings.MEDIA_ROOT = tmp_path / "media"
    course = factories.course()
    instructor = factories.enroll(course, factories.user("ines"), Role.INSTRUCTOR)
    roster = [factories.enroll(course, factories.user(n), Role.STUDENT) for n in ("amy", "ben")]
    exam = exam_create(course=course, title="Quiz", pages_per_copy=plan.PAGES)
    answer_key_store(exam=exam, source=plan.KEY_PATH.read_text())
    for part in exam.parts.all():
        page_number, box = plan.REGIONS[part.part_id]
        part.region = {"page": page_number, "box": list(box)}
        part.save(update_fields=["region"])
    pdf = printing.exam_print_copies(exam=exam, students=roster)
    answers = {
        (copy, part_id): text
        for copy in (1, 2)
        for part_id, text in plan.answers_for(copy).items()
        if text
    }
    scan = fake_scan(
        pdf,
        answers,
        printing.exam_regions(exam),
        seed=5,
        defects=ScanDefects(upside_down=0, dropped=0, duplicated=0),
    )
    path = tmp_path / "stack.pdf"
    path.write_bytes(scan.pdf)
    return exam, instructor.user, path


def test_an_instructor_uploads_scans_and_watches_the_progress_bar(scanned, as_user):
    exam, instructor, path = scanned
    page = as_user(instructor)
    page.goto(f"/exams/{exam.pk}/")
    # Record every state the bar shows, to see that it moved and did not just appear at 100%.
    page.evaluate(
        """() => {
          window.seen = [];
          new MutationObserver(() => document.querySelectorAll('.progress').forEach(el =>
            window.seen.push(el.querySelector('.count').textContent))
          ).observe(document.getElementById('upload-progress'),
                    {subtree: true, childList: true, characterData: true, attributes: true});
        }"""
    )
    page.set_input_files('#scan-form input[type="file"]', str(path))
    page.click("#scan-form button")
    page.wait_for_selector(".progress")
    screenshot(page, "instructor-upload-progress")
    page.wait_for_selector('.progress[data-status="done"]', timeout=120_000)
    assert page.get_attribute(".progress .bar", "aria-valuenow") == "100"
    assert "4/4 pages" in page.inner_text(".progress .count")
    page.wait_for_selector("#upload-finished")
    screenshot(page, "instructor-upload-done")

    batch = ScanBatch.objects.get(exam=exam)
    assert (batch.status, batch.pages_done, batch.pages_total) == ("done", 4, 4)
    assert Page.objects.filter(batch=batch, status="placed").count() == 4
    assert Answer.objects.filter(submission__exam=exam).exclude(verdict="pending").exists()
    seen = page.evaluate("window.seen")
    assert any("4/4" in s for s in seen)
    assert page.errors == []

    # A stray sheet (no QR code) lands in the "needs attention" list; it is discarded there.
    stray = path.with_name("stray.png")
    stray.write_bytes(view_fixtures.png_bytes(size=(600, 840), text="no code on this sheet"))
    page.set_input_files('#scan-form input[type="file"]', str(stray))
    page.click("#scan-form button")
    page.wait_for_selector('.progress[data-status="done"] >> nth=1', timeout=60_000)
    page.goto(f"/exams/{exam.pk}/attention/")
    page.wait_for_selector("#attention-pages img.thumb")
    page.wait_for_function("document.querySelector('img.thumb').naturalWidth > 0")
    screenshot(page, "instructor-attention")
    page.click("#attention-pages button.danger")
    page.wait_for_selector("#all-clear")
    assert Page.objects.filter(status="discarded").count() == 1

    # The roster import reports bad rows and keeps the good ones.
    roster = path.with_name("roster.csv")
    roster.write_text(
        "name,student number,email\nCleo Park,70000001,cleo@example.org\n,70000002,x@example.org\n"
    )
    page.goto(f"/courses/{exam.course_id}/")
    page.set_input_files('#roster-import input[type="file"]', str(roster))
    page.click("#roster-import button")
    page.wait_for_selector("#roster-errors")
    assert "1 student imported" in page.inner_text("#roster-summary")
    screenshot(page, "instructor-course-roster")

    page.goto(f"/exams/{exam.pk}/stats/")
    page.wait_for_selector("#hist-total svg")
    screenshot(page, "instructor-stats")
    assert page.errors == []
