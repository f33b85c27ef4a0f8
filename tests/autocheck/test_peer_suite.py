"""The peer suite: math-verify's own test cases (bench/math_verify_cases.yaml), judged by the
checker and by math-verify 0.9.0 side by side in one run (bench/peer.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.peer import DELIBERATE, load_cases, run

DOCS = Path(__file__).resolve().parents[2] / "docs" / "answer-keys.md"


@pytest.fixture(scope="module")
def tally() -> dict:
    return run()


def test_the_table_records_every_case_with_its_source():
    cases = load_cases()
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.group.startswith("tests/test_")
        assert case.expected in (0, 1)
        assert case.inside != bool(case.outside)
        assert case.key is not None or case.targets is not None or case.outside


def test_no_right_answer_is_marked_incorrect(tally):
    assert tally["right_marked_incorrect"] == 0


def test_agreement_is_at_least_math_verifys_outside_the_deliberate_differences(tally):
    assert (
        tally["autocheck_agree_without_deliberate"] >= tally["math_verify_agree_without_deliberate"]
    )


def test_every_deliberate_difference_gets_its_listed_verdict_and_is_documented(tally):
    assert tally["deliberate_as_listed"]
    docs = DOCS.read_text(encoding="utf-8")
    for case_id in DELIBERATE:
        assert f"| {case_id} |" in docs, f"case {case_id} is not listed in docs/answer-keys.md"


def test_every_disagreement_outside_the_listed_ones_is_a_person_deciding(tally):
    # Anything the checker does not agree with, and is not listed, may only go to a person.
    for d in tally["disagreements"]:
        if d["id"] not in DELIBERATE:
            assert d["autocheck"] == "needs_review", d
