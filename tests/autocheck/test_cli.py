"""CLI helpers: keysolve and autocheck as functions and as ``python -m autocheck``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from autocheck.cli import autocheck, keysolve, main

KEY = textwrap.dedent(
    r"""
    format: 1
    key_version: 2
    exam: {id: cli-demo, total_points: 15}
    questions:
      - number: 1
        points: 15
        parts:
          - number: 1
            points: 5
            solver: training.schedule
            params: {dataset_size: 20000, batch_size: 100, steps: 4000}
            value: epochs
            symbols: [epochs, epoch]
          - {number: 2, points: 5, answer: {number: -\ln 0.3}, symbols: [L]}
          - {number: 3, points: 5, descriptive: explain}
    """
)


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "key.yaml"
    path.write_text(KEY)
    return path


@pytest.fixture
def answers_path(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(
        yaml.safe_dump({"1.1": "epochs = 4000 / 200 = 20", "1.2": "L = 0.52", "1.3": ""})
    )
    return path


def test_keysolve_gives_expected_values_and_steps(key_path: Path):
    data = keysolve(key_path)
    assert data["exam"] == "cli-demo"
    assert data["parts"]["1.1"]["targets"]["answer"]["display"] == "20"
    assert data["parts"]["1.1"]["steps"]
    assert data["parts"]["1.3"]["descriptive"] is True


def test_autocheck_with_per_part_answers(key_path: Path, answers_path: Path):
    rows = {r["part"]: r for r in autocheck(key_path, answers_path)}
    assert rows["1.1"]["verdict"] == "correct"
    assert rows["1.2"]["verdict"] == "incorrect"
    assert rows["1.2"]["diagnosis"]["code"] == "log_base_10"
    assert rows["1.3"]["verdict"] == "blank"
    for field in ("part", "verdict", "expected", "found", "diagnosis", "points", "max_points"):
        assert field in rows["1.1"]


def test_main_json_output(key_path: Path, answers_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", str(key_path), str(answers_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["part"] for r in rows] == ["1.1", "1.2", "1.3"]
    assert main(["keysolve", str(key_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key_version"] == "2"


def test_main_reports_a_bad_key_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "bad.yaml"
    bad.write_text(KEY.replace("points: 5, descriptive", "points: five, descriptive"))
    assert main(["keysolve", str(bad)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "five" in ln)
    assert f"line {line}" in err
    assert "points" in err


def test_main_table_output(key_path: Path, answers_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", str(key_path), str(answers_path)]) == 0
    out = capsys.readouterr().out
    assert "correct" in out
    assert "natural log" in out


PRINTED = textwrap.dedent(
    """\
    1. How many epochs are 4000 steps of batches of 100 over 20000 examples?

    2. What is the cross-entropy loss when the true class has probability 0.3?

    3. Explain why.
    """
)


def test_check_takes_the_printed_exam_and_reports_where_each_answer_was_read(
    key_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    printed = tmp_path / "blank.md"
    printed.write_text(PRINTED)
    copy = tmp_path / "copy.md"
    copy.write_text(PRINTED.replace("examples?\n", "examples?\n\n20 epochs\n"))
    code = main(["check", str(key_path), str(copy), "--printed", str(printed), "--json"])
    rows = {r["part"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert rows["1.1"]["verdict"] == "correct"
    assert rows["1.1"]["alignment"]["method"] == "printed"
    assert [s["text"] for s in rows["1.1"]["alignment"]["spans"]] == ["20 epochs"]
    assert rows["1.2"]["verdict"] == "blank"


def test_a_copy_that_does_not_match_its_printed_exam_goes_to_a_person(
    key_path: Path, tmp_path: Path
):
    printed = tmp_path / "blank.md"
    printed.write_text(PRINTED)
    copy = tmp_path / "copy.md"
    copy.write_text("Lab report 3\n\nWe trained a network for 20 epochs; the loss was 1.2.\n")
    rows = autocheck(key_path, copy, printed=printed)
    assert {r["verdict"] for r in rows} == {"needs_review"}
    assert "printed exam" in rows[0]["alignment"]["copy_review"]
