"""Verdicts: what a TA sees for each kind of answer, and the safety rules."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocheck.check import CheckContext, check_part, check_submission, is_blank, summarise
from autocheck.compare import read
from autocheck.diagnose import Upstream
from autocheck.keys import ExamKey, resolve_expected

from .conftest import fake_solve


def _check(key: ExamKey, part_id: str, text: str, **ctx):
    expected = resolve_expected(key, solve=fake_solve)[part_id]
    return check_part(
        key.part(part_id), expected, text, context=CheckContext(solve=fake_solve, **ctx)
    )


@pytest.mark.parametrize(
    ("part", "text", "verdict"),
    [
        ("2.a", "$L = -\\ln 0.3 = 1.204$", "correct"),
        ("2.a", "L = 1.20", "correct"),
        ("2.a", "L = 2.5", "incorrect"),
        ("2.a", "", "blank"),
        ("2.a", "  $ $ \n ** ", "blank"),
        ("2.a", "L = -\\log a \\cdot 4", "needs_review"),  # unknown symbol a
        ("2.a", "L = \\frac{1}{2", "needs_review"),  # unbalanced braces
        ("2.a", "L = 10^{10^{10}}", "needs_review"),  # refused, never evaluated
        ("2.a", "I am not sure what to write here", "blank"),  # no value at all
        ("2.b", "(-8, -4)", "correct"),
        ("2.b", "(-8, 4)", "partial"),
        ("2.b", "(8, 4)", "incorrect"),
        ("2.c", "No, because the data is small", "correct"),
        ("2.c", "Yes, since more parameters help", "incorrect"),
        ("2.c", "maybe", "needs_review"),
        ("2.d", "Because the gradient vanishes", "needs_review"),
        ("2.e", "N = 1949", "correct"),
        ("2.e", "so 1943 parameters", "correct"),  # an accepted alternative design
        ("1.a", "params = 1004", "correct"),
        ("1.a", "params = 960", "incorrect"),
    ],
)
def test_verdicts(demo_key: ExamKey, part: str, text: str, verdict: str):
    assert _check(demo_key, part, text).verdict == verdict


def test_a_correct_verdict_carries_points_expected_and_steps(demo_key: ExamKey):
    v = _check(demo_key, "1.a", "params = 1004")
    assert (v.points, v.max_points) == (4.0, 4.0)
    assert v.expected == "1004"
    assert v.steps
    assert v.found[0].text == "1004"


def test_a_wrong_answer_is_explained(demo_key: ExamKey):
    v = _check(demo_key, "2.b", "(8, 4)")
    assert v.diagnosis is not None
    assert v.diagnosis.code == "sign"
    assert "opposite sign" in v.diagnosis.message
    assert v.points == 0.0


def test_bias_forgotten_is_explained(demo_key: ExamKey):
    v = _check(demo_key, "1.a", "params = 960")
    assert v.diagnosis is not None
    assert v.diagnosis.code == "bias_missing"


def test_multi_value_part_with_a_missing_value_is_partial(demo_key: ExamKey):
    v = _check(demo_key, "1.c", "z_1 = 0.5 (4 + 2) = 3\n\ny = ReLU(3) = 3")
    assert v.verdict == "partial"
    assert {t.name: t.status for t in v.targets} == {
        "z1": "correct",
        "y": "correct",
        "loss": "missing",
    }
    assert v.points == pytest.approx(4.0)


def test_multi_value_part_all_right(demo_key: ExamKey):
    assert _check(demo_key, "1.c", "z_1 = 3, y = 3, L = 4").verdict == "correct"


def test_a_right_value_in_the_working_sends_a_wrong_final_to_review(demo_key: ExamKey):
    v = _check(demo_key, "2.a", "L = -\\ln 0.3 = 1.204 = 2.5")
    assert v.verdict == "needs_review"


def test_low_transcription_confidence_never_yields_incorrect(demo_key: ExamKey):
    assert _check(demo_key, "2.b", "(8, 4)", transcription_confidence=0.3).verdict == "needs_review"
    assert _check(demo_key, "2.b", "(-8, -4)", transcription_confidence=0.3).verdict == "correct"


def test_descriptive_part_keeps_the_text_for_the_reviewer(demo_key: ExamKey):
    v = _check(demo_key, "2.d", "Because the gradient vanishes")
    assert v.text == "Because the gradient vanishes"
    assert v.points is None


def test_error_carried_forward_is_partial_with_credit(demo_key: ExamKey):
    upstream = Upstream({"1.c": {"z1": read("number", "5")}})
    v = _check(demo_key, "1.d", "out = 10", upstream=upstream)
    assert v.verdict == "partial"
    assert v.diagnosis is not None
    assert v.diagnosis.code == "error_carried_forward"
    assert v.points == 6.0


@dataclass
class _Answer:
    text: str
    confidence: float


def test_check_submission_passes_earlier_values_on(demo_key: ExamKey):
    answers = {"1.c": "z_1 = 5, y = 5, L = 4", "1.d": _Answer("out = 10", 0.9)}
    verdicts = {v.part: v for v in check_submission(demo_key, answers, solve=fake_solve)}
    assert verdicts["1.c"].verdict == "partial"
    assert verdicts["1.d"].diagnosis is not None
    assert verdicts["1.d"].diagnosis.code == "error_carried_forward"
    assert verdicts["2.a"].verdict == "blank"  # not answered at all


def test_check_submission_per_part_transcription_confidence(demo_key: ExamKey):
    verdicts = check_submission(
        demo_key, {"2.b": "(8, 4)"}, transcription_confidence={"2.b": 0.2}, solve=fake_solve
    )
    assert next(v for v in verdicts if v.part == "2.b").verdict == "needs_review"


def test_summary_counts(demo_key: ExamKey):
    verdicts = check_submission(demo_key, {"2.a": "L = 1.204", "2.b": "(8, 4)"}, solve=fake_solve)
    s = summarise(verdicts)
    assert s["counts"]["correct"] == 1
    assert s["counts"]["incorrect"] == 1
    assert s["auto_points"] == 4.0


def test_verdict_dict_has_the_cli_fields(demo_key: ExamKey):
    d = _check(demo_key, "2.b", "(8, 4)").as_dict()
    for field in ("part", "verdict", "expected", "found", "diagnosis", "points", "max_points"):
        assert field in d
    assert d["found"][0]["rule"]


@pytest.mark.parametrize(
    ("text", "blank"), [("", True), ("$$ $$", True), ("<br>", True), ("x", False), ("0", False)]
)
def test_is_blank(text: str, blank: bool):
    assert is_blank(text) is blank


_TOKENS = [
    *"0123456789.,=+-*/^_{}()[]$ \\abcdexyzLABNo\n",
    "\\frac",
    "\\ln",
    "\\boxed{",
    "\\begin{pmatrix}",
    "\\end{pmatrix}",
    "\\\\",
    "&",
    "10^{",
    "Answer:",
    "!",
    "\\binom{",
    "\\sin(",
    "\\exp(",
    "\\sqrt{",
    "99",
    "^{9}",
    "z_1",
    "Yes",
    "No",
]
_LATEXY = st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=st.one_of(st.text(max_size=200), _LATEXY),
    part=st.sampled_from(["1.a", "1.b", "1.c", "1.d", "2.a", "2.b", "2.c", "2.d", "2.e"]),
)
def test_any_text_gives_a_verdict_quickly(demo_key: ExamKey, text: str, part: str):
    start = time.perf_counter()
    v = _check(demo_key, part, text)
    assert v.verdict in ("correct", "incorrect", "partial", "needs_review", "blank")
    assert time.perf_counter() - start < 2.0
    if v.verdict == "incorrect":
        assert v.confidence >= 0.5


def test_a_chain_whose_values_disagree_keeps_the_final_value_with_less_confidence(
    demo_key: ExamKey,
):
    agree = _check(demo_key, "2.e", "N = 1900 + 49 = 1949")
    slip = _check(demo_key, "2.e", "N = 19490 / 100 = 1949")  # a slip in the working
    assert agree.verdict == slip.verdict == "correct"
    assert slip.confidence < agree.confidence
    assert any("disagree" in n for n in slip.notes)


SHAPE_KEY = """
format: 1
key_version: 1
exam: {id: shapes}
questions:
  - number: 1
    points: 4
    parts:
      - {number: a, points: 2, answer: {shape: [126, 126, 1], convention: HWC}}
      - {number: b, points: 2, answer: {shape: [126, 126, 1], convention: HWC}, flags: {strict_convention: true}}
