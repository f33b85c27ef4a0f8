"""The real-handwriting data: splits by source digit, and answers composed from them."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from exams.scanning import compose, handwriting


def test_the_splits_are_disjoint_and_cover_every_digit():
    index = np.arange(1200)
    split = handwriting.split_of(index)
    assert set(np.unique(split)) == {0, 1, 2}
    # 8 of 10 train, 1 validation, 1 test: a digit's split depends on its index alone.
    assert np.bincount(split).tolist() == [960, 120, 120]
    assert (handwriting.split_of(index) == split).all()


def test_an_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split"):
        handwriting.load_bank("t10k")


def test_the_test_split_holds_only_its_own_source_digits(digits_test_split):
    for indices in digits_test_split.source_index:
        assert len(indices) > 50
        assert (indices % 10 == 9).all()


@pytest.mark.parametrize("kind", compose.KINDS)
def test_every_kind_composes_at_scan_scale_with_its_truth(digits_test_split, kind):
    rng = np.random.default_rng(3)
    sample = compose.compose(kind, rng, digits_test_split, quality="heavy")
    assert sample.image.mode == "L"
    assert sample.answer
    assert len(sample.lines) == (1 if kind in compose.ONE_LINE_KINDS else len(sample.lines))
    if kind in compose.MULTI_LINE_KINDS:
        assert len(sample.lines) >= 2
    ink = np.asarray(sample.image) < 128
    rows = np.flatnonzero(ink.sum(axis=1) > 2)
    assert rows.size >= 20  # digits 25-45 px high


def test_a_seed_composes_the_same_answer(digits_test_split):
    a = compose.compose("shape", np.random.default_rng(9), digits_test_split, quality="light")
    b = compose.compose("shape", np.random.default_rng(9), digits_test_split, quality="light")
    assert a.answer == b.answer
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))


def test_a_distorted_bank_draws_other_hands_of_the_same_digits(digits_test_split):
    """Training only: each pick is distorted (elastic field, rotation, pen width), twice the
    size, still mostly the same ink, and a seed gives the same distortion."""
    distorted = dataclasses.replace(digits_test_split, distort_share=1.0)
    original = digits_test_split.pick(3, np.random.default_rng(5))
    a = distorted.pick(3, np.random.default_rng(5))
    b = distorted.pick(3, np.random.default_rng(5))
    assert a.shape == (56, 56)
    assert np.array_equal(a, b)
    back = cv2.resize(a, (28, 28), interpolation=cv2.INTER_AREA)
    assert not np.array_equal(back, original)
    ink_a, ink_o = back > 128, original > 128
    assert (ink_a & ink_o).sum() > 0.3 * ink_o.sum()
