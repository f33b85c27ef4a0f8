"""Management commands mirror the services: keysolve, autocheck, ingest, import_transcription."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from demo import plan
from exams.models import Answer, ScanBatch
from exams.services.keys import answer_key_store
from tests.exams.pipeline.test_upload import _scans


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_keysolve_prints_expected_values_and_steps_as_json():
    data = json.loads(_run("keysolve", str(plan.KEY_PATH), "--json"))
    parts = data["parts"]
    assert parts["1.a"]["targets"]["answer"]["display"] == "15"
    assert parts["2.a"]["targets"]["answer"]["display"] == "218058"
    assert any("200" in step["text"] for step in parts["1.a"]["steps"])


def test_keysolve_reports_a_malformed_key_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        plan.KEY_PATH.read_text().replace(
            "points: 5\n        prompt: epochs", "points: -5\n        prompt: epochs"
        )
    )
    with pytest.raises(CommandError, match=r"line \d+"):
        _run("keysolve", str(bad))


def test_autocheck_gives_one_verdict_per_part(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text('"1.a": "3000/200 = 15"\n"3.b": "-18"\n')
    rows = json.loads(_run("autocheck", str(plan.KEY_PATH), str(answers), "--json"))
    by_part = {row["part"]: row for row in rows}
    assert set(by_part) == set(plan.REGIONS)
    for row in rows:
        assert {"part", "verdict", "expected", "found", "diagnosis", "points", "max_points"} <= set(
            row
        )
    assert by_part["1.a"]["verdict"] == "correct"
    assert by_part["3.b"]["verdict"] == "incorrect"
    assert by_part["3.b"]["diagnosis"]["code"] == "sign"
    assert by_part["2.a"]["verdict"] == "blank"


def test_autocheck_on_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError):
        _run("autocheck", str(plan.KEY_PATH), str(tmp_path / "nope.md"))


@pytest.mark.django_db
def test_ingest_uploads_and_reports_each_file(
    cast, media_root, tmp_path, django_capture_on_commit_callbacks
):
    cast.exam.pages_per_copy = 2
    cast.exam.save()
    good = tmp_path / "stack.pdf"
    good.write_bytes(_scans(cast.exam, copies=1).pdf)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    out = StringIO()
    with (
        pytest.raises(CommandError, match="1 file"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("ingest", "--exam", str(cast.exam.pk), str(good), str(empty), stdout=out)
    assert "stack.pdf" in out.getvalue()
    assert sorted(ScanBatch.objects.values_list("original_name", "status")) == [
        ("empty.pdf", "failed"),
        ("stack.pdf", "done"),
    ]


@pytest.mark.django_db
def test_import_transcription_splits_and_checks_a_copy(cast, tmp_path):
    answer_key_store(exam=cast.exam, source=plan.KEY_PATH.read_text())
    md = tmp_path / "copy.md"
    md.write_text(
        "## Question 1\n(a) 3000/200 = 15 epochs\n\n(b) 10000/128 = 78\n\n"
        "## Question 3\n(a) $-\\ln 0.25 = 1.386$\n\n(b) $\\partial L/\\partial w = -18$\n"
    )
    output = _run("import_transcription", "--exam", str(cast.exam.pk), "--copy", "41", str(md))
    verdicts = dict(
        Answer.objects.filter(submission__copy_number=41).values_list("part__part_id", "verdict")
    )
    assert verdicts["1.a"] == "correct"
    assert verdicts["1.b"] == "correct"
    assert verdicts["3.a"] == "correct"
    assert verdicts["3.b"] == "incorrect"
    assert "1.a" in output
    assert Path(md).exists()


@pytest.mark.django_db
def test_export_key_gives_back_the_installed_key_exactly(cast):
    from autocheck.keys import parse_key

    source = plan.KEY_PATH.read_text()
    answer_key_store(exam=cast.exam, source=source)
    assert _run("export_key", "--exam", str(cast.exam.pk)) == source
    canonical = _run("export_key", "--exam", str(cast.exam.pk), "--canonical")
    assert parse_key(canonical) == parse_key(source)
    with pytest.raises(CommandError, match="no answer key version 9"):
        _run("export_key", "--exam", str(cast.exam.pk), "--key-version", "9")


def test_autocheck_aligns_a_copy_with_the_printed_exam(tmp_path):
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "exams" / "quiz-ten"
    rows = json.loads(
        _run(
            "autocheck",
            str(corpus / "key.yaml"),
            str(corpus / "students" / "cyd.md"),
            "--printed",
            str(corpus / "printed.md"),
            "--json",
        )
    )
    by_part = {row["part"]: row for row in rows}
    assert by_part["1"]["verdict"] == "correct"
    assert by_part["1"]["alignment"]["method"] == "printed"
    assert by_part["6"]["diagnosis"]["code"] == "bias_missing"
    assert by_part["9"]["verdict"] == "blank"
