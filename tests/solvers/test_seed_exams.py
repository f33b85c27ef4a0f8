"""The numeric parts of the acceptance-corpus exams, recomputed from each question's own
parameters (facts only; the question wording lives in the corpus, not here)."""

from __future__ import annotations

import math

import pytest
import sympy

from solvers.registry import solve
from solvers.values import Integer, Number, Predicate, Shape, Tensor


def test_fc_parameter_count_softmax_and_sigmoid_designs() -> None:
    # 20 inputs; 4 hidden layers: twice the input, then halving (40, 20, 10, 5).
    base = {"input": 20, "hidden_rule": {"layers": 4, "first_factor": 2, "factor": 0.5}}
    assert solve("fc.params", {**base, "classes": 4}).values["params"] == Integer(1949)
    three_sigmoids = {**base, "classes": 3, "output_activation": "sigmoid"}
    assert solve("fc.params", three_sigmoids).values["params"] == Integer(1943)


def test_activation_continuity_condition() -> None:
    value = solve(
        "condition.continuity",
        {
            "left": "alpha*tanh(x) + beta*step(x)",
            "right": "alpha*exp(x)/(1 + exp(x)) + beta*step(x)",
            "unknowns": ["alpha", "beta"],
            "nonzero": ["alpha"],
        },
    ).values["condition"]
    assert isinstance(value, Predicate)
    assert value.check({"alpha": 6, "beta": -3})
    assert not value.check({"alpha": 0, "beta": 0})


def test_autoencoder_forward_and_gradient() -> None:
    values = solve(
        "graph.backprop",
        {
            "inputs": {"x": [4, 2], "w": [0.5, 0.5], "W2": [[0.5], [0.5]], "b2": [0.5, 0.5]},
            "equations": [
                "z1 = w.T @ x",
                "y = relu(z1)",
                "z2 = W2 @ y + b2",
                "x_hat = relu(z2)",
                "L = sqnorm(x - x_hat)",
            ],
        },
    ).values
    assert values["z1"] == Number.of(sympy.Integer(3))
    assert values["y"] == Number.of(sympy.Integer(3))
    assert isinstance(values["z2"], Tensor)
    assert values["z2"].values == (2.0, 2.0)
    assert values["L"] == Number.of(sympy.Integer(4))
    grad = values["dL/dw"]
    assert isinstance(grad, Tensor)
    assert grad.values == (-8.0, -4.0)


@pytest.mark.parametrize(("batch", "per_epoch", "epochs"), [(100, 200, 20), (400, 50, 80)])
def test_epochs_for_4000_steps(batch: int, per_epoch: int, epochs: int) -> None:
    values = solve(
        "training.schedule", {"dataset_size": 20000, "batch_size": batch, "steps": 4000}
    ).values
    assert values["iterations_per_epoch"] == Integer(per_epoch)
    assert values["epochs"] == Integer(epochs)


@pytest.mark.parametrize(
    ("probs", "loss"), [([0.25, 0.25, 0.3, 0.2], 1.204), ([0, 0, 0.4, 0.6], 0.916)]
)
def test_cross_entropy_of_the_true_class(probs: list[float], loss: float) -> None:
    value = solve("loss.cross_entropy", {"probs": probs, "target_class": 3}).values["loss"]
    assert isinstance(value, Number)
    assert round(value.value, 3) == loss


def test_single_convolution_gradient_shapes() -> None:
    values = solve(
        "cnn.conv_gradients", {"input": [128, 128, 1], "kernel": 3, "padding": "valid"}
    ).values
    assert values["output"] == Shape((126, 126, 1), "HWC")
    assert values["grad_output"] == Shape((126, 126, 1), "HWC")
    assert values["grad_input"] == Shape((128, 128, 1), "HWC")
    assert values["grad_weight"] == Shape((3, 3, 1, 1))


def test_doubling_the_batch_reduces_noise_std_by_sqrt_two() -> None:
    value = solve("training.gradient_noise", {"factor": 2}).values["reduction_factor"]
    assert isinstance(value, Number)
    assert value.value == pytest.approx(math.sqrt(2))
