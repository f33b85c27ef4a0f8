"""Loss solvers against SymPy exact references and hand-computed values."""

from __future__ import annotations

import math

import pytest
import sympy

from solvers.core import ParameterError
from solvers.registry import solve
from solvers.values import Expression, Integer, Number, Tensor

R = sympy.Rational


def _exact(value: object) -> sympy.Expr:
    assert isinstance(value, Number)
    assert value.exact is not None
    return value.exact


@pytest.mark.parametrize(
    ("probs", "target", "expected"),
    [
        ([0.25, 0.25, 0.3, 0.2], 3, -sympy.log(R(3, 10))),  # 1.204
        ([0, 0, 0.4, 0.6], 3, -sympy.log(R(2, 5))),  # 0.916: a wrong prediction, lower loss
        ([0.5, 0.5], 1, sympy.log(2)),
    ],
)
def test_cross_entropy_exact_forms(probs, target, expected) -> None:
    loss = solve("loss.cross_entropy", {"probs": probs, "target_class": target}).values["loss"]
    assert sympy.simplify(_exact(loss) - expected) == 0
    assert loss.value == pytest.approx(float(expected), rel=1e-12)  # type: ignore[union-attr]


def test_cross_entropy_of_0_3_is_1_204() -> None:
    loss = solve("loss.cross_entropy", {"probs": [0.25, 0.25, 0.3, 0.2], "target_class": 3}).values[
        "loss"
    ]
    assert isinstance(loss, Number)
    assert round(loss.value, 3) == 1.204


def test_cross_entropy_from_logits_gradient_is_p_minus_y() -> None:
    values = solve("loss.cross_entropy", {"logits": [1, 2, 3], "target_class": 1}).values
    z = [1, 2, 3]
    denom = sum(sympy.exp(v) for v in z)
    probs = [sympy.exp(v) / denom for v in z]
    grad = values["grad_logits"]
    assert isinstance(grad, Tensor)
    for got, want in zip(grad.values, [probs[0] - 1, probs[1], probs[2]], strict=True):
        assert got == pytest.approx(float(want), rel=1e-12)
    assert _exact(values["loss"]).evalf() == pytest.approx(float(-sympy.log(probs[0])), rel=1e-12)


def test_cross_entropy_base_two() -> None:
    loss = solve(
        "loss.cross_entropy", {"probs": [0.25, 0.75], "target_class": 1, "base": "2"}
    ).values["loss"]
    assert sympy.simplify(_exact(loss) - 2) == 0


def test_multilabel_bce_sums_per_label_terms() -> None:
    values = solve(
        "loss.binary_cross_entropy", {"probs": [0.9, 0.8, 0.1], "targets": [1, 1, 0]}
    ).values
    expected = -sympy.log(R(9, 10)) - sympy.log(R(4, 5)) - sympy.log(R(9, 10))
    assert sympy.simplify(_exact(values["loss"]) - expected) == 0
    mean = solve(
        "loss.binary_cross_entropy",
        {"probs": [0.9, 0.8, 0.1], "targets": [1, 1, 0], "reduction": "mean"},
    ).values["loss"]
    assert sympy.simplify(_exact(mean) - expected / 3) == 0


def test_bce_from_logits_matches_the_probability_form() -> None:
    z = [R(1, 2), -2]
    from_logits = solve(
        "loss.binary_cross_entropy", {"logits": ["1/2", -2], "targets": [1, 0]}
    ).values
    sig = [1 / (1 + sympy.exp(-v)) for v in z]
    expected = -sympy.log(sig[0]) - sympy.log(1 - sig[1])
    assert _exact(from_logits["loss"]).evalf(30) == pytest.approx(
        float(expected.evalf(30)), rel=1e-14
    )
    grad = from_logits["grad_logits"]
    assert isinstance(grad, Tensor)
    assert grad.values == pytest.approx((float(sig[0] - 1), float(sig[1])), rel=1e-12)


@pytest.mark.parametrize(
    ("reduction", "loss", "grad"),
    [("mean", 2, (-2, 0)), ("sum", 4, (-4, 0)), ("half_sum", 2, (-2, 0))],
)
def test_squared_error_reductions(reduction, loss, grad) -> None:
    values = solve(
        "loss.mse", {"predictions": [2, 2], "targets": [4, 2], "reduction": reduction}
    ).values
    assert _exact(values["loss"]) == loss
    assert values["grad"].values == grad  # type: ignore[union-attr]


def test_softmax_probabilities_are_exact_and_sum_to_one() -> None:
    values = solve("loss.softmax", {"logits": [0, "ln(3)"]}).values
    probs = values["probs"]
    assert isinstance(probs, Tensor)
    assert probs.exact is not None
    assert [sympy.simplify(v) for v in probs.exact] == [R(1, 4), R(3, 4)]
    assert values["predicted_class"] == Integer(2)


def test_label_smoothing_targets_and_optimal_logit_gap() -> None:
    values = solve("loss.label_smoothing", {"classes": 4, "epsilon": 0.1, "target_class": 2}).values
    targets = values["targets"]
    assert isinstance(targets, Tensor)
    assert targets.values == pytest.approx((1 / 30, 0.9, 1 / 30, 1 / 30))
    # softmax(z) = t  =>  z_true - z_other = ln(0.9 / (0.1/3)) = ln 27
    assert sympy.simplify(_exact(values["logit_gap"]) - sympy.log(27)) == 0
    logits = values["logits"]
    assert isinstance(logits, Tensor)
    exps = [math.exp(v) for v in logits.values]
    assert [e / sum(exps) for e in exps] == pytest.approx(targets.values)


