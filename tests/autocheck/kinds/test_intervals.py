"""``interval`` and ``relation``: sets of reals, as intervals or as the inequality that
describes them."""

from __future__ import annotations

import pytest

from .helpers import check, key_problem


@pytest.mark.parametrize(
    ("answer", "text", "verdict"),
    [
        ({"interval": "[0, 1)"}, r"$\left[0, 1\right)$", "correct"),
        ({"interval": "[0, 1)"}, "$(0, 1)$", "incorrect"),
        ({"interval": "[0, 9)"}, "$[0,1)$", "incorrect"),
        (
            {"interval": r"(-\infty, -3] \cup [2, \infty)"},
            r"$[2, \infty) \cup (-\infty, -3]$",
            "correct",
        ),
        (
            {"interval": r"(-\infty, -3] \cup [2, \infty)"},
            "$x \\le -3$ or $x \\ge 2$",
            "correct",
        ),
        ({"interval": r"\{-1\} \cup [0, 7)"}, r"$x \in \{-1\} \cup [0,7)$", "correct"),
        ({"interval": "[0, 2]"}, r"$[0, 1) \cup [1, 2]$", "correct"),  # touching pieces join
        ({"interval": r"(\frac{3}{5}, \frac{8}{3}]"}, "$(0.6, 2.6667]$", "correct"),
        ({"interval": r"(1, +\infty)"}, r"$(1, \infty)$", "correct"),
        ({"interval": "[-2, 7]"}, r"$-2 \le x \le 7$", "correct"),
        ({"relation": r"x \geq 5"}, r"$x \ge 5$", "correct"),
        ({"relation": r"x \geq 5"}, r"$-x \le -5$", "correct"),
        ({"relation": r"x \geq 5"}, r"$x \in [5, \infty)$", "correct"),
        ({"relation": r"x \geq 5"}, r"$x > 5$", "incorrect"),
        ({"relation": r"x \geq 5"}, r"$x \leq 5$", "incorrect"),
        ({"relation": r"x \neq 3"}, "$x != 3$", "correct"),
        (
            {"relation": r"1 \leq |z| \leq \frac{3}{2}"},
            r"$z \in [-1.5, -1] \cup [1, 1.5]$",
            "correct",
        ),
        ({"relation": r"k \ge 2"}, r"$n \ge 2$", "needs_review"),  # another variable
    ],
)
def test_intervals_and_relations(answer, text, verdict):
    assert check(answer, text).verdict == verdict


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"interval": "[2, 1]"}, "wrong order"),
        ({"interval": "0 to 1"}, "cannot read"),
        ({"relation": "x + y < 1"}, "one variable"),
    ],
)
def test_key_problems(answer, problem):
    assert problem in key_problem(answer)
