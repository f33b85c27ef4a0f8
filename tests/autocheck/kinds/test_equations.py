"""``equation``: equal when it has the same solutions (rearranged, scaled, solved)."""

from __future__ import annotations

import pytest

from .helpers import check, key_problem

LINE = {"equation": "2x + 4y - 3 = 0"}


@pytest.mark.parametrize(
    ("answer", "text", "verdict"),
    [
        (LINE, r"$y = -\frac{1}{2}x + \frac{3}{4}$", "correct"),
        (LINE, "$4x + 8y = 6$", "correct"),
        (LINE, "$-2x - 4y + 3 = 0$", "correct"),
        (LINE, "$2x + 4y = 4$", "incorrect"),
        ({"equation": "x^2/4 + y^2/3 = 1"}, "$x^2/16 + y^2/12 = 1/4$", "correct"),
        ({"equation": "34x+45y-20z+100=0"}, "$-34x-45y+20z-100=0$", "correct"),
        ({"equation": "y = x^2"}, "$y - x^2 = 0$", "correct"),
        ({"equation": "y = 2x + 1"}, "$2x + 1$", "correct"),  # the y = ... side
        ({"equation": "7 = 11a + c"}, "$11a+c$", "incorrect"),  # not an equation
        ({"equation": "a + 3z = 0"}, "$0$", "incorrect"),
        ({"equation": "x + y = 1"}, "$x + w = 1$", "needs_review"),  # w is not in the key
    ],
)
def test_equations(answer, text, verdict):
    assert check(answer, text).verdict == verdict


def test_a_key_equation_needs_an_equals_sign():
    assert "equation" in key_problem({"equation": "2x + 1"})
