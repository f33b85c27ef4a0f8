"""`manage.py demo` runs the whole pipeline on generated scans (eager Celery, the embedded
default): pages placed, the missing page reported, the re-scan recognised, answers read and
checked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from demo import plan
from exams.models import Answer, Page, ScanBatch, Submission
from exams.pipeline.checking import LOW_CONFIDENCE

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, media_root, django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path / "var"
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--reset", "--students", "4", "--seed", "11", stdout=out)
    return out.getvalue()


def test_the_demo_grades_its_generated_scans(demo):
    batch = ScanBatch.objects.get()
    assert batch.status == ScanBatch.Status.DONE, batch.error
    assert batch.pages_done == batch.pages_total == 4 * plan.PAGES  # one missing, one fed twice
    statuses = sorted(Page.objects.values_list("status", flat=True))
    assert statuses.count("placed") == 4 * plan.PAGES - 1
    assert statuses.count("duplicate") == 1
    assert "missing {" in demo
    assert Submission.objects.filter(student__isnull=False).count() == 4
    assert "student01" in demo
    assert plan.PASSWORD in demo
    # the demo exam keeps its printed text, for copies transcribed as a whole
    assert batch.exam.printed_versions.get().text == plan.PRINTED_PATH.read_text()

    # Where the reader read the planted text exactly and accepted it, the verdict must be the
    # planted one: the right answer correct, a planted mistake not correct, a blank blank.
    checked = 0
    for answer in Answer.objects.select_related("submission", "part").exclude(part__part_id="4.a"):
        planted = plan.answers_for(answer.submission.copy_number - 1)[answer.part.part_id]
        read = answer.transcriptions.order_by("-created_at", "-id").first()
        if (
            answer.answer_text.replace(" ", "") != planted.replace(" ", "")
            or read is None
            or (read.confidence or 0.0) < LOW_CONFIDENCE
        ):
            continue  # a misread, or a read sent to a person: covered by the reading tests
        checked += 1
        right = plan.ANSWERS[answer.part.part_id][0]
        if not planted:
            assert answer.verdict == "blank"
        elif planted.replace(" ", "") == right.replace(" ", ""):
            assert answer.verdict == "correct", (answer.part.part_id, planted)
        else:
            assert answer.verdict in {"incorrect", "needs_review"}, (answer.part.part_id, planted)
    assert checked >= 12  # most of the 24 numeric answers are read exactly and accepted

    # The explanation (4.a) is a person's: found on the scan, not transcribed, never blank
    # when written.
    explained = 0
    for answer in Answer.objects.select_related("submission").filter(part__part_id="4.a"):
        read = answer.transcriptions.order_by("-created_at", "-id").first()
        if read is None:
            continue  # its page is the missing one
        planted = plan.answers_for(answer.submission.copy_number - 1)["4.a"]
        assert answer.verdict == ("needs_review" if planted else "blank")
        if planted:
            explained += 1
            assert answer.answer_text == ""
            assert read.reading["summary"].endswith("of free text, graded from the scan")
            assert "descriptive: graded by a person from the scan" in answer.expected["notes"]
    assert explained >= 2

    # Running the demo again without --reset changes nothing.
    before = Answer.objects.count()
    out = StringIO()
    call_command("demo", stdout=out)
    assert "exists already" in out.getvalue()
    assert Answer.objects.count() == before
