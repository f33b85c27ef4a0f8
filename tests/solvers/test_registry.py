"""The registry API other code relies on: solve / names / describe and parameter errors."""

from __future__ import annotations

import pytest

from solvers.core import ParameterError, Solution
from solvers.registry import UnknownSolverError, describe, get, names, solve
from solvers.values import Number


def test_every_solver_runs_its_own_documented_example() -> None:
    assert names(), "no solver registered"
    for name in names():
        solution = solve(name, get(name).example)
        assert isinstance(solution, Solution)
        assert solution.values, f"{name} returned no values"
        assert solution.steps, f"{name} returned no worked steps"
        for step in solution.steps:
            assert step.text.strip(), f"{name}: a step without text"
            assert step.latex.strip(), f"{name}: step {step.text!r} has no LaTeX"


def test_every_solver_documents_its_parameters() -> None:
    for name in names():
        text = describe(name)
        assert text.startswith(name)
        assert "Parameters:" in text
        assert "Example parameters" in text


def test_unknown_solver_is_a_parameter_error_naming_the_solver_field() -> None:
    with pytest.raises(UnknownSolverError) as info:
        solve("no.such.solver", {})
    assert isinstance(info.value, ParameterError)
    assert info.value.field == "solver"


def test_unknown_parameter_names_the_field() -> None:
    with pytest.raises(ParameterError) as info:
        solve("training.schedule", {"dataset_size": 10, "batchsize": 2})
    assert info.value.field == "batchsize"


def test_wrong_type_names_the_field() -> None:
    with pytest.raises(ParameterError) as info:
        solve("training.schedule", {"dataset_size": "many", "batch_size": 2})
    assert info.value.field == "dataset_size"
    assert "integer" in info.value.message


def test_nested_list_errors_carry_the_dotted_index_path() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "training.schedule",
            {"batch_size": 2, "log": [{"epoch": 1, "iteration": 5}, {"epoch": 2}]},
        )
    assert info.value.field == "log[1].iteration"
    assert "missing" in info.value.message


def test_uncomputable_values_surface_as_parameter_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import dataclass

    from solvers import registry

    @dataclass(frozen=True)
    class NoParams:
        pass

    def broken(_: NoParams) -> Solution:
        return Solution({"x": Number.of(1 / 0)})

    get("training.schedule")  # load the registry before patching it
    monkeypatch.setitem(
        registry._REGISTRY, "test.broken", registry.SolverInfo("test.broken", NoParams, broken, "")
    )
    with pytest.raises(ParameterError) as info:
        solve("test.broken", {})
    assert info.value.field == "params"
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_every_example_solution_pickles_and_serialises_to_json() -> None:
    import json
    import pickle

    from solvers.serialize import solution_to_dict

    for name in names():
        solution = solve(name, get(name).example)
        assert pickle.loads(pickle.dumps(solution)).values.keys() == solution.values.keys()
        data = json.loads(json.dumps(solution_to_dict(solution)))
        assert set(data["values"]) == set(solution.values)
