"""Training arithmetic against hand-computed tables."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Expression, Integer, Number


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 20000 samples, B=100 -> 200 mini-batches; 4000 steps -> 20 epochs.
        (
            {"dataset_size": 20000, "batch_size": 100, "steps": 4000},
            {"iterations_per_epoch": 200, "epochs": 20},
        ),
        # B=400 -> 50 mini-batches per epoch, 80 epochs for the same 4000 steps.
        (
            {"dataset_size": 20000, "batch_size": 400, "steps": 4000},
            {"iterations_per_epoch": 50, "epochs": 80},
        ),
        # 40000 samples, batch 200 -> 200 mini-batches; 20 epochs -> 4000 steps.
        (
            {"dataset_size": 40000, "batch_size": 200, "epochs": 20},
            {"iterations_per_epoch": 200, "steps": 4000},
        ),
        # 1000 samples, B=64: ceil(15.625) = 16 kept, floor = 15 with drop_last.
        ({"dataset_size": 1000, "batch_size": 64}, {"iterations_per_epoch": 16}),
        ({"dataset_size": 1000, "batch_size": 64, "drop_last": True}, {"iterations_per_epoch": 15}),
        # training-set size from a log: epoch 2 at iteration 700, epoch 5 at 1750 -> I=350.
        (
            {
                "batch_size": 32,
                "log": [{"epoch": 2, "iteration": 700}, {"epoch": 5, "iteration": 1750}],
            },
            {"iterations_per_epoch": 350, "dataset_size": 11200},
        ),
        ({"dataset_size": 6000, "iterations_per_epoch": 50}, {"batch_size": 120}),
    ],
)
def test_schedule_fills_in_the_missing_quantities(params: dict, expected: dict) -> None:
    values = solve("training.schedule", params).values
    for name, want in expected.items():
        assert values[name] == Integer(want), name


def test_fractional_epochs_keep_their_exact_form() -> None:
    values = solve(
        "training.schedule", {"dataset_size": 1000, "batch_size": 100, "steps": 25}
    ).values
    epochs = values["epochs"]
    assert isinstance(epochs, Number)
    assert epochs.exact == sympy.Rational(5, 2)


def test_inconsistent_schedule_is_rejected_naming_steps() -> None:
    with pytest.raises(ParameterError) as info:
        solve("training.schedule", {"iterations_per_epoch": 10, "epochs": 3, "steps": 31})
    assert info.value.field == "steps"


def test_doubling_the_batch_divides_noise_std_by_sqrt_two() -> None:
    values = solve("training.gradient_noise", {"factor": 2}).values
    reduction = values["reduction_factor"]
    assert isinstance(reduction, Number)
    assert reduction.exact == sympy.sqrt(2)
    assert reduction.value == pytest.approx(math.sqrt(2))


def test_noise_with_symbolic_sigma_gives_an_expression() -> None:
    values = solve(
        "training.gradient_noise", {"batch_size": 50, "new_batch_size": 200, "sigma": "s"}
    ).values
    new_std = values["new_std"]
    assert isinstance(new_std, Expression)
    s = sympy.Symbol("s", real=True)
    assert sympy.simplify(new_std.expr - s / sympy.sqrt(200)) == 0
    assert values["reduction_factor"] == Integer(2)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 5000), b=st.integers(1, 700), drop_last=st.booleans())
def test_iterations_per_epoch_match_chunking_the_dataset(n: int, b: int, drop_last: bool) -> None:
    # Independent reference: cut range(n) into consecutive batches of b, as a data loader does.
    batches = [list(range(n))[i : i + b] for i in range(0, n, b)]
    if drop_last:
        batches = [batch for batch in batches if len(batch) == b]
    params = {"dataset_size": n, "batch_size": b, "drop_last": drop_last}
    if not batches:  # drop_last with B > N: an epoch without a single mini-batch
        with pytest.raises(ParameterError) as info:
            solve("training.schedule", params)
        assert info.value.field == "batch_size"
        return
    values = solve("training.schedule", params).values
    assert values["iterations_per_epoch"] == Integer(len(batches))
    assert values["last_batch_size"] == Integer(len(batches[-1]))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (
            {"dataset_size": 1000, "batch_size": 100, "iterations_per_epoch": 11},
            "iterations_per_epoch",
        ),
        # no batch size turns 10 samples into 6 batches (B = 2 gives 5, B = 1 gives 10)
        ({"dataset_size": 10, "iterations_per_epoch": 6}, "iterations_per_epoch"),
        (
            {
                "dataset_size": 1000,
                "batch_size": 100,
                "log": [{"epoch": 1, "iteration": 20}, {"epoch": 2, "iteration": 40}],
            },
            "log",
        ),
    ],
)
def test_impossible_combinations_are_rejected(params: dict, field: str) -> None:
    with pytest.raises(ParameterError) as info:
        solve("training.schedule", params)
    assert info.value.field == field


def test_samples_seen_counts_the_partial_last_batch_once_per_epoch() -> None:
    # N = 5000, B = 32: 157 mini-batches, the last of 8; 10 epochs see 50,000 samples, not
    # 1570 * 32 = 50,240.
    solution = solve("training.schedule", {"dataset_size": 5000, "batch_size": 32, "epochs": 10})
    assert solution.values["steps"] == Integer(1570)
    assert solution.values["samples_seen"] == Integer(50000)
    assert solution.values["last_batch_size"] == Integer(8)
    assert any("50000" in step.text and "8" in step.text for step in solution.steps)


def test_samples_seen_part_way_into_an_epoch() -> None:
    # 2 epochs of 1000 (last batch 40), then 5 more full batches of 64: 2000 + 320.
    values = solve(
        "training.schedule", {"dataset_size": 1000, "batch_size": 64, "steps": 37}
    ).values
    assert values["samples_seen"] == Integer(2320)


def test_drop_last_reports_the_dropped_samples() -> None:
    values = solve(
        "training.schedule", {"dataset_size": 5000, "batch_size": 32, "drop_last": True}
    ).values
    assert values["iterations_per_epoch"] == Integer(156)
    assert values["last_batch_size"] == Integer(32)
    assert values["samples_dropped"] == Integer(8)


@pytest.mark.parametrize(
    ("drop_last", "low", "high"),
    [(False, 11169, 11200), (True, 11200, 11231)],
)
def test_range_of_dataset_sizes_consistent_with_the_iteration_count(drop_last, low, high) -> None:
    solution = solve(
        "training.schedule",
        {
            "batch_size": 32,
            "log": [{"epoch": 2, "iteration": 700}, {"epoch": 5, "iteration": 1750}],
            "drop_last": drop_last,
        },
    )
    assert solution.values["dataset_size_min"] == Integer(low)
    assert solution.values["dataset_size_max"] == Integer(high)
    # Every N in the range gives I = 350, and the neighbours outside it do not.
    for n, fits in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
        i = (n // 32) if drop_last else -(-n // 32)
        assert (i == 350) is fits
    assert any(f"from {low} to {high}" in step.text for step in solution.steps)
