"""``multi_select``: select all that apply, with the key's rule for partial credit."""

from __future__ import annotations

import pytest

from autocheck.kinds.multi_select import score_selection

from .helpers import check, key_problem

OPTIONS = ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    ("selected", "rule", "score"),
    [
        (["A", "C"], "right_minus_wrong", 1.0),
        (["A"], "right_minus_wrong", 0.5),
        (["A", "B"], "right_minus_wrong", 0.0),
        (["A", "C", "D"], "right_minus_wrong", 0.5),
        (["B", "D"], "right_minus_wrong", 0.0),
        (["A"], "per_option", 0.75),
        (["A", "B", "C", "D"], "per_option", 0.5),
        (["A"], "all_or_nothing", 0.0),
        (["C", "A"], "all_or_nothing", 1.0),
    ],
)
def test_credit_rules(selected, rule, score):
    assert score_selection(selected, ["A", "C"], OPTIONS, rule) == score


@pytest.mark.parametrize(
    ("text", "credit", "verdict", "points"),
    [
        (r"$\boxed{A, C}$", None, "correct", 2.0),
        ("Answer: C and A", None, "correct", 2.0),
        ("A", None, "partial", 1.0),
        (r"\boxed{A} \boxed{C} \boxed{D}", None, "partial", 1.0),
        ("B, D", None, "incorrect", 0.0),
        ("A", "all_or_nothing", "incorrect", 0.0),
        ("A", "per_option", "partial", 1.5),
    ],
)
def test_selections(text, credit, verdict, points):
    answer = {"multi_select": ["A", "C"], "options": OPTIONS}
    if credit:
        answer["credit"] = credit
    got = check(answer, text)
    assert (got.verdict, got.points) == (verdict, points)


def test_no_option_named_goes_to_a_person():
    answer = {"multi_select": ["A", "C"], "options": OPTIONS}
    assert check(answer, "I am not sure").verdict == "needs_review"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"multi_select": ["A"]}, "needs its options"),
        ({"multi_select": ["E"], "options": OPTIONS}, "not among the options"),
        ({"multi_select": ["A"], "options": OPTIONS, "credit": "half"}, "credit is one of"),
    ],
)
def test_key_problems(answer, problem):
    assert problem in key_problem(answer)
