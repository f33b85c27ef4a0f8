"""``set`` and ``plus_minus``: order-free values, read however a student lists them."""

from __future__ import annotations

import pytest

from .helpers import check, key_problem

ROOTS = {"set": [-2, 1]}


@pytest.mark.parametrize(
    ("answer", "text", "verdict"),
    [
        (ROOTS, r"$\boxed{-2, 1}$", "correct"),
        (ROOTS, r"$\boxed{1,-2}$", "correct"),
        (ROOTS, r"the roots are $x = 1$ and $x = -2$", "correct"),
        (ROOTS, r"$x = 1, x = -2$", "correct"),
        (ROOTS, r"$x \in \{-2, 1\}$", "correct"),
        (ROOTS, r"\boxed{-2} and \boxed{1}", "correct"),
        (ROOTS, r"$\{1, -2, 1\}$", "correct"),  # a repeated value: a set has no multiplicity
        (ROOTS, r"$\boxed{-2, 2}$", "partial"),
        (ROOTS, r"$\boxed{-2}$", "partial"),
        (ROOTS, r"$\boxed{3, 4}$", "incorrect"),
        ({"set": [1, 1, 2], "multiplicity": True}, r"$\{1, 2, 1\}$", "correct"),
        ({"set": [1, 1, 2], "multiplicity": True}, r"$\{1, 2\}$", "partial"),
        ({"set": [19, 46, 82]}, r"$19, 46, \text{ and } 82$", "correct"),
        ({"set": [21, 16, 11]}, "$21,16$ or $11$", "correct"),
        ({"set": [0.333, 2]}, r"$\{0.33, 2\}$", "correct"),  # each element to the digits written
        ({"plus_minus": r"1 \pm \sqrt{19}"}, r"$1 + \sqrt{19}, 1 - \sqrt{19}$", "correct"),
        ({"plus_minus": r"3 \pm 2\sqrt{2}"}, r"$x = \boxed{3 \pm 2 \sqrt{2}}$", "correct"),
        ({"plus_minus": r"\pm 2021"}, r"$\{-2021, 2021\}$", "correct"),
        ({"plus_minus": r"\pm 2021"}, "$2021$", "partial"),
        ({"plus_minus": r"1 \pm \sqrt{19}"}, r"$1 \pm \sqrt{18}$", "incorrect"),
    ],
)
def test_sets(answer, text, verdict):
    assert check(answer, text).verdict == verdict


def test_an_unreadable_element_goes_to_a_person():
    assert check(ROOTS, r"$\boxed{-2, \text{ReLU}(1)}$").verdict == "needs_review"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"set": []}, "at least one element"),
        ({"set": ["x +"]}, "cannot read"),
        ({"plus_minus": "1 + 2"}, r"\pm"),
        ({"set": [1], "multiplicity": "often"}, "true/false"),
    ],
)
def test_key_problems(answer, problem):
    assert problem in key_problem(answer)