"""


@pytest.mark.parametrize(
    ("part", "text", "verdict"),
    [
        ("1.a", "126 x 126 x 1", "correct"),
        ("1.a", "1 x 126 x 126", "needs_review"),  # a convention question by default
        ("1.a", "126 x 126", "needs_review"),
        ("1.a", "128 x 128 x 1", "incorrect"),
        ("1.b", "1 x 126 x 126", "incorrect"),  # the key insists on HWC
    ],
)
def test_shape_conventions(part: str, text: str, verdict: str):
    from autocheck.keys import parse_key

    key = parse_key(SHAPE_KEY)
    v = _check(key, part, text)
    assert v.verdict == verdict
    if text == "1 x 126 x 126":
        assert v.diagnosis is not None
        assert v.diagnosis.code == "shape_permuted"


def test_checking_in_worker_threads_gives_the_same_verdicts(demo_key: ExamKey):
    """Celery runs tasks in threads: no signal-based timeout, no shared mutable state."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [
        ("2.a", "L = 1.204"),
        ("2.a", "L = 10^{10^{10}}"),
        ("2.b", "(8, 4)"),
        ("1.c", "z_1 = 3, y = 3, L = 4"),
        ("2.c", "No."),
        ("1.a", "params = 960"),
    ] * 5
    sequential = [_check(demo_key, p, t).verdict for p, t in cases]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda c: _check(demo_key, *c).verdict, cases))
    assert threaded == sequential
    assert sequential[:6] == [
        "correct",
        "needs_review",
        "incorrect",
        "correct",
        "correct",
        "incorrect",
    ]
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    "text",
    [
        "see (b)",
        "same as part a",
        "answered in part (b) above",
        "See above",
        "$\\boxed{q}$",  # a 9 the OCR read as a letter
        "S",
        "$\\boxed{\\text{no idea}}$",
    ],
)
def test_a_numeric_part_without_a_digit_that_points_elsewhere_or_fills_its_box_goes_to_a_person(
    demo_key: ExamKey, text: str
):
    v = _check(demo_key, "1.a", text)
    assert v.verdict == "needs_review"


@pytest.mark.parametrize("text", ["I did not have time", "$\\boxed{\\sout{x}}$", "we see that"])
def test_words_without_a_value_or_a_pointer_are_still_blank(demo_key: ExamKey, text: str):
    assert _check(demo_key, "1.a", text).verdict == "blank"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("No, because the data is small", "correct"),
        ("Small data: No", "correct"),
        ("the data is small so no more layers are needed here", "needs_review"),
        ("more parameters help, so yes it should grow", "needs_review"),
    ],
)
def test_an_option_named_only_inside_a_sentence_goes_to_a_person(
    demo_key: ExamKey, text: str, verdict: str
):
    assert _check(demo_key, "2.c", text).verdict == verdict
