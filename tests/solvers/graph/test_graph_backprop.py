"""graph.backprop: hand-computed cases, conventions at kinks, exact and symbolic forms."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Expression, Number, Tensor

AUTOENCODER = {
    # x in R^2 -> one ReLU neuron without bias -> two ReLU neurons with bias; all weights 0.5.
    "inputs": {"x": [4, 2], "w": [0.5, 0.5], "W2": [[0.5], [0.5]], "b2": [0.5, 0.5]},
    "equations": [
        "z1 = w.T @ x",
        "y = relu(z1)",
        "z2 = W2 @ y + b2",
        "x_hat = relu(z2)",
        "L = sqnorm(x - x_hat)",
    ],
}


def _vec(value: object) -> tuple[float, ...]:
    assert isinstance(value, Tensor)
    return value.values


def _num(value: object) -> float:
    assert isinstance(value, Number)
    return value.value


@pytest.mark.parametrize("mode", ["exact", "numeric"])
def test_autoencoder_forward_and_backward_by_hand(mode: str) -> None:
    # By hand: z1 = 0.5*4 + 0.5*2 = 3, y = 3, z2 = 0.5*3 + 0.5 = 2 (twice), L = 2^2 + 0^2 = 4.
    # dL/dx_hat = 2(x_hat - x) = (-4, 0); dL/dy = 0.5*(-4) = -2; dL/dw = -2 x = (-8, -4).
    values = solve("graph.backprop", {**AUTOENCODER, "mode": mode}).values
    assert _num(values["z1"]) == 3
    assert _vec(values["z2"]) == (2.0, 2.0)
    assert _vec(values["x_hat"]) == (2.0, 2.0)
    assert _num(values["L"]) == 4
    assert _vec(values["dL/dx_hat"]) == (-4.0, 0.0)
    assert _num(values["dL/dy"]) == -2
    assert _vec(values["dL/dw"]) == (-8.0, -4.0)
    assert _vec(values["dL/db2"]) == (-4.0, 0.0)


def test_every_node_has_a_worked_backward_step() -> None:
    solution = solve("graph.backprop", AUTOENCODER)
    texts = [s.text for s in solution.steps]
    for name in ("z1", "y", "z2", "x_hat"):
        assert any(t.startswith(f"Forward: {name} =") for t in texts)
        assert any(t.startswith(f"dL/d{name} =") for t in texts)
    assert any(t.startswith("dL/dw =") for t in texts)
    assert all(s.latex for s in solution.steps if not s.text.startswith("Backward: start"))


def test_records_and_equations_give_the_same_result() -> None:
    records = {
        "inputs": {"W": [[1, -2], [3, 0.5]], "x": [1, 2], "y": [0, 1]},
        "nodes": [
            {"name": "h", "op": "matmul", "args": ["W", "x"]},
            {"name": "f", "op": "leaky_relu", "args": ["h"], "alpha": 0.1},
            {"name": "L", "op": "half_sse", "args": ["f", "y"]},
        ],
    }
    equations = {
        "inputs": records["inputs"],
        "equations": ["h = W @ x", "f = leaky_relu(h, 0.1)", "L = half_sse(f, y)"],
    }
    a, b = solve("graph.backprop", records).values, solve("graph.backprop", equations).values
    assert a == b
    # By hand: h = (1 - 4, 3 + 1) = (-3, 4), f = (-0.3, 4), dL/df = f - y = (-0.3, 3),
    # dL/dh = (-0.03, 3), dL/dW = dL/dh x^T = [[-0.03, -0.06], [3, 6]].
    assert _vec(a["dL/dW"]) == pytest.approx((-0.03, -0.06, 3, 6))


@pytest.mark.parametrize(
    ("params", "slope"),
    [
        ({}, 0),  # ReLU'(0) = 0 by default
        ({"relu_grad_at_zero": 1}, 1),
        ({"relu_grad_at_zero": 0.5}, 0.5),
    ],
)
def test_relu_subgradient_at_zero_follows_the_stated_convention(params: dict, slope: float) -> None:
    values = solve(
        "graph.backprop", {"inputs": {"x": 0, "w": 3}, "equations": ["L = w * relu(x)"], **params}
    ).values
    assert _num(values["dL/dx"]) == pytest.approx(3 * slope)


@pytest.mark.parametrize(("tie", "slope"), [("first", 0.2), ("second", 1), ("split", 0.6)])
def test_max_of_scaled_and_plain_input_at_zero(tie: str, slope: float) -> None:
    values = solve(
        "graph.backprop", {"inputs": {"g": 0}, "equations": ["f = max(0.2 * g, g)"], "tie": tie}
    ).values
    assert _num(values["df/dg"]) == pytest.approx(slope)


def test_leaky_relu_at_zero_matches_max_form_by_default() -> None:
    a = solve(
        "graph.backprop", {"inputs": {"g": 0}, "equations": ["f = leaky_relu(g, 0.2)"]}
    ).values
    assert _num(a["df/dg"]) == pytest.approx(0.2)


def test_cross_entropy_keeps_the_exact_logarithm() -> None:
    values = solve(
        "graph.backprop",
        {"inputs": {"p": [0.25, 0.25, 0.3, 0.2], "y": [0, 0, 1, 0]}, "equations": ["L = ce(p, y)"]},
    ).values
    loss = values["L"]
    assert isinstance(loss, Number)
    assert sympy.simplify(loss.exact - (-sympy.log(sympy.Rational(3, 10)))) == 0
    assert loss.value == pytest.approx(1.2039728, rel=1e-7)
    # dL/dp_3 = -1/0.3 = -10/3, zero elsewhere.
    grad = values["dL/dp"]
    assert isinstance(grad, Tensor)
    assert grad.exact is not None
    assert grad.exact[2] == sympy.Rational(-10, 3)
    assert grad.exact[0] == 0


def test_symbolic_scalar_graph_matches_sympy_differentiation() -> None:
    params = {
        "inputs": {"w": "w", "x": "x", "b": "b", "y": "y"},
        "equations": ["z = w * x + b", "a = sigmoid(z)", "L = 0.5 * (a - y) ** 2"],
        "mode": "symbolic",
    }
    values = solve("graph.backprop", params).values
    w, x, b, y = sympy.symbols("w x b y", real=True)
    loss = sympy.Rational(1, 2) * (1 / (1 + sympy.exp(-(w * x + b))) - y) ** 2
    for name, var in (("w", w), ("x", x), ("b", b), ("y", y)):
        got = values[f"dL/d{name}"]
        assert isinstance(got, Expression)
        assert sympy.simplify(got.expr - sympy.diff(loss, var)) == 0, name


def test_symbolic_matrix_layer_gives_outer_product_structure() -> None:
    # L = 0.5 ||f - y||^2, f = leaky(g), g = W x + b: dL/dW must equal dL/db x^T entrywise.
    params = {
        "inputs": {
            "W": {"shape": [2, 3]},
            "x": {"shape": [3]},
            "b": {"shape": [2]},
            "y": {"shape": [2]},
            "a": "a",
        },
        "equations": ["g = W @ x + b", "f = leaky_relu(g, a)", "L = half_sse(f, y)"],
        "mode": "symbolic",
    }
    values = solve("graph.backprop", params).values
    d_w, d_b = values["dL/dW"], values["dL/db"]
    assert isinstance(d_w, Expression)
    assert isinstance(d_b, Expression)
    xs = sympy.symbols("x_1:4", real=True)
    for i in range(2):
        for j in range(3):
            assert sympy.simplify(d_w.expr[i, j] - d_b.expr[i] * xs[j]) == 0
    # Where g_1 > 0 the slope is 1: dL/db_1 = f_1 - y_1 = g_1 - y_1.
    subs = {s: 1 for s in d_b.expr.free_symbols}
    g1 = 3 + 1  # W_11 x_1 + W_12 x_2 + W_13 x_3 + b_1 with everything 1
    assert d_b.expr[0].subs(subs) == g1 - 1


def test_non_scalar_output_needs_an_upstream_gradient() -> None:
    base = {"inputs": {"W": [[1, 2], [3, 4]], "x": [1, 1]}, "equations": ["h = W @ x"]}
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", base)
    assert info.value.field == "upstream"
    values = solve("graph.backprop", {**base, "upstream": [1, -1]}).values
    # dh/dx with upstream u is W^T u = (1 - 3, 2 - 4).
    assert _vec(values["dh/dx"]) == (-2.0, -2.0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"inputs": {"x": 1}, "equations": ["y = x + q"]}, "equations[0]"),
        ({"inputs": {"x": 1}, "equations": ["y = x", "y = 2 * x"]}, "equations[1]"),
        ({"inputs": {"x": 1}, "equations": ["y = __import__('os')"]}, "equations[0]"),
        (
            {
                "inputs": {"x": [1, 2], "W": [[1, 2, 3]]},
                "equations": ["y = W @ x"],
                "backward": False,
            },
            "equations[0]",
        ),
        ({"inputs": {"x": "t"}, "equations": ["y = x"], "mode": "numeric"}, "inputs.x"),
        (
            {"inputs": {"x": 1}, "nodes": [{"name": "y", "op": "frobnicate", "args": ["x"]}]},
            "nodes[0].op",
        ),
        (
            {"inputs": {"x": 1}, "nodes": [{"name": "y", "op": "relu", "args": ["z"]}]},
            "nodes[0].args[0]",
        ),
        ({"inputs": {"x": 1}, "equations": ["y = x"], "wrt": ["nope"]}, "wrt"),
    ],
)
def test_bad_graphs_name_the_offending_field(params: dict, field: str) -> None:
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", params)
    assert info.value.field == field


def test_symbolic_gradients_through_the_nodes_read_like_the_exam_answer() -> None:
    # dL/db = (f - y) * f'(g) with f'(g) = 1 where g > 0 and a elsewhere; dL/dW = dL/db x^T.
    params = {
        "inputs": {
            "W": {"shape": [2, 3]},
            "x": {"shape": [3]},
            "b": {"shape": [2]},
            "y": {"shape": [2]},
            "a": "a",
        },
        "equations": ["g = W @ x + b", "f = leaky_relu(g, a)", "L = half_sse(f, y)"],
        "mode": "symbolic",
        "express_in": "nodes",
    }
    values = solve("graph.backprop", params).values
    d_b, d_w = values["dL/db"], values["dL/dW"]
    assert isinstance(d_b, Expression)
    assert isinstance(d_w, Expression)
    a = sympy.Symbol("a", real=True)
    xs = sympy.symbols("x_1:4", real=True)
    for i in range(2):
        f, y, g = (sympy.Symbol(f"{n}_{i + 1}", real=True) for n in ("f", "y", "g"))
        slope = sympy.Piecewise((1, g > 0), (a, True))
        assert sympy.simplify(d_b.expr[i] - (f - y) * slope) == 0
        for j in range(3):
            assert sympy.simplify(d_w.expr[i, j] - (f - y) * slope * xs[j]) == 0
    # The forward values are still reported through the inputs.
    g_value = values["g"]
    assert isinstance(g_value, Expression)
    assert "W_11" in str(g_value.expr)


@pytest.mark.parametrize("equation", ["y = log(x)", "y = 1 / x", "y = sqrt(x - 1)"])
def test_non_finite_exact_values_are_reported_on_the_node(equation: str) -> None:
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", {"inputs": {"x": 0}, "equations": [equation]})
    assert info.value.field == "equations[0]"
    assert info.value.message.startswith("y = ")


def test_numeric_mode_notes_non_finite_values_instead_of_failing() -> None:
    solution = solve(
        "graph.backprop", {"inputs": {"x": 0}, "equations": ["y = log(x)"], "mode": "numeric"}
    )
    assert _num(solution.values["y"]) == float("-inf")
    assert any("not finite" in n for n in solution.notes)


def test_affine_node_matches_matmul_plus_bias() -> None:
    inputs = {"W": [[1, 2], [3, 4]], "x": [1, -1], "b": [1, 1], "y": [0, 1]}
    a = solve(
        "graph.backprop",
        {
            "inputs": inputs,
            "nodes": [
                {"name": "h", "op": "affine", "args": ["W", "x", "b"]},
                {"name": "L", "op": "half_sse", "args": ["h", "y"]},
            ],
        },
    ).values
    b = solve(
        "graph.backprop", {"inputs": inputs, "equations": ["h = W @ x + b", "L = half_sse(h, y)"]}
    ).values
    for key in ("h", "L", "dL/dW", "dL/dx", "dL/db"):
        assert a[key] == b[key], key


def test_deep_exact_graph_stays_fast_and_matches_numeric_mode() -> None:
    import time

    params = {
        "inputs": {
            "x": [0.1, -0.2, 0.3, 0.4],
            "W1": [
                [0.1, 0.2, -0.3, 0.4],
                [0.5, -0.6, 0.7, 0.8],
                [-0.9, 1.0, 1.1, -1.2],
                [0.3, 0.2, 0.1, 0.0],
            ],
            "W2": [
                [0.2, -0.1, 0.3, 0.4],
                [0.5, 0.6, -0.7, 0.8],
                [0.9, 1.0, -1.1, 1.2],
                [-0.3, 0.2, 0.1, 0.5],
            ],
            "W3": [[0.1, 0.2, -0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]],
            "y": [0, 1, 0],
        },
        "equations": [
            "h1 = sigmoid(W1 @ x)",
            "h2 = tanh(W2 @ h1)",
            "h3 = softplus(h2) * h2",
            "p = softmax(W3 @ h3)",
            "L = ce(p, y)",
        ],
    }
    start = time.perf_counter()
    exact = solve("graph.backprop", params).values
    assert time.perf_counter() - start < 20, "exact mode swelled"
    numeric = solve("graph.backprop", {**params, "mode": "numeric"}).values
    assert _num(exact["L"]) == pytest.approx(_num(numeric["L"]), rel=1e-12)
    assert _vec(exact["dL/dW1"]) == pytest.approx(_vec(numeric["dL/dW1"]), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    x=st.lists(st.integers(-3, 3), min_size=2, max_size=2),
    w=st.lists(st.integers(-2, 2), min_size=6, max_size=6),
    label=st.integers(0, 2),
)
def test_exact_and_numeric_backends_agree_including_kinks(x, w, label) -> None:
    # Small integers hit ReLU's and max's kinks often; both backends must apply the same
    # conventions there and agree everywhere else.
    params = {
        "inputs": {
            "x": x,
            "W": [w[0:2], w[2:4], w[4:6]],
            "y": [1 if i == label else 0 for i in range(3)],
        },
        "equations": [
            "h = relu(W @ x)",
            "f = max(0.5 * h, h - 1)",
            "L = ce_logits(f, y) + sse(h, y)",
        ],
    }
    exact = solve("graph.backprop", params).values
    numeric = solve("graph.backprop", {**params, "mode": "numeric"}).values
    assert _num(exact["L"]) == pytest.approx(_num(numeric["L"]), rel=1e-12)
    for key in ("dL/dW", "dL/dx"):
        assert _vec(exact[key]) == pytest.approx(_vec(numeric[key]), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("mode", ["exact", "numeric"])
@pytest.mark.parametrize("equation", ["L = x ** y", "L = pow(x, y)", "L = x ^ y"])
def test_exponent_given_as_an_input_gets_its_derivative(mode: str, equation: str) -> None:
    # L = x^y at x = 2, y = 3: dL/dx = y x^(y-1) = 12, dL/dy = x^y ln x = 8 ln 2.
    values = solve(
        "graph.backprop", {"inputs": {"x": 2, "y": 3}, "equations": [equation], "mode": mode}
    ).values
    assert _num(values["L"]) == 8
    assert _num(values["dL/dx"]) == pytest.approx(12)
    assert _num(values["dL/dy"]) == pytest.approx(8 * float(sympy.log(2)), rel=1e-12)
    if mode == "exact":
        d_y = values["dL/dy"]
        assert isinstance(d_y, Number)
        assert sympy.simplify(d_y.exact - 8 * sympy.log(2)) == 0


def test_exponent_through_a_node_and_a_record() -> None:
    # L = (x^y)^y = x^(y^2): dL/dy = 2 y ln(x) x^(y^2) = 6 ln 2 * 512 at x = 2, y = 3.
    want = 6 * 512 * float(sympy.log(2))
    by_equation = solve(
        "graph.backprop",
        {"inputs": {"x": 2, "y": 3}, "equations": ["z = x ** y", "L = z ** y"]},
    ).values
    by_record = solve(
        "graph.backprop",
        {
            "inputs": {"x": 2, "y": 3},
            "nodes": [
                {"name": "z", "op": "pow", "args": ["x", "y"]},
                {"name": "L", "op": "pow", "args": ["z"], "exponent": "y"},
            ],
        },
    ).values
    for values in (by_equation, by_record):
        assert _num(values["L"]) == 512
        assert _num(values["dL/dy"]) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("mode", ["exact", "numeric"])
def test_leaky_relu_slope_given_as_an_input_gets_its_derivative(mode: str) -> None:
    # f = leaky_relu(g, a): dL/da = sum over entries of dL/df * min(g, 0).
    # g = (2, -3), a = 0.1, L = sum(f) = 2 - 0.3: dL/da = -3, dL/dg = (1, 0.1).
    for params in (
        {"equations": ["L = sum(leaky_relu(g, a))"]},
        {
            "nodes": [
                {"name": "f", "op": "leaky_relu", "args": ["g"], "alpha": "a"},
                {"name": "L", "op": "sum", "args": ["f"]},
            ]
        },
    ):
        values = solve(
            "graph.backprop", {"inputs": {"g": [2, -3], "a": 0.1}, "mode": mode, **params}
        ).values
        assert _num(values["L"]) == pytest.approx(1.7)
        assert _num(values["dL/da"]) == pytest.approx(-3)
        assert _vec(values["dL/dg"]) == pytest.approx((1, 0.1))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"inputs": {"x": 2}, "equations": ["L = x ** y"]}, "equations[0]"),
        ({"inputs": {"x": 2}, "equations": ["L = leaky_relu(x, alpha)"]}, "equations[0]"),
        (
            {
                "inputs": {"x": 2},
                "nodes": [{"name": "L", "op": "pow", "args": ["x"], "exponent": "q"}],
            },
            "nodes[0].exponent",
        ),
    ],
)
def test_an_undefined_name_in_an_op_constant_is_an_error_not_a_symbol(params, field) -> None:
    with pytest.raises(ParameterError) as info:
        solve("graph.backprop", params)
    assert info.value.field == field
    assert "not an input" in info.value.message


def test_a_symbolic_slope_is_written_as_an_input() -> None:
    values = solve(
        "graph.backprop",
        {"inputs": {"x": -2, "a": "a"}, "equations": ["L = leaky_relu(x, a)"], "mode": "symbolic"},
    ).values
    d_a = values["dL/da"]
    assert isinstance(d_a, Number)
    assert d_a.value == -2
    d_x = values["dL/dx"]
    assert isinstance(d_x, Expression)
    assert d_x.expr == sympy.Symbol("a", real=True)
