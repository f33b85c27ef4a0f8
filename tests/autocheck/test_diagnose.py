"""Diagnosis: each known wrong computation is recognised and explained in plain words."""

from __future__ import annotations

import pytest

from autocheck.compare import read
from autocheck.diagnose import Upstream, diagnose, solver_mistakes
from autocheck.keys import DEFAULT_TOLERANCE, ExamKey, resolve_expected
from solvers.values import Integer, Number, Tensor

from .conftest import fake_solve

TOL = DEFAULT_TOLERANCE


def _diag(key: ExamKey, part_id: str, kind: str, text: str, *, expected=None, upstream=None):
    part = key.part(part_id)
    exp = resolve_expected(key, solve=fake_solve)[part_id].targets[0]
    value = expected if expected is not None else exp.value
    solver_value = part.targets[0].answer.value if part.solver else None  # type: ignore[union-attr]
    return diagnose(
        part,
        exp.name,
        value,
        read(kind, text),
        tol=TOL,
        upstream=upstream,
        solve=fake_solve,
        solver_value=solver_value,
    )


@pytest.mark.parametrize(
    ("expected", "written", "code", "words"),
    [
        (1.204, "-1.204", "sign", "opposite sign"),
        (4.0, "0.25", "reciprocal", "reciprocal"),
        (3.0, "6", "factor_2", "twice"),
        (3.0, "1.5", "factor_half", "half"),
        (1.204, "0.5229", "log_base_10", "natural log"),
        (0.25, "25", "power_of_ten", "10^2"),
        (0.25, "0.0025", "power_of_ten", "10^-2"),
    ],
)
def test_scalar_mistakes(demo_key: ExamKey, expected: float, written: str, code: str, words: str):
    d = _diag(demo_key, "2.a", "number", written, expected=Number.of(expected))
    assert d is not None
    assert d.code == code
    assert words in d.message


def test_off_by_one_for_counts(demo_key: ExamKey):
    d = _diag(demo_key, "2.e", "integer", "1950", expected=Integer(1949))
    assert d is not None
    assert d.code == "off_by_one"


def test_unrelated_value_has_no_diagnosis(demo_key: ExamKey):
    assert _diag(demo_key, "2.a", "number", "7.77") is None


def test_missing_bias_is_found_by_re_solving(demo_key: ExamKey):
    # 20*40 + 40*4 = 960 weights; with biases 1004.
    d = _diag(demo_key, "1.a", "integer", "960")
    assert d is not None
    assert d.code == "bias_missing"
    assert "bias" in d.message


def test_ignored_padding_is_found_by_re_solving(demo_key: ExamKey):
    d = _diag(demo_key, "1.b", "shape", "126 x 126 x 1")
    assert d is not None
    assert d.code == "padding_ignored"


def test_permuted_shape_is_a_convention_question(demo_key: ExamKey):
    d = _diag(demo_key, "1.b", "shape", "1 x 128 x 128")
    assert d is not None
    assert d.code == "shape_permuted"


def test_sign_flipped_vector(demo_key: ExamKey):
    d = _diag(demo_key, "2.b", "vector", "(8, 4)")
    assert d is not None
    assert d.code == "sign"


def test_transposed_matrix(demo_key: ExamKey):
    w = Tensor((1.0, 2.0, 3.0, 4.0), (2, 2))
    d = _diag(demo_key, "2.b", "matrix", "[[1, 3], [2, 4]]", expected=w)
    assert d is not None
    assert d.code == "transposed"


def test_error_carried_forward_uses_the_students_own_earlier_value(demo_key: ExamKey):
    # The right z1 is 3 and out = 6; this student had z1 = 5 and then correctly wrote 10.
    upstream = Upstream({"1.c": {"z1": read("number", "5")}})
    d = _diag(demo_key, "1.d", "number", "10", upstream=upstream)
    assert d is not None
    assert d.code == "error_carried_forward"
    assert d.credit == 1.0
    assert "1.c" in d.message


def test_no_carried_forward_without_the_earlier_value(demo_key: ExamKey):
    assert _diag(demo_key, "1.d", "number", "10", upstream=Upstream()) is None


def test_mistake_table_lists_applicable_param_changes(demo_key: ExamKey):
    codes = {m.code for m in solver_mistakes(demo_key.part("1.a"))}
    assert codes == {"bias_missing"}
    conv = {m.code for m in solver_mistakes(demo_key.part("1.b"))}
    assert conv == {"padding_ignored"}


def test_batch_size_factor():
    from autocheck.keys import parse_key

    key = parse_key(
        "format: 1\nkey_version: 1\nexam: {id: t}\nquestions:\n  - number: 1\n    points: 1\n    parts:\n"
        "      - points: 1\n        solver: demo.scale\n        params: {z: 3, factor: 2, batch_size: 32}\n"
        "        value: out\n"
    )
    d = _diag(key, "1", "number", "192")
    assert d is not None
    assert d.code == "batch_factor"


REGISTRY_KEY = """
format: 1
key_version: 1
exam: {id: registry-mistakes}
questions:
  - number: 1
    points: 3
    parts:
      - number: a
        points: 1
        solver: fc.params
        params: {input: 20, hidden_rule: {layers: 4, first_factor: 2, factor: 0.5}, classes: 4}
        value: params
      - number: b
        points: 1
        solver: training.schedule
        params: {dataset_size: 10000, batch_size: 128, epochs: 1}
        value: iterations_per_epoch
      - number: c
        points: 1
        solver: cnn.layers
        params:
          input: [32, 32, 3]
          layers:
            - {type: conv, filters: 8, kernel: 3, padding: 1}
            - {type: flatten}
            - {type: fc, units: 10}
        value: params
"""


@pytest.mark.parametrize(
    ("part", "written", "code"),
    [
        ("1.a", "1870", "bias_missing"),  # 1949 with biases
        ("1.b", "78", "floor_ceil"),  # 79 mini-batches when the last partial one is kept
        ("1.c", "82136", "bias_missing"),  # 82154 with the 8 + 10 biases
    ],
)
def test_solver_specific_mistakes_with_the_real_registry(part: str, written: str, code: str):
    from autocheck.keys import parse_key

    key = parse_key(REGISTRY_KEY)
    expected = resolve_expected(key)[part].targets[0].value
    d = diagnose(
        key.part(part),
        "answer",
        expected,
        read("integer", written),
        tol=TOL,
        solver_value=key.part(part).targets[0].answer.value,  # type: ignore[union-attr]
    )
    assert d is not None
    assert d.code == code


def test_a_valid_convolution_answered_with_the_input_size_is_padding_assumed():
    from autocheck.check import check_part
    from autocheck.keys import parse_key, resolve_expected

    key = parse_key(
        "format: 1\nkey_version: 1\nexam: {id: t}\nquestions:\n"
        "  - number: 1\n    points: 2\n    parts:\n"
        "      - number: a\n        points: 2\n        solver: cnn.conv_gradients\n"
        "        params: {input: [64, 64, 3], kernel: 3, filters: 16, padding: valid}\n"
        "        value: output\n"
    )
    part = key.part("1.a")
    verdict = check_part(part, resolve_expected(key)["1.a"], "64 x 64 x 16")
    assert verdict.verdict == "incorrect"
    assert verdict.diagnosis is not None
    assert verdict.diagnosis.code == "padding_assumed"
