"""Which parts of a key changed between two versions: the parts whose check may differ."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from autocheck.keys import parse_key, parts_changed

DEMO = (Path(__file__).resolve().parents[2] / "demo" / "midterm.yaml").read_text()
ECE = (
    Path(__file__).resolve().parents[1] / "corpus" / "keys" / "ece1508-midterm-2025-student.yaml"
).read_text()


def _changed(old: str, new: str) -> set[str]:
    return set(parts_changed(parse_key(old), parse_key(new)))


def test_the_same_key_or_only_its_layout_changes_nothing():
    assert _changed(DEMO, DEMO) == set()
    moved = DEMO.replace("key_version: 1", "key_version: 2").replace(
        "\nquestions:", "\n# q\n\nquestions:"
    )
    assert _changed(DEMO, moved) == set()


@pytest.mark.parametrize(
    ("edits", "changed"),
    [
        ([("steps: 3000}", "steps: 2400}")], {"1.a"}),  # a solver's params
        (
            [
                ("points: 5\n        prompt: epochs", "points: 4\n        prompt: epochs"),
                ("points: 5\n        prompt: mini", "points: 6\n        prompt: mini"),
            ],
            {"1.a", "1.b"},
        ),
        ([("box: [0.12, 0.28, 0.62, 0.36]", "box: [0.1, 0.28, 0.62, 0.36]")], {"1.a"}),
    ],
)
def test_a_part_whose_key_differs_is_changed(edits, changed):
    new = DEMO
    for old, replacement in edits:
        assert new.count(old) == 1
        new = new.replace(old, replacement)
    assert _changed(DEMO, new) == changed


def test_a_new_part_is_changed():
    old, new = parse_key(DEMO), parse_key(DEMO)
    first = old.questions[0]
    without = replace(old, questions=(replace(first, parts=first.parts[1:]), *old.questions[1:]))
    assert set(parts_changed(without, new)) == {"1.a"}


def test_key_wide_defaults_change_every_part():
    looser = DEMO.replace(
        "defaults:\n  log_base: e", "defaults:\n  log_base: e\n  tolerance: {rtol: 0.05}"
    )
    assert looser != DEMO
    assert _changed(DEMO, looser) == {p.id for p in parse_key(DEMO).parts()}


def test_a_part_that_depends_on_a_changed_part_is_changed_too():
    old = "params: {dataset_size: 20000, batch_size: 100, steps: 4000}"
    assert ECE.count(old) == 1
    changed = _changed(
        ECE, ECE.replace(old, "params: {dataset_size: 20000, batch_size: 100, steps: 2000}")
    )
    assert changed == {"4.1", "4.2"}  # 4.2 depends_on 4.1
