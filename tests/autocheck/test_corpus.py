"""Acceptance: the verdict table of the shared seeds' README, row by row.

The seeds are read from the repository's sibling folder (``shared/seeds``), never copied.
Splitting a whole transcription into parts is the aligner's job (:mod:`autocheck.align`);
these tests go through :func:`autocheck.cli.autocheck`, exactly as the management command will.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
KEYS = Path(__file__).resolve().parents[1] / "corpus" / "keys"


@pytest.fixture(autouse=True)
def _seeds_beside_the_repository():
    """Skipped locally without the seeds; under CI=true their absence fails the run."""
    from tests.conftest import require_service

    require_service("shared/seeds", SEEDS.is_dir(), "clone shared/ beside the repository")


@cache
def _verdicts(stem: str) -> dict[str, dict[str, Any]]:
    from autocheck.cli import autocheck

    rows = autocheck(KEYS / f"{stem}.yaml", SEEDS / f"{stem}.md")
    return {r["part"]: r for r in rows}


def _target(row: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in row["targets"] if t["name"] == name)


ECE1508 = "ece1508-midterm-2025-student"
C147 = "ece-c147-midterm-2021-student"
ECE695 = "ece695-midterm2-2021-solution"

# (seed, part, verdict, diagnosis code or None) as in the README's tables.
ROWS = [
    (ECE1508, "2.2", "blank", None),
    (ECE1508, "2.3", "blank", None),
    (ECE1508, "3.2", "partial", None),
    (ECE1508, "3.3", "incorrect", "sign"),
    (ECE1508, "4.1", "correct", None),
    (ECE1508, "4.2", "needs_review", None),
    (C147, "4.a", "correct", None),
    (C147, "4.b", "needs_review", None),
    (C147, "4.e", "correct", None),
    (C147, "5.b", "incorrect", "wrong_choice"),
    (C147, "2.b", "needs_review", None),
    (C147, "5.a", "blank", None),
    (ECE695, "2.2", "correct", None),
    (ECE695, "3.1", "correct", None),
    (ECE695, "4.1", "correct", None),
    (ECE695, "4.2", "correct", None),
]


@pytest.mark.parametrize(("stem", "part", "verdict", "code"), ROWS)
def test_readme_row(stem: str, part: str, verdict: str, code: str | None):
    row = _verdicts(stem)[part]
    assert row["verdict"] == verdict, row
    if code is not None:
        assert row["diagnosis"]["code"] == code


def test_ece1508_forward_pass_misses_only_the_loss():
    row = _verdicts(ECE1508)["3.2"]
    status = {t["name"]: t["status"] for t in row["targets"]}
    assert status == {
        "z1": "correct",
        "y": "correct",
        "z2": "correct",
        "x_hat": "correct",
        "loss": "missing",
    }
    assert row["points"] == pytest.approx(7 * 4 / 5)


def test_ece1508_epochs_take_the_final_value_of_the_chain():
    row = _verdicts(ECE1508)["4.1"]
    assert _target(row, "answer")["found"]["text"] == "20"
    assert row["points"] == 5


def test_ece1508_numeric_part_of_4_2_is_right_and_the_observation_goes_to_a_person():
    row = _verdicts(ECE1508)["4.2"]
    assert _target(row, "epochs")["status"] == "correct"
    assert _target(row, "batches")["status"] == "correct"
    assert _target(row, "observation")["status"] == "needs_review"


def test_ece1508_sign_error_is_explained_in_plain_words():
    row = _verdicts(ECE1508)["3.3"]
    assert "opposite sign" in row["diagnosis"]["message"]


def test_c147_log_is_read_as_natural_log():
    row = _verdicts(C147)["4.a"]
    assert "log" in _target(row, "answer")["found"]["text"]


@pytest.mark.parametrize("stem", [ECE1508, C147, ECE695])
def test_every_other_part_goes_to_a_person(stem: str):
    listed = {part for s, part, _, _ in ROWS if s == stem}
    for part, row in _verdicts(stem).items():
        if part in listed:
            continue
        expected = "blank" if not row["text"].strip() else "needs_review"
        assert row["verdict"] == expected, (part, row["verdict"], row["text"][:80])


@pytest.mark.parametrize("stem", [ECE1508, C147, ECE695])
def test_nothing_unreadable_is_marked_incorrect(stem: str):
    for part, row in _verdicts(stem).items():
        if row["verdict"] == "incorrect":
            assert row["diagnosis"] is not None, part
            assert row["confidence"] >= 0.5, part


def test_solution_sheet_scores_full_marks_on_what_can_be_checked():
    rows = _verdicts(ECE695)
    checked = [r for r in rows.values() if r["verdict"] not in ("needs_review", "blank")]
    assert checked
    assert all(r["verdict"] == "correct" and r["points"] == r["max_points"] for r in checked)
