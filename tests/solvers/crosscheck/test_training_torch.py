"""training.schedule against PyTorch's DataLoader batching (``BatchSampler`` over a
``SequentialSampler``, exactly what ``DataLoader(dataset, batch_size, drop_last)`` iterates).

Mini-batches per epoch are ``len(sampler)``; the last batch, the samples seen after S steps
and the samples dropped come from walking the batches epoch after epoch; the range of N
consistent with an iteration count is checked by asking the sampler about every N in it and
just outside it.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from solvers.core import ParameterError
from solvers.registry import solve
from tests.solvers.crosscheck.common import assert_close, assert_int, crosscheck, torch

data = torch.utils.data


def batches(n: int, b: int, drop_last: bool) -> list[list[int]]:
    return list(data.BatchSampler(data.SequentialSampler(range(n)), b, drop_last))


def iterations(n: int, b: int, drop_last: bool) -> int:
    return len(data.BatchSampler(data.SequentialSampler(range(n)), b, drop_last))


def seen_after(epoch: list[list[int]], steps: int) -> int:
    """Samples in the first ``steps`` mini-batches, epoch after epoch."""
    return sum(len(batch) for batch in itertools.islice(itertools.cycle(epoch), steps))


@st.composite
def schedules(draw: Any) -> tuple[str, int, int, bool, int]:
    given_ = draw(st.sampled_from(["epochs", "steps", "iterations"]))
    n = draw(st.integers(1, 3000))
    b = draw(st.integers(1, 300) | st.sampled_from([16, 32, 64, 100, 128]))
    return given_, n, b, draw(st.booleans()), draw(st.integers(1, 2000))


@given(schedules())
@crosscheck("training.schedule")
def test_schedule_matches_the_data_loader(case: tuple[str, int, int, bool, int]) -> None:
    given_, n, b, drop_last, amount = case
    epoch = batches(n, b, drop_last)
    event(f"given {given_}; " + ("partial last batch" if n % b else "B divides N"))
    if given_ == "iterations":
        _check_dataset_range(n, b, drop_last, amount)
        return
    params: dict[str, Any] = {"dataset_size": n, "batch_size": b, "drop_last": drop_last}
    if not epoch:  # drop_last with B > N: an epoch without a single mini-batch
        with pytest.raises(ParameterError) as info:
            solve("training.schedule", params)
        assert info.value.field == "batch_size"
        return
    i = len(epoch)
    if given_ == "epochs":
        epochs = 1 + amount % 7
        params["epochs"] = epochs
        steps = epochs * i
    else:
        steps = amount
        params["steps"] = steps
    values = solve("training.schedule", params).values
    assert_int(values["iterations_per_epoch"], i, "iterations_per_epoch")
    assert_int(values["steps"], steps, "steps")
    assert_close(values["epochs"], steps / i, "epochs")
    assert_int(values["samples_seen"], seen_after(epoch, steps), "samples_seen")
    assert_int(values["last_batch_size"], len(epoch[-1]), "last_batch_size")
    if drop_last:
        assert_int(values["samples_dropped"], n - sum(map(len, epoch)), "samples_dropped")


def _check_dataset_range(n: int, b: int, drop_last: bool, steps: int) -> None:
    # Only I and B are known (N is what the student must infer).
    i = iterations(n, b, drop_last)
    params = {"batch_size": b, "iterations_per_epoch": i, "steps": steps, "drop_last": drop_last}
    if i == 0:
        with pytest.raises(ParameterError):
            solve("training.schedule", params)
        return
    values = solve("training.schedule", params).values
    low, high = values["dataset_size_min"], values["dataset_size_max"]
    assert low.value <= n <= high.value  # type: ignore[union-attr]
    for m in range(low.value, high.value + 1):  # type: ignore[union-attr]
        assert iterations(m, b, drop_last) == i, f"N = {m} gives another I"
    assert iterations(low.value - 1, b, drop_last) != i  # type: ignore[union-attr]
    assert iterations(high.value + 1, b, drop_last) != i  # type: ignore[union-attr]
    # dataset_size is the N with full batches only, and samples_seen is counted for that N.
    full = values["dataset_size"].value  # type: ignore[union-attr]
    assert_int(values["samples_seen"], seen_after(batches(full, b, drop_last), steps), "seen")
