"""fc.params against hand-computed parameter counts."""

from __future__ import annotations

import itertools

import pytest

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Integer


def _count(widths: list[int], bias: bool = True) -> int:
    # Independent reference: sum over consecutive pairs of n_in * n_out (+ n_out).
    return sum(a * b + (b if bias else 0) for a, b in itertools.pairwise(widths))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Seed exam: 20 inputs, hidden 40-20-10-5 (twice the input, then halving), 4-way softmax.
        ({"input": 20, "hidden_rule": {"layers": 4}, "classes": 4}, 1949),
        # The same with 3 sigmoid outputs (one per diagnosis, "none" = all low).
        (
            {
                "input": 20,
                "hidden_rule": {"layers": 4},
                "classes": 3,
                "output_activation": "sigmoid",
            },
            1943,
        ),
        # 3 diagnoses + a "none" class on a softmax.
        ({"input": 20, "hidden": [40, 20, 10, 5], "classes": 3, "none_class": True}, 1949),
        ({"input": 784, "hidden": [100], "output": 10}, 784 * 100 + 100 + 100 * 10 + 10),
        ({"input": 3, "hidden": [4], "output": 2, "bias": False}, 3 * 4 + 4 * 2),
        (
            {"input": 3, "hidden": [4], "output": 2, "bias": False, "output_bias": True},
            3 * 4 + 4 * 2 + 2,
        ),
    ],
)
def test_parameter_counts(params: dict, expected: int) -> None:
    assert solve("fc.params", params).values["params"] == Integer(expected)


@pytest.mark.parametrize("hidden", [[1], [7, 3], [50, 40, 30, 20, 10]])
@pytest.mark.parametrize("bias", [True, False])
def test_counts_match_the_pairwise_formula(hidden: list[int], bias: bool) -> None:
    values = solve("fc.params", {"input": 11, "hidden": hidden, "output": 5, "bias": bias}).values
    assert values["params"] == Integer(_count([11, *hidden, 5], bias))
    assert values["biases"] == Integer(sum(hidden) + 5 if bias else 0)


def test_rule_with_non_integer_width_needs_a_rounding_choice() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "fc.params", {"input": 10, "hidden_rule": {"layers": 3, "first_factor": 1}, "output": 1}
        )
    assert info.value.field == "hidden_rule.rounding"
    values = solve(
        "fc.params",
        {
            "input": 10,
            "hidden_rule": {"layers": 3, "first_factor": 1, "rounding": "floor"},
            "output": 1,
        },
    ).values
    # widths 10 -> 10, 5, 2 (2.5 floored) -> 1
    assert values["params"] == Integer(_count([10, 10, 5, 2, 1]))


def test_hidden_and_rule_are_exclusive() -> None:
    with pytest.raises(ParameterError) as info:
        solve("fc.params", {"input": 10, "hidden": [3], "hidden_rule": {"layers": 1}, "output": 1})
    assert info.value.field == "hidden"


@pytest.mark.parametrize(
    ("bias", "output_bias", "tensors"),
    [(True, None, 10), (False, None, 5), (False, True, 6), (True, False, 9)],
)
def test_parameter_tensors_are_a_weight_per_layer_and_a_bias_where_there_is_one(
    bias, output_bias, tensors
) -> None:
    # 20-40-20-10-5 and a softmax output: five layers.
    params = {
        "input": 20,
        "hidden": [40, 20, 10, 5],
        "classes": 4,
        "bias": bias,
        "output_bias": output_bias,
    }
    values = solve("fc.params", params).values
    assert values["parameter_tensors"] == Integer(tensors)
    assert values["layer5.tensors"] == Integer(
        2 if (output_bias if output_bias is not None else bias) else 1
    )
