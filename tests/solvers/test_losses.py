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


# The CS231n example: scores (3.2, 5.1, -1.7) for a cat (class 1), margin 1:
# max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0 = 2.9.
@pytest.mark.parametrize(
    ("class_reduction", "power", "expected", "grad"),
    [
        ("sum", 1, R(29, 10), (-1, 1, 0)),
        ("mean", 1, R(29, 30), (R(-1, 3), R(1, 3), 0)),
        ("sum", 2, R(841, 100), (R(-58, 10), R(58, 10), 0)),
        ("mean", 2, R(841, 300), (R(-58, 30), R(58, 30), 0)),
    ],
)
def test_hinge_loss_in_both_conventions_by_hand(class_reduction, power, expected, grad) -> None:
    solution = solve(
        "loss.hinge",
        {
            "scores": [3.2, 5.1, -1.7],
            "target_class": 1,
            "class_reduction": class_reduction,
            "power": power,
        },
    )
    assert _exact(solution.values["loss"]) == expected
    g = solution.values["grad_scores"]
    assert isinstance(g, Tensor)
    assert g.exact == tuple(sympy.sympify(v) for v in grad)
    assert any(f"class_reduction: {class_reduction}" in s.text for s in solution.steps)


def test_batch_averages_the_hinge_loss_over_examples() -> None:
    # Example 1: 2.9 (above); example 2: scores (1, 3, 2), class 2: max(0, 1 - 3 + 1) +
    # max(0, 2 - 3 + 1) = 0. Mean over the batch: 1.45; PyTorch's convention divides each
    # example by C = 3 first: (29/30 + 0) / 2 = 29/60.
    examples = [
        {"scores": [3.2, 5.1, -1.7], "target_class": 1},
        {"scores": [1, 3, 2], "target_class": 2},
    ]
    cs231n = solve("loss.batch", {"loss": "loss.hinge", "examples": examples}).values
    assert _exact(cs231n["loss"]) == R(29, 20)
    pytorch = solve(
        "loss.batch",
        {"loss": "loss.hinge", "examples": examples, "shared": {"class_reduction": "mean"}},
    ).values
    assert _exact(pytorch["loss"]) == R(29, 60)
    # An example's own entry wins over the shared one.
    mixed = solve(
        "loss.batch",
        {
            "loss": "loss.hinge",
            "examples": [{**examples[0], "class_reduction": "sum"}, examples[1]],
            "shared": {"class_reduction": "mean"},
            "reduction": "sum",
        },
    ).values
    assert _exact(mixed["loss"]) == R(29, 10)


def test_batch_errors_name_the_example_field() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "loss.batch",
            {"loss": "loss.hinge", "examples": [{"scores": [1, 2], "target_class": 3}]},
        )
    assert info.value.field == "examples[0].target_class"


def test_cross_entropy_with_label_smoothing_by_hand() -> None:
    # K = 4, eps = 0.2, class 2: targets (0.05, 0.85, 0.05, 0.05) (PyTorch's uniform rule).
    probs = [R(1, 10), R(6, 10), R(2, 10), R(1, 10)]
    values = solve(
        "loss.cross_entropy",
        {"probs": ["1/10", "6/10", "2/10", "1/10"], "target_class": 2, "label_smoothing": 0.2},
    ).values
    y = [R(1, 20), R(17, 20), R(1, 20), R(1, 20)]
    expected = -sum(t * sympy.log(q) for t, q in zip(y, probs, strict=True))
    assert sympy.simplify(_exact(values["loss"]) - expected) == 0
    targets = values["targets"]
    assert isinstance(targets, Tensor)
    assert targets.exact == tuple(y)
    others = solve(
        "loss.cross_entropy",
        {
            "probs": ["1/10", "6/10", "2/10", "1/10"],
            "target_class": 2,
            "label_smoothing": 0.3,
            "smoothing_style": "others",
        },
    ).values
    assert others["targets"].exact == (R(1, 10), R(7, 10), R(1, 10), R(1, 10))  # type: ignore[union-attr]


def test_label_smoothing_needs_every_probability_positive() -> None:
    with pytest.raises(ParameterError) as info:
        solve(
            "loss.cross_entropy",
            {"probs": [0, 1], "target_class": 2, "label_smoothing": 0.1},
        )
    assert info.value.field == "probs[0]"


@pytest.mark.parametrize(
    ("penalty", "row_terms"),
    [
        # rows (1, -1) and (0.5, 2): L1 norms 2 and 2.5; L2 sqrt(2), sqrt(17)/2; squared 2, 17/4
        ("l1", (2, R(5, 2))),
        ("l2", (sympy.sqrt(2), sympy.sqrt(17) / 2)),
        ("l2_squared", (2, R(17, 4))),
    ],
)
def test_linear_scores_with_a_row_penalty_in_the_scores(penalty, row_terms) -> None:
    values = solve(
        "loss.linear_scores",
        {
            "W": [[1, -1], [0.5, 2]],
            "x": [2, 1],
            "b": [0, -1],
            "loss": "none",
            "row_penalty": penalty,
            "row_penalty_weight": 0.5,
        },
    ).values
    scores = values["scores"]
    assert isinstance(scores, Tensor)
    linear = (1, 2)
    want = [a + R(1, 2) * r for a, r in zip(linear, row_terms, strict=True)]
    assert [sympy.simplify(g - v) for g, v in zip(scores.exact or (), want, strict=True)] == [0, 0]


def test_linear_scores_hinge_in_pytorch_convention() -> None:
    values = solve(
        "loss.linear_scores",
        {
            "W": [[1, -1], [0.5, 2], [0, 1]],
            "x": [2, 1],
            "b": [0, -1, 0.5],
            "target_class": 1,
            "loss": "hinge",
            "class_reduction": "mean",
        },
    ).values
    # scores (1, 2, 1.5): terms 2 and 1.5, divided by C = 3.
    assert _exact(values["data_loss"]) == R(7, 6)
