"""``percentage`` and ``quantity``, and numbers read as people write them."""

from __future__ import annotations

import pytest

from .helpers import check, key_problem


@pytest.mark.parametrize(
    ("answer", "text", "verdict"),
    [
        # Thousands separators, decimal signs, scientific notation.
        ({"integer": 7425000}, "7,425,000", "correct"),
        ({"number": 1000.99}, "1,000.99", "correct"),
        ({"number": 1000.99}, "1000,99", "correct"),  # unambiguous decimal comma
        ({"number": 0.111}, "0,111", "correct"),
        ({"integer": 11111111100}, r"$\boxed{11,\! 111,\! 111,\! 100}$", "correct"),
        ({"integer": 1000}, "1\u2009000", "correct"),  # thin space
        ({"number": 0.0012}, r"$1.2 \cdot 10^{-3}$", "correct"),
        ({"number": 0.0012}, "1.2E-3", "correct"),
        ({"number": 0.0012}, "1.2e-3", "correct"),
        ({"number": 0.4}, ".4", "correct"),
        ({"integer": 12000023}, "The final answer is 12,000,023. I hope it is correct.", "correct"),
        # Delimiters, chains, units after a number.
        ({"number": 9}, r"Answer \[ 9 \]", "correct"),
        ({"number": 11}, r"$x \approx 11$", "correct"),
        ({"number": 1000.99}, "so it is 1,000.99m²", "correct"),
        ({"number": 16386.17}, r"worth $\boxed{\$16,\!386.17}$", "correct"),
        ({"number": r"\frac{9}{4}\pi"}, r"$\boxed{\frac94\pi}$", "correct"),
        # Percentages.
        ({"percentage": 28}, "28 percent", "correct"),
        ({"percentage": 28}, r"$\boxed{28}$ pct", "correct"),
        ({"percentage": 28}, r"$28\%$", "correct"),
        ({"percentage": 28}, "0.28", "correct"),
        ({"percentage": 28}, "29%", "incorrect"),
        ({"percentage": 28, "form": "percent"}, "0.28", "incorrect"),
        ({"percentage": 28, "form": "fraction"}, "0.28", "correct"),
        # Quantities.
        ({"quantity": r"15\text{ cm}^2"}, r"$15\mbox{ cm}^2$", "correct"),
        ({"quantity": "15 cm^2"}, "0.0015 m^2", "correct"),
        ({"quantity": "15 cm^2"}, "1500 mm²", "correct"),
        ({"quantity": "15 cm^2"}, "15", "correct"),  # a missing unit is the key's choice
        ({"quantity": "15 cm^2", "unit_required": True}, "15", "incorrect"),
        ({"quantity": "15 cm^2"}, "15 cm", "incorrect"),
        ({"quantity": "2 m/s^2"}, r"$2\,\text{m/s}^2$", "correct"),
        ({"quantity": "72 km/h"}, "20 m/s", "correct"),
        ({"quantity": r"90^\circ"}, r"$\boxed{90^\circ}$", "correct"),
        ({"quantity": 125, "unit": "miles"}, r"$\boxed{125\textnormal{ miles}}$", "correct"),
        ({"quantity": "0.06 yuan"}, r"$\boxed{0.06 \text{ yuan}}$", "correct"),
        ({"quantity": "0.06 yuan"}, r"$\boxed{0.06 \text{ euro}}$", "incorrect"),
    ],
)
def test_numbers_as_written(answer, text, verdict):
    assert check(answer, text).verdict == verdict


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"percentage": 28, "form": "ratio"}, "form is one of"),
        ({"quantity": 15}, "needs a unit"),
        ({"quantity": "15 cm", "unit_required": "yes please"}, "true/false"),
        ({"integer": 3, "unit": "cm"}, "only meaningful for a number or quantity"),
    ],
)
def test_key_problems(answer, problem):
    assert problem in key_problem(answer)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("33,554,432", "correct"),
        ("33554431", "incorrect"),  # written in full: exact
        ("33550000", "incorrect"),  # trailing zeros written are digits
        (r"$3.36 \times 10^{7}$", "correct"),  # rounded to the digits written
        ("3.355e7", "correct"),
        ("32 MiB", "correct"),  # 2^25 bytes
        (r"32\,\text{MiB}", "correct"),
        ("33.6 MB", "correct"),
        ("the buffer takes 33.55M", "correct"),
        ("3.36 x 10^7 B", "correct"),
        ("33.5 MB", "needs_review"),  # truncated, or MB for MiB: close, a person decides
        ("3.2e7", "needs_review"),
        ("3e7", "needs_review"),  # one digit: too few to be right to
        ("6.7e7", "incorrect"),
        ("6.3 Mbit", "needs_review"),  # bits cannot be a count of bytes here: a person reads it
        ("3.2 \\times 10^{6}", "incorrect"),
    ],
)
def test_a_count_may_be_written_rounded_or_in_a_larger_byte_unit(text, verdict):
    assert check({"integer": 33554432}, text).verdict == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("see the back page", "needs_review"),  # the answer is somewhere: never blank
        ("continued on the next page", "needs_review"),
        ("no idea", "blank"),  # words that answer nothing, as the seeds' TA reads them
    ],
)
def test_words_without_a_number_are_blank_unless_they_point_elsewhere(text, verdict):
    assert check({"integer": 20}, text).verdict == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("5, -1", "correct"),  # the components without brackets, alone on their line
        ("z is\n5, -1", "correct"),
        ("-5, 1", "incorrect"),
    ],
)
def test_a_vector_may_be_written_without_brackets_on_a_line_of_its_own(text, verdict):
    assert check({"vector": [5, -1]}, text).verdict == verdict


@pytest.mark.parametrize(
    ("expected", "text", "verdict"),
    [
        (0, "none", "correct"),
        (0, "no parameters", "correct"),
        (0, "No params, a pooling layer only picks maxima", "correct"),
        (0, "zero", "correct"),
        (5, "none", "incorrect"),  # zero said in words is zero
        (0, "no idea at all", "blank"),  # no count: words that answer nothing
    ],
)
def test_a_count_of_zero_may_be_said_in_words(expected, text, verdict):
    assert check({"integer": expected}, text).verdict == verdict


def test_a_count_of_zero_in_words_under_its_name_among_other_values():
    targets = [
        {"name": "output", "answer": {"shape": [8, 16, 16]}, "symbols": ["shape"]},
        {"name": "params", "answer": {"integer": 0}, "symbols": ["params"]},
    ]
    verdict = check(None, "shape = 8 x 16 x 16\nparams = no parameters", targets=targets)
    assert verdict.verdict == "correct"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("five", "correct"),
        ("Five windows", "correct"),
        ("six", "incorrect"),
        ("one of the reasons", "blank"),  # no count: words that answer nothing
    ],
)
def test_a_small_count_may_be_written_as_a_word(text, verdict):
    assert check({"integer": 5}, text).verdict == verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("w decreases by 0.03", "needs_review"),  # the words may carry the sign
        ("0.03", "incorrect"),
        ("-0.03", "correct"),
    ],
)
def test_the_opposite_sign_with_words_of_direction_goes_to_a_person(text, verdict):
    assert check({"number": -0.03}, text).verdict == verdict
