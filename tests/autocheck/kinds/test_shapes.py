"""The shape kind: a shape read short because the OCR misread a dimension, or one number
given for a shape of several axes, goes to a person instead of being marked wrong."""

from __future__ import annotations

import pytest

from tests.autocheck.kinds.helpers import check

SHAPE = {"shape": [16, 16, 8]}


@pytest.mark.parametrize(
    "written",
    [
        "16 x 16 x B",  # 8 read as B
        "16 x 16 x 8O",  # a letter glued to the last dimension
        r"16 \times 16 \times ?",
    ],
)
def test_a_shape_whose_next_dimension_is_misread_is_not_read_short(written):
    verdict = check(SHAPE, written)
    assert verdict.verdict == "needs_review"
    assert all(c.text != "16 x 16" for c in verdict.found)


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("16 x 16 x 8", "correct"),
        ("16x16x8 activations", "correct"),
        ("(16, 16, 8)", "correct"),
        ("16 x 16 x 4", "incorrect"),
    ],
)
def test_a_whole_shape_is_still_judged(written, verdict):
    assert check(SHAPE, written).verdict == verdict


@pytest.mark.parametrize("written", ["(34 - 3)/2 + 1 = 16", "side = 15"])
def test_one_number_for_a_shape_of_several_axes_goes_to_a_person(written):
    verdict = check(SHAPE, written)
    assert verdict.verdict == "needs_review"
    assert "one number where a shape of several axes is asked" in verdict.notes


def test_one_number_for_a_shape_of_one_axis_is_judged():
    assert check({"shape": [10]}, "out = 12").verdict == "incorrect"


@pytest.mark.parametrize(
    ("written", "verdict"), [("a 16 by 16 by 8 tensor", "correct"), ("16 by 8", "incorrect")]
)
def test_a_shape_said_in_words_with_by_is_read(written, verdict):
    assert check(SHAPE, written).verdict == verdict
