"""The safe expression parser: what it accepts, what it refuses, exact decimals."""

from __future__ import annotations

import pytest
import sympy

from solvers.expr import ExpressionError, exact_number, parse, to_sympy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.3", sympy.Rational(3, 10)),
        ("-ln(0.3)", -sympy.log(sympy.Rational(3, 10))),
        ("log(9)", sympy.log(9)),
        ("sqrt(2)/2", sympy.sqrt(2) / 2),
        ("2^10", sympy.Integer(1024)),
        ("sigmoid(0)", sympy.Rational(1, 2)),
        ("step(0) + step(-1)", sympy.Integer(1)),
        ("max(1, 3) - min(2, -1)", sympy.Integer(4)),
        ("1e-3", sympy.Rational(1, 1000)),
    ],
)
def test_exact_values(text: str, expected: sympy.Expr) -> None:
    assert sympy.simplify(to_sympy(text) - expected) == 0


def test_names_become_real_symbols_unless_forbidden() -> None:
    expr = to_sympy("0.98*w")
    w = sympy.Symbol("w", real=True)
    assert expr == sympy.Rational(49, 50) * w
    with pytest.raises(ExpressionError):
        to_sympy("w + 1", allow_new_symbols=False)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "(lambda: 1)()",
        "[1, 2]",
        "10**10**10",
        "2**1000",
        "a if b else c",
        "f(x=1)",
        "'text'",
        "x" * 3000,
    ],
)
def test_dangerous_or_unsupported_syntax_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        to_sympy(text)


def test_parse_keeps_the_matrix_product_and_transpose() -> None:
    node = parse("W1.T @ x + b")
    assert "@" in __import__("ast").unparse(node)


def test_exact_number_rejects_non_finite() -> None:
    with pytest.raises(ExpressionError):
        exact_number(float("nan"))
    assert exact_number(0.1) == sympy.Rational(1, 10)


def test_towers_of_exponentials_are_refused_quickly() -> None:
    import time

    from solvers.core import ParameterError
    from solvers.registry import solve

    start = time.perf_counter()
    with pytest.raises(OverflowError):
        to_sympy("exp(exp(exp(100)))")
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", {"inputs": {"x": 100}, "equations": ["y = exp(exp(exp(x)))"]})
    assert info.value.field == "equations[0]"
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", {"inputs": {"x": "exp(exp(exp(100)))"}, "equations": ["y = x"]})
    assert info.value.field == "inputs.x"
    assert time.perf_counter() - start < 5


def test_lambda_is_a_name_not_a_keyword() -> None:
    lam, w = sympy.Symbol("lambda", real=True), sympy.Symbol("w", real=True)
    assert to_sympy("1 - lambda*w") == 1 - lam * w


def test_lambda_in_graphs_and_optimizer_losses() -> None:
    from solvers.registry import solve

    values = solve(
        "graph.backprop", {"inputs": {"w": 2, "lambda": 0.5}, "equations": ["L = lambda * w ** 2"]}
    ).values
    grad = values["dL/dw"]
    assert grad.value == 2.0  # type: ignore[union-attr]  # 2 * lambda * w
    values = solve(
        "condition.equations", {"equations": ["lambda + w = 1"], "unknowns": ["lambda", "w"]}
    ).values
    assert values["condition"].check({"lambda": 0.25, "w": 0.75})  # type: ignore[union-attr]
