"""Each diagnosis: a wrong answer it explains, named in words a student understands, and a
wrong answer it must not explain (a diagnosis is offered only when its recomputed value is
what the student wrote)."""

from __future__ import annotations

from typing import Any

import pytest

from .kinds.helpers import check, diagnosis_code

LINEAR = {
    "solver": "loss.linear_scores",
    "params": {"W": [[1, 2], [3, 4]], "x": [1, -1], "b": [0.5, 0.5], "loss": "none"},
    "value": "scores",
}
SOFTMAX = {"solver": "loss.softmax", "params": {"logits": [2, 1, 0]}, "value": "probs"}
FC = {
    "solver": "fc.params",
    "params": {"input": 20, "hidden": [40], "classes": 4, "bias": False},
    "value": "params",
}
CNN = {
    "solver": "cnn.layers",
    "params": {
        "input": [28, 28, 1],
        "layers": [
            {"type": "conv", "filters": 8, "kernel": 3},
            {"type": "conv", "filters": 4, "kernel": 3},
            {"type": "fc", "units": 10},
        ],
    },
    "value": "parameter_tensors",
}


def part(answer: dict[str, Any] | None = None, **solver: Any) -> dict[str, Any]:
    return {"answer": answer, **solver} if answer is not None else dict(solver)


def run(spec: dict[str, Any], text: str):
    rest = {k: v for k, v in spec.items() if k != "answer"}
    return check(spec.get("answer"), text, **rest)


CASES = [
    # (code, part, explained wrong answer, wrong answer it must not explain)
    ("sign", part({"number": 1.204}), "-1.204", "-1.5"),
    ("reciprocal", part({"number": 4}), "0.25", "0.3"),
    ("factor_2", part({"number": 1.5}), "3", "3.3"),
    ("factor_half", part({"number": 1.5}), "0.75", "0.8"),
    ("log_base_10", part({"number": r"-\ln 0.3"}), "0.523", "0.6"),
    ("power_of_ten", part({"number": 1.204}), "12.04", "12.9"),
    ("off_by_one", part({"integer": 20}), "21", "22"),
    ("exp_base_10", part({"number": r"\frac{e^2}{1 + e + e^2}"}), "0.9009", "0.91"),
    ("transposed_matrix", part(**LINEAR), "(-1.5, -1.5)", "(-1.4, -1.5)"),
    ("not_normalised", part(**SOFTMAX), "(7.389, 2.718, 1)", "(7.389, 2.718, 2)"),
    ("exp_base_10", part(**SOFTMAX), "(0.901, 0.0901, 0.00901)", "(0.9, 0.0901, 0.0002)"),
    ("bias_extra", part(**FC), "1004", "1005"),
    ("layer_bias_missing", part(**CNN), "5", "4"),
    (
        "transposed",
        part({"matrix": [[1, 2, 3], [4, 5, 6]]}),
        "[[1, 4], [2, 5], [3, 6]]",
        "[[1, 4], [2, 5], [3, 7]]",
    ),
    (
        "shape_permuted",
        part({"shape": [126, 126, 1]}, flags={"strict_convention": True}),
        "1 x 126 x 126",
        "1 x 126 x 125",
    ),
    ("factor", part({"expression": "0.98 w_i"}), "0.99 w_i", "0.99 w_i + 1"),
    ("sign", part({"expression": "0.98 w_i - b"}), "b - 0.98 w_i", "b - 0.97 w_i"),
    ("constant_term", part({"expression": "2 w + 1"}), "2 w + 3", "3 w + 1"),
    ("values_missing", part({"set": [1, 2, 3]}), "{1, 2}", "{1, 4}"),
    ("extra_values", part({"set": [1, 2]}), "{1, 2, 5}", "{1, 5}"),
    ("one_sign_only", part({"plus_minus": r"1 \pm \sqrt{19}"}), r"1 + \sqrt{19}", "5"),
    ("brackets", part({"interval": "[0, 1)"}), "(0, 1]", "(0, 2]"),
    ("fraction_as_percent", part({"percentage": 27.5}), "0.275%", "0.3%"),
    ("unit_missing", part({"quantity": "15 cm^2", "unit_required": True}), "15", "16"),
    ("wrong_dimension", part({"quantity": "15 cm^2"}), "15 cm", "15 m^2"),
    ("unit_conversion", part({"quantity": "15 cm^2"}), "15 m^2", "16 m^2"),
    (
        "options_missing",
        part({"multi_select": ["A", "C"], "options": ["A", "B", "C", "D"]}),
        "A",
        "B",
    ),
    (
        "extra_options",
        part({"multi_select": ["A", "C"], "options": ["A", "B", "C", "D"]}),
        "A, C, D",
        "A, D",
    ),
    ("wrong_choice", part({"choice": "No", "options": ["Yes", "No"]}), "Yes", None),
]


@pytest.mark.parametrize(("code", "spec", "explained", "unexplained"), CASES)
def test_a_diagnosis_explains_its_mistake_and_no_other(code, spec, explained, unexplained):
    wrong = run(spec, explained)
    assert wrong.verdict in ("incorrect", "partial")
    assert diagnosis_code(wrong) == code
    assert wrong.diagnosis is not None
    assert wrong.diagnosis.message
    if unexplained is not None:
        other = run(spec, unexplained)
        assert other.verdict != "correct"
        assert diagnosis_code(other) != code


def test_a_forgotten_bias_tensor_is_not_called_a_rounding_error():
    verdict = run(CNN, "5")
    assert verdict.diagnosis is not None
    assert "floor" not in verdict.diagnosis.message
    assert "ceil" not in verdict.diagnosis.message
    assert "bias of layer" in verdict.diagnosis.message
