"""Predicate answers: conditions that many answers satisfy."""

from __future__ import annotations

import pytest
import sympy

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Expression, Integer, Predicate

PIECEWISE = {
    # a(x) = sigmoid(x) for x >= 0, tanh(x) for x < 0; f = alpha a + beta s, s the unit step.
    "left": "alpha*tanh(x) + beta*step(x)",
    "right": "alpha*exp(x)/(1 + exp(x)) + beta*step(x)",
    "unknowns": ["alpha", "beta"],
    "nonzero": ["alpha"],
}


def _condition(params: dict) -> Predicate:
    value = solve("condition.continuity", params).values["condition"]
    assert isinstance(value, Predicate)
    return value


@pytest.mark.parametrize(
    ("alpha", "beta", "ok"),
    [
        (1, -0.5, True),
        (2, -1, True),
        (-4, 2, True),
        (0, 0, False),  # trivial: excluded by alpha != 0
        (1, 0.5, False),  # sign error
        (1, -2, False),  # beta = -2 alpha
    ],
)
def test_continuity_at_zero_needs_beta_minus_half_alpha(alpha, beta, ok) -> None:
    # Left limit alpha*tanh(0) = 0; at 0: alpha/2 + beta  =>  beta = -alpha/2.
    assert _condition(PIECEWISE).check({"alpha": alpha, "beta": beta}) is ok


def test_continuity_reports_the_relation_and_a_valid_example() -> None:
    solution = solve("condition.continuity", PIECEWISE)
    beta = solution.values["beta"]
    assert isinstance(beta, Expression)
    assert sympy.simplify(beta.expr + sympy.Symbol("alpha", real=True) / 2) == 0
    condition = solution.values["condition"]
    assert isinstance(condition, Predicate)
    assert condition.check(condition.example)


def test_differentiability_adds_a_derivative_condition() -> None:
    # f = a*x for x < 0, x^2 + b for x >= 0: continuity b = 0, smoothness a = 0.
    condition = _condition(
        {
            "left": "a*x",
            "right": "x**2 + b",
            "unknowns": ["a", "b"],
            "differentiable": True,
            "solve_for": ["a", "b"],
        }
    )
    assert condition.check({"a": 0, "b": 0})
    assert not condition.check({"a": 1, "b": 0})


def test_missing_student_value_fails_the_check() -> None:
    assert _condition(PIECEWISE).check({"alpha": 1}) is False


def test_equations_solver_and_bad_names() -> None:
    value = solve(
        "condition.equations", {"equations": ["a + 2*b = 1"], "unknowns": ["a", "b"]}
    ).values["condition"]
    assert isinstance(value, Predicate)
    assert value.check({"a": 3, "b": -1})
    assert not value.check({"a": 3, "b": 1})
    with pytest.raises(ParameterError) as info:
        solve("condition.equations", {"equations": ["a + c = 1"], "unknowns": ["a", "b"]})
    assert info.value.field == "equations[0]"


def test_condition_survives_pickling() -> None:
    import pickle

    condition = _condition(PIECEWISE)
    restored = pickle.loads(pickle.dumps(condition))
    assert restored.check({"alpha": 2, "beta": -1})
    assert not restored.check({"alpha": 2, "beta": 1})


def test_point_belonging_to_the_left_piece() -> None:
    # f = x + a for x <= 1 (the point belongs to the left piece), 2x for x > 1: a = 1.
    value = solve(
        "condition.continuity",
        {"left": "x + a", "right": "2*x", "unknowns": ["a"], "at": 1, "point_in": "left"},
    ).values["a"]
    assert value == Integer(1)


def test_several_solution_branches_are_all_accepted_and_described() -> None:
    solution = solve("condition.equations", {"equations": ["a**2 = 4"], "unknowns": ["a"]})
    condition = solution.values["condition"]
    assert isinstance(condition, Predicate)
    assert condition.check({"a": 2})
    assert condition.check({"a": -2})
    assert not condition.check({"a": 1})
    assert " or " in condition.description
