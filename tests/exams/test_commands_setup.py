"""The instructor's commands: a course, its roster, an exam from its PDF or text, its key, its
copies and its grades, each by name (course code, exam slug or title), each with --help."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exams.models import AnswerKey, Course, Enrollment, Exam, Page
from tests.exams.blank_exams import BLANK_EXAM_KEY, ROSTER_CSV, blank_exam_pdf

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "course_create",
    "roster_import",
    "exam_create",
    "key_install",
    "print_copies",
    "ingest",
    "export",
    "export_key",
    "invitation_links",
]


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_explains_itself(name, capsys):
    with pytest.raises(SystemExit) as caught:
        call_command(name, "--help")
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert f"{name} [-h]" in text
    if name not in {"course_create"}:
        assert "--course" in text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "exam.pdf").write_bytes(blank_exam_pdf())
    (tmp_path / "key.yaml").write_text(BLANK_EXAM_KEY)
    (tmp_path / "roster.csv").write_text(ROSTER_CSV)
    return tmp_path


@pytest.mark.django_db
def test_a_course_is_set_up_by_name_from_the_command_line(folder, media_root):
    out, _ = _run(
        "course_create", "--code", "DL101", "--term", "2027 Spring", "--title", "Deep Learning",
        "--instructor", "prof@example.org",
    )  # fmt: skip
    assert "created course DL101 (2027 Spring)" in out
    assert "changepassword prof@example.org" in out
    course = Course.objects.get(code="DL101")
    assert (
        Enrollment.objects.get(course=course, user__email="prof@example.org").role == "instructor"
    )
    out, _ = _run("roster_import", "--course", "DL101", str(folder / "roster.csv"))
    assert "2 student(s) imported, 0 row(s) refused" in out
    out, err = _run(
        "exam_create", "--course", "dl101", "--title", "Quiz 2", "--pdf", str(folder / "exam.pdf")
    )
    assert "created exam quiz-2 in DL101: 4 parts, 18 points, 2 page(s) per copy" in out
    assert "no region" not in out
    assert err == ""
    out, _ = _run("key_install", "--course", "DL101", "--exam", "quiz-2", str(folder / "key.yaml"))
    assert "answer key version 1 installed" in out
    exam = Exam.objects.get(slug="quiz-2")
    assert exam.parts.get(part_id="2.a").kind == "solver"
    out, _ = _run("print_copies", "--exam", "Quiz 2", "--roster", "-o", str(folder / "copies.pdf"))
    assert "2 copies of 2 page(s)" in out
    assert len(pdfium.PdfDocument(str(folder / "copies.pdf"))) == 4
    assert exam.submissions.filter(student__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_key_that_changes_the_exam_is_listed_and_needs_yes(folder, cast, media_root):
    key = folder / "demo.yaml"
    key.write_text((ROOT / "demo" / "midterm.yaml").read_text())
    exam = cast.exam
    with pytest.raises(CommandError, match="--yes"):
        call_command("key_install", "--exam", exam.slug, str(key), stderr=(err := StringIO()))
    assert "Adds 5 part(s)" in err.getvalue()
    assert "pages per copy go from 1 to 2" in err.getvalue()
    assert not AnswerKey.objects.filter(exam=exam).exists()
    out, _ = _run("key_install", "--exam", exam.slug, "--yes", str(key))
    assert "Adds 5 part(s)" in out
    assert AnswerKey.objects.filter(exam=exam).count() == 1


@pytest.mark.django_db
def test_names_that_fit_nothing_or_several_say_which_exist(cast):
    with pytest.raises(CommandError, match=r"no exam 'nope'.*exams: "):
        _run("export", "--exam", "nope")
    with pytest.raises(CommandError, match="no course XX999"):
        _run("export", "--course", "XX999", "--exam", cast.exam.slug)
    twin = Exam.objects.create(
        course=cast.other_course, title=cast.exam.title, slug=cast.exam.slug, qr_code="TWIN"
    )
    with pytest.raises(CommandError, match=r"2 exams are named.*give --course"):
        _run("export", "--exam", cast.exam.slug)
    out, _ = _run("export", "--course", cast.other_course.code, "--exam", twin.slug)
    assert out.startswith("copy,student_number")


@pytest.mark.django_db(transaction=True)  # the pipeline runs after each commit, as in use
def test_ingest_prints_the_batch_summary_and_no_worker_log(folder, media_root, caplog):
    course = Course.objects.create(code="DL1", title="DL", term="T")
    call_command(
        "exam_create", "--course", "DL1", "--title", "Quiz 2", "--pdf", str(folder / "exam.pdf"),
        stdout=StringIO(),
    )  # fmt: skip
    call_command(
        "print_copies", "--exam", "quiz-2", "--anonymous", "2", "-o", str(folder / "copies.pdf"),
        stdout=StringIO(),
    )  # fmt: skip
    # The stack as scanned: copy 2's second page is missing, copy 1's first page fed twice.
    source = pdfium.PdfDocument(str(folder / "copies.pdf"))
    stack = pdfium.PdfDocument.new()
    stack.import_pages(source, [0, 1, 2, 0])
    stack.save(str(folder / "scans.pdf"))
    caplog.set_level(logging.INFO)
    out, _ = _run("ingest", "--course", "DL1", "--exam", "quiz-2", str(folder / "scans.pdf"))
    assert "4 page(s): 3 placed, 1 duplicate(s), 0 need attention" in out
    assert "missing pages: copy 2: page 2" in out
    assert Page.objects.filter(batch__exam__course=course, status="placed").count() == 3
    chatter = [r for r in caplog.records if r.levelno < logging.WARNING]
    assert chatter == [], [r.getMessage() for r in chatter[:3]]
    assert logging.getLogger().level == logging.INFO  # restored after the command


def test_the_setup_script_sets_up_a_course_and_grades_its_scans(folder, tmp_path):
    """docs/course-setup.sh as an instructor runs it: fresh database, its own processes."""
    env = {
        **os.environ,
        "GRADEBOOK_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "",
        "MANAGE": f"{sys.executable} manage.py",
        "DJANGO_SETTINGS_MODULE": "gradebook.settings",
    }
    env.pop("DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    run(sys.executable, "manage.py", "migrate", "-v", "0")
    before = run("sh", "docs/course-setup.sh", str(folder), "before")
    assert "created exam quiz-2 in DL101: 4 parts" in before.stdout
    assert "2 copies of 2 page(s)" in before.stdout
    # The copies come back from the scanner as they were printed.
    (folder / "scans.pdf").write_bytes((folder / "copies.pdf").read_bytes())
    after = run("sh", "docs/course-setup.sh", str(folder), "after")
    assert "4 page(s): 4 placed, 0 duplicate(s), 0 need attention" in after.stdout
    assert "missing pages: none" in after.stdout
    assert " INFO " not in after.stdout + after.stderr
    scores = (folder / "scores.csv").read_text().splitlines()
    assert scores[0].startswith("copy,student_number,name,email,1.a,1.b,2.a,2.b,total")

    copies = [line.split(",") for line in scores[1:] if line.split(",")[0].isdigit()]
    assert sorted(row[1] for row in copies) == ["1001", "1002"]
