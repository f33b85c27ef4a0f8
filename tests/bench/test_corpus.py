"""The corpus benchmark: its files are complete and its figures count what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus import CORPUS, Copy, copies, score, table

VERDICTS = {"correct", "incorrect", "partial", "needs_review", "blank"}


def _copy(truth: dict[str, tuple[str, str]]) -> Copy:
    return Copy("exam", "ana", Path("key.yaml"), Path("ana.md"), None, truth)


def _row(part: str, verdict: str, code: str = "") -> dict:
    return {"part": part, "verdict": verdict, "diagnosis": {"code": code} if code else None}


def test_every_exam_has_its_printed_text_key_and_students():
    exams = [p for p in (CORPUS / "exams").iterdir() if p.is_dir()]
    assert len(exams) >= 12
    for exam in exams:
        assert (exam / "printed.md").is_file(), exam.name
        assert (exam / "key.yaml").is_file(), exam.name
        listed = {c.student for c in copies(CORPUS, Path("/nonexistent")) if c.exam == exam.name}
        on_disk = {p.stem for p in (exam / "students").glob("*.md")}
        assert listed == on_disk, exam.name
        assert len(listed) >= 6, exam.name


def test_the_held_out_exams_are_complete_and_counted_apart():
    held = [c for c in copies(CORPUS, Path("/nonexistent")) if c.exam.startswith("heldout:")]
    assert len({c.exam for c in held}) >= 3
    for copy in held:
        assert copy.text.is_file(), copy
        assert copy.printed is not None


def test_every_truth_row_is_a_verdict_and_planted_errors_name_a_diagnosis():
    for copy in copies(CORPUS, Path("/nonexistent")):
        assert copy.truth, copy
        for part, (verdict, code) in copy.truth.items():
            assert verdict in VERDICTS, (copy.exam, copy.student, part, verdict)
            assert " " not in code, (copy.exam, copy.student, part, code)
            if code:
                assert verdict in ("incorrect", "partial"), (copy.exam, copy.student, part)


def test_agreement_counts_only_checkable_parts_and_review_is_not_agreement():
    copy = _copy({"1": ("correct", ""), "2": ("blank", ""), "3": ("needs_review", "")})
    tally = score(
        copy, [_row("1", "correct"), _row("2", "needs_review"), _row("3", "needs_review")]
    )
    figures = tally.figures()
    assert figures["checkable_parts"] == 2
    assert figures["agreement_pct"] == 50.0
    assert figures["decided_pct"] == pytest.approx(100 / 3, abs=0.1)
    assert figures["false_blank"] == 0


@pytest.mark.parametrize(
    ("truth", "got", "field"),
    [
        ("correct", "incorrect", "false_incorrect"),
        ("partial", "incorrect", "false_incorrect"),
        ("needs_review", "incorrect", "false_incorrect"),
        ("incorrect", "correct", "false_correct"),
        ("correct", "blank", "false_blank"),
        ("needs_review", "blank", "false_blank"),
    ],
)
def test_false_verdicts_are_counted(truth: str, got: str, field: str):
    figures = score(_copy({"1": (truth, "")}), [_row("1", got)]).figures()
    assert figures[field] == 1
    assert figures["decided_wrong"] == 1
    assert figures["agreement_pct"] in (0.0, None)


def test_a_planted_error_is_diagnosed_only_with_its_own_code():
    copy = _copy({"1": ("incorrect", "sign"), "2": ("incorrect", "sign")})
    tally = score(copy, [_row("1", "incorrect", "sign"), _row("2", "incorrect", "factor_2")])
    assert tally.figures()["diagnosis_pct"] == 50.0


def test_a_failed_copy_sends_every_part_to_a_person():
    figures = score(_copy({"1": ("correct", ""), "2": ("blank", "")}), None).figures()
    assert figures["decided_pct"] == 0.0
    assert figures["agreement_pct"] == 0.0
    assert figures["false_blank"] == 0


def test_the_table_has_a_row_per_exam_and_a_total():
    tally = score(_copy({"1": ("correct", "")}), [_row("1", "correct")])
    result = {"exams": {"exam": tally.figures()}, "total": tally.figures()}
    lines = table(result).splitlines()
    assert lines[1].startswith("exam")
    assert lines[-1].startswith("TOTAL")
    assert "100" in lines[-1]
