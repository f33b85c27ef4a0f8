"""Histogram layout for the statistics page."""

from __future__ import annotations

from decimal import Decimal

from grading import stats


def test_values_fall_in_equal_bins_and_full_marks_in_the_last():
    h = stats.histogram("t", [Decimal(0), Decimal("4.9"), Decimal(5), Decimal(10)], Decimal(10))
    assert [b.count for b in h.bars] == [1, 0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert (h.n, h.mean, h.median) == (4, 4.975, 4.95)
    assert h.bars[-1].hi == Decimal("10.00")


def test_bars_are_scaled_to_the_tallest():
    h = stats.histogram("t", [Decimal(1), Decimal(1), Decimal(9)], Decimal(10))
    tallest = max(h.bars, key=lambda b: b.count)
    assert tallest.height == stats.HEIGHT
    assert tallest.y == 0
    assert min(b.height for b in h.bars if b.count) == stats.HEIGHT / 2


def test_few_points_use_one_bin_per_point_and_empty_data_draws_nothing():
    h = stats.histogram("t", [], Decimal(4))
    assert len(h.bars) == 4
    assert (h.n, h.mean, h.median, h.peak) == (0, None, None, 0)
    assert all(b.height == 0 for b in h.bars)
