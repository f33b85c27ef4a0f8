"""Shared support of the PyTorch cross-check: the torch import, the case budget, the
``crosscheck`` decorator and comparisons.

PyTorch is the independent reference: each test draws random valid parameters (hypothesis),
asks the solver, computes the same quantity with PyTorch's own modules, functionals,
optimizers or data loaders, and compares: exactly for integers and shapes, with a relative
tolerance of 1e-6 for floats. Under ``CI=true`` a missing torch fails the run.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from solvers.values import Integer, Number, Shape, Tensor, Value

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
if IN_CI:
    import torch  # the cross-check must run in CI, never be skipped there
else:
    torch = pytest.importorskip("torch")

# Examples drawn per test; every cross-checked solver has at least one such test.
CASES = 50
RTOL = 1e-6
ATOL = 1e-12
F64 = torch.float64

# Solver name -> example runs in this session (checked against CASES in conftest.py).
RUNS: Counter[str] = Counter()


def crosscheck(solver: str, examples: int = CASES) -> Callable[[Callable[..., None]], Any]:
    """Mark a hypothesis test (put it under ``@given``) as a cross-check of ``solver``:
    ``examples`` cases, no deadline, and each case counted."""

    def wrap(test: Callable[..., None]) -> Any:
        @functools.wraps(test)
        def counted(*args: Any, **kwargs: Any) -> None:
            RUNS[solver] += 1
            test(*args, **kwargs)

        return settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )(counted)

    return wrap


def dyadic(low: float, high: float, denominator: int = 8) -> st.SearchStrategy[Fraction]:
    """Multiples of ``1 / denominator`` in ``[low, high]``: exact in binary floating point,
    so torch's float64 sees exactly the number the solver reads (no kink moved by rounding)."""
    lo, hi = int(low * denominator), int(high * denominator)
    return st.integers(lo, hi).map(lambda k: Fraction(k, denominator))


def key(x: Fraction | int) -> int | str:
    """A number as an answer key writes it (an int, or an exact fraction string)."""
    x = Fraction(x)
    return int(x) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def keys(xs: Sequence[Fraction | int]) -> list[int | str]:
    return [key(x) for x in xs]


def t64(xs: Any, grad: bool = False) -> Any:
    """A float64 tensor (Fractions converted exactly)."""
    return torch.tensor(_floats(xs), dtype=F64, requires_grad=grad)


def _floats(xs: Any) -> Any:
    if isinstance(xs, list | tuple):
        return [_floats(x) for x in xs]
    return float(xs)


def floats(value: Value) -> list[float]:
    """The float entries of a Number, Integer or Tensor answer, flattened."""
    if isinstance(value, Number | Integer):
        return [float(value.value)]
    assert isinstance(value, Tensor), f"expected a number or a Tensor, got {value!r}"
    return list(value.values)


def assert_close(value: Value, reference: Any, what: str = "") -> None:
    """A float answer against a torch tensor (or number): same size, rtol 1e-6."""
    ref = torch.as_tensor(reference, dtype=F64).detach().reshape(-1)
    ours = torch.tensor(floats(value), dtype=F64)
    assert ours.shape == ref.shape, f"{what}: {ours.shape} entries vs torch {ref.shape}"
    torch.testing.assert_close(ours, ref, rtol=RTOL, atol=ATOL, msg=lambda m: f"{what}: {m}")


def assert_int(value: Value, reference: int, what: str = "") -> None:
    assert value == Integer(int(reference)), f"{what}: {value} vs torch {reference}"


def assert_shape(value: Value, reference: Sequence[int], what: str = "") -> None:
    assert isinstance(value, Shape), f"{what}: {value!r} is not a Shape"
    assert value.dims == tuple(int(d) for d in reference), (
        f"{what}: {value.dims} vs torch {tuple(reference)}"
    )
