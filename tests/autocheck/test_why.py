"""Every example of issue 15's "Why": a right answer the checker once marked incorrect, or
sent to a person although it was right or easy to decide. Each now gets the right verdict."""

from __future__ import annotations

import pytest

from .kinds.helpers import check


@pytest.mark.parametrize(
    ("answer", "text", "verdict"),
    [
        # Once incorrect: "2e8+100" read e as Euler's number.
        ({"integer": 200000100}, r"$2 \times 10^8 + 100$", "correct"),
        ({"integer": 200000100}, r"2 \times 10^{8} + 100", "correct"),
        # Once read as 000: thousands separated by a space outside $.
        ({"integer": 1000}, "1 000", "correct"),
        ({"integer": 60000}, "the dataset has 60 000 images", "correct"),
        # A unit dropped but its exponent kept (225, 4).
        ({"number": 15}, r"$15\text{ cm}^2$", "correct"),
        ({"number": 2}, r"$2\,\text{m/s}^2$", "correct"),
        # \( \) is maths; {, } separates thousands.
        ({"number": 10}, r"Answer \( (9+1) \)", "correct"),
        ({"integer": 14916}, r"$14 {, }916$", "correct"),
        # Correct to the digits written, component by component.
        ({"vector": [0.000165, 2.5]}, "[0.00016, 2.5]", "correct"),
        ({"vector": [0.2689, 0.2034, 0.1505, 0.3742]}, "[0.27, 0.20, 0.15, 0.37]", "correct"),
        # Percentages, transposed vectors, limits.
        ({"number": 0.275}, "27.5%", "correct"),
        ({"percentage": 27.5}, "0.275", "correct"),
        ({"vector": [1, 2, 3]}, "[1, 2, 3]^T", "correct"),
        ({"vector": [1, 2, 3]}, r"$(1, 2, 3)^{T}$", "correct"),
        ({"number": 0}, r"$f(x) \rightarrow 0$", "correct"),
        ({"number": 0}, r"as x grows, $f(x) \to 0$", "correct"),
        # Braceless fractions and roots, LaTeX without $, a sentence after the value.
        ({"number": "1/3"}, r"$\frac13$", "correct"),
        ({"number": r"\sqrt{3}"}, r"$\sqrt3$", "correct"),
        ({"number": "10/9"}, r"\frac{10}{9}", "correct"),
        ({"integer": 120}, "120. I hope it is correct.", "correct"),
        # Lists and sets.
        ({"set": [-2, 1]}, "-2, 1", "correct"),
        ({"set": [-2, 1]}, r"$\{1, -2\}$", "correct"),
        ({"set": [6, 8]}, "6 and 8", "correct"),
        ({"set": [2, 3, 5]}, r"$\boxed{2}, \boxed{3}, \boxed{5}$", "correct"),
        ({"set": [r"1 + \sqrt{5}", r"1 - \sqrt{5}", -2]}, r"$\{1 \pm \sqrt{5}, -2\}$", "correct"),
        ({"plus_minus": r"1 \pm \sqrt{19}"}, r"$x = 1 \pm \sqrt{19}$", "correct"),
        # Intervals, inequalities, equations.
        ({"interval": "[0, 1)"}, "$[0,1)$", "correct"),
        ({"interval": "[-2, 7]"}, r"$-2 \le x \le 7$", "correct"),
        ({"relation": r"x \geq 5"}, r"$5 \leq x$", "correct"),
        ({"equation": "2x + 4y - 3 = 0"}, r"$y = -\frac{1}{2}x + \frac{3}{4}$", "correct"),
    ],
)
def test_an_example_of_the_issue_gets_the_right_verdict(answer, text, verdict):
    assert check(answer, text).verdict == verdict


def test_a_decimal_comma_is_never_a_reason_for_incorrect_without_a_course_setting():
    # "L = 1,204" for 1.204 was incorrect ("off by 10^3").
    unknown = check({"number": 1.204}, "L = 1,204", symbols=("L",))
    assert unknown.verdict == "needs_review"
    assert "decimal sign" in " ".join(unknown.notes + tuple(t.note for t in unknown.targets))
    assert check({"number": 1.204}, "L = 1,204", symbols=("L",), decimal_comma=True).verdict == (
        "correct"
    )
    # A course that writes decimal points: 1,204 is 1204, and wrong.
    assert check({"number": 1.204}, "L = 1,204", symbols=("L",), decimal_comma=False).verdict == (
        "incorrect"
    )
    # Both readings wrong: wrong whatever the course.
    assert check({"number": 1.204}, "L = 3,500", symbols=("L",)).verdict == "incorrect"


def test_several_named_values_in_one_box_go_to_their_own_names():
    targets = [
        {"name": "a3", "symbols": ["a_3"], "answer": {"number": 2}},
        {"name": "a37", "symbols": ["a_{37}", "a_37"], "answer": {"number": 19}},
    ]
    verdict = check(None, r"$\boxed{a_{37} = 19, \quad a_3 = 2}$", targets=targets)
    assert verdict.verdict == "correct"
    swapped = check(None, r"$\boxed{a_{37} = 2, \quad a_3 = 19}$", targets=targets)
    assert swapped.verdict == "incorrect"