def test_label_smoothing_with_symbolic_epsilon() -> None:
    values = solve("loss.label_smoothing", {"classes": 5, "epsilon": "epsilon"}).values
    gap = values["logit_gap"]
    assert isinstance(gap, Expression)
    eps = sympy.Symbol("epsilon", real=True)
    assert sympy.simplify(gap.expr - sympy.log((1 - eps) * 4 / eps)) == 0


def test_linear_scores_with_l2_regulariser() -> None:
    values = solve(
        "loss.linear_scores",
        {"W": [[1, -1], [0.5, 2]], "x": [2, 1], "b": [0, -1], "target_class": 1, "reg": 0.1},
    ).values
    # s = (2 - 1 + 0, 1 + 2 - 1) = (1, 2); CE = -ln(e / (e + e^2)) = ln(1 + e); R = 0.1 * 6.25.
    assert values["scores"].values == (1.0, 2.0)  # type: ignore[union-attr]
    assert sympy.simplify(_exact(values["data_loss"]) - sympy.log(1 + sympy.E)) == 0
    assert _exact(values["reg_loss"]) == R(5, 8)


def test_hinge_loss_by_hand() -> None:
    values = solve(
        "loss.linear_scores",
        {"W": [[1, 0], [0, 1], [1, 1]], "x": [3, 1], "target_class": 1, "loss": "hinge"},
    ).values
    # s = (3, 1, 4); hinge = max(0, 1 - 3 + 1) + max(0, 4 - 3 + 1) = 0 + 2
    assert _exact(values["data_loss"]) == 2


def test_probabilities_must_sum_to_one() -> None:
    with pytest.raises(ParameterError) as info:
        solve("loss.cross_entropy", {"probs": [0.5, 0.6], "target_class": 1})
    assert info.value.field == "probs"


def test_logits_recovered_from_probabilities_reproduce_them() -> None:
    values = solve("loss.softmax", {"probs": [0.25, 0.25, 0.5]}).values
    diffs = values["logit_differences"]
    assert isinstance(diffs, Tensor)
    assert diffs.exact is not None
    assert [sympy.simplify(d) for d in diffs.exact] == [0, 0, sympy.log(2)]
    logits = values["logits"]
    assert isinstance(logits, Tensor)
    exps = [math.exp(v) for v in logits.values]
    assert [e / sum(exps) for e in exps] == pytest.approx([0.25, 0.25, 0.5])


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("loss.cross_entropy", {"probs": [1, 0], "target_class": 2}, "probs[1]"),
        ("loss.binary_cross_entropy", {"probs": [1], "targets": [0]}, "probs[0]"),
        ("loss.label_smoothing", {"classes": 3, "epsilon": 0}, "epsilon"),
        ("loss.softmax", {"logits": [1]}, "logits"),
        ("loss.softmax", {"probs": [1, 0]}, "probs[1]"),
        ("loss.mse", {"predictions": [1, 2], "targets": [1]}, "targets"),
        ("loss.linear_scores", {"W": [[1, 2], [3]], "x": [1, 1], "target_class": 1}, "W[1]"),
    ],
)
def test_infinite_or_malformed_losses_are_parameter_errors(
    name: str, params: dict, field: str
) -> None:
    with pytest.raises(ParameterError) as info:
        solve(name, params)
    assert info.value.field == field


def test_batch_mean_of_cross_entropies() -> None:
    values = solve(
        "loss.batch",
        {
            "loss": "loss.cross_entropy",
            "examples": [
                {"probs": [0.7, 0.2, 0.1], "target_class": 1},
                {"probs": [0.1, 0.6, 0.3], "target_class": 3},
            ],
        },
    ).values
    expected = -(sympy.log(R(7, 10)) + sympy.log(R(3, 10))) / 2
    assert sympy.simplify(_exact(values["loss"]) - expected) == 0


def test_batch_errors_point_into_the_example() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "loss.batch",
            {
                "loss": "loss.mse",
                "examples": [
                    {"predictions": [1], "targets": [1]},
                    {"predictions": [1, 2], "targets": [1]},
                ],
            },
        )
    assert info.value.field == "examples[1].targets"


@pytest.mark.parametrize(
    ("form", "penalty"), [("l2", R(3, 10) * 14), ("half_l2", R(3, 20) * 14), ("l1", R(3, 10) * 6)]
)
def test_regulariser_forms(form: str, penalty: sympy.Expr) -> None:
    # W = [[1, -2], [3, 0]]: sum of squares 14, sum of absolute values 6; lambda = 0.3.
    values = solve(
        "loss.linear_scores",
        {"W": [[1, -2], [3, 0]], "x": [1, 1], "loss": "none", "reg": 0.3, "reg_form": form},
    ).values
    assert _exact(values["reg_loss"]) == penalty
    assert values["scores"].values == (-1.0, 3.0)  # type: ignore[union-attr]
