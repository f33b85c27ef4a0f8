"""Answer-key format: parsing, line-numbered errors, round-trip export, expected values."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocheck.keys import (
    DescriptiveAnswer,
    KeyFormatError,
    LiteralAnswer,
    SolverValue,
    export_key,
    parse_key,
    resolve_expected,
    resolve_with,
)
from solvers.core import ParameterError, Solution, Step
from solvers.values import Integer, Number, Shape

GOOD = textwrap.dedent(
    r"""
    format: 1
    key_version: 3
    exam: {id: demo, title: Demo exam, total_points: 20}
    defaults:
      tolerance: {rtol: 0.02}
      log_base: e
    questions:
      - number: 1
        points: 12
        parts:
          - number: a
            points: 4
            answer: {number: -\ln 0.3}
            symbols: [L, 'L_{CE}']
            rubric:
              - {points: 4, text: natural log of the true-class probability}
          - number: b
            points: 6
            solver: fake.schedule
            params: {dataset_size: 20000, batch_size: 100, steps: 4000}
            targets:
              - {name: epochs, value: epochs, symbols: [epochs], points: 3}
              - {name: batches, value: iterations_per_epoch, points: 3}
          - number: c
            points: 2
            depends_on: [1.b]
            solver: fake.schedule
            params: {dataset_size: 20000, batch_size: 100, steps: 8000}
            carry: {batch_size: "1.b:batches"}
            value: epochs
      - number: Q2
        points: 8
        parts:
          - number: (a)
            points: 4
            predicate:
              variables: [alpha, beta]
              conditions: ['\beta = -\alpha/2', '\alpha \neq 0']
              example: {alpha: 2, beta: -1}
          - number: (b)
            points: 4
            descriptive: explain the trade-off
    """
)


def fake_solve(name: str, params: dict) -> Solution:
    if name != "fake.schedule":
        raise ParameterError("solver", f"unknown solver {name!r}")
    if params["batch_size"] <= 0:
        raise ParameterError("batch_size", "must be positive")
    per_epoch = params["dataset_size"] // params["batch_size"]
    return Solution(
        {
            "epochs": Integer(params["steps"] // per_epoch),
            "iterations_per_epoch": Integer(per_epoch),
        },
        (Step(f"I = {per_epoch}"),),
    )


def test_it_parses_ids_points_and_forms():
    key = parse_key(GOOD)
    assert [p.id for p in key.parts()] == ["1.a", "1.b", "1.c", "2.a", "2.b"]
    assert key.key_version == "3"
    assert key.part("1.a").targets[0].answer == LiteralAnswer("number", r"-\ln 0.3")
    assert key.part("1.b").targets[1].answer == SolverValue("iterations_per_epoch")
    assert key.part("2.b").descriptive
    assert isinstance(key.part("2.b").targets[0].answer, DescriptiveAnswer)
    assert key.part("1.c").carry["batch_size"] == "1.b:batches"
    assert key.tolerance.rtol == 0.02


def test_it_round_trips_through_export():
    key = parse_key(GOOD)
    assert parse_key(export_key(key)) == key


def test_resolve_solves_each_call_once_and_types_values():
    calls: list[str] = []

    def counting(name: str, params: dict) -> Solution:
        calls.append(name)
        return fake_solve(name, params)

    key = parse_key(GOOD)
    expected = resolve_expected(key, solve=counting)
    assert len(calls) == 2  # 1.b and 1.c have different params; 1.b's two targets share one call
    assert expected["1.b"].target("epochs").value == Integer(20)
    assert expected["1.b"].steps == (Step("I = 200"),)
    assert expected["1.a"].target("answer").value.value == pytest.approx(1.2039728)  # type: ignore[union-attr]
    pred = expected["2.a"].target("answer").value
    assert pred.check({"alpha": 4, "beta": -2})
    assert not pred.check({"alpha": 0, "beta": 0})
    assert expected["2.b"].target("answer").value is None


def test_resolve_with_substitutes_params():
    key = parse_key(GOOD)
    sol = resolve_with(key.part("1.c"), {"batch_size": 400}, solve=fake_solve)
    assert sol.values["epochs"] == Integer(160)


def _error(text: str) -> KeyFormatError:
    with pytest.raises(KeyFormatError) as info:
        parse_key(text)
    return info.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("answer: {number: -\\ln 0.3}", "answer: {numbr: 1}", "answer.numbr", "unknown field"),
        (
            "answer: {number: -\\ln 0.3}",
            "answer: {number: '\\frac{1}{'}",
            "answer.number",
            "cannot read",
        ),
        ("points: 6\n", "points: six\n", "parts[1].points", "expected"),
        (
            "value: epochs\n",
            "value: epochs\n        answer: {integer: 3}\n",
            "parts[2]",
            "exactly one",
        ),
        ("depends_on: [1.b]", "depends_on: [9.z]", "depends_on", "not an earlier part"),
        (
            'carry: {batch_size: "1.b:batches"}',
            'carry: {batch_size: "1.b:nope"}',
            "carry.batch_size",
            "no target",
        ),
        (
            "example: {alpha: 2, beta: -1}",
            "example: {alpha: 2, beta: 1}",
            "predicate.example",
            "does not satisfy",
        ),
        ("log_base: e", "log_base: 7", "defaults.log_base", "must be e, 10 or 2"),
        ("points: 3}", "points: 4}", "targets", "add up"),
    ],
)
def test_malformed_key_names_line_and_field(old: str, new: str, field: str, message: str):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    err = _error(text)
    issue = next(i for i in err.issues if field in i.field)
    assert message in issue.message
    expected_line = _line_of(text, new.strip().splitlines()[-1].strip())
    # The issue points at the offending node or at the start of its enclosing part.
    assert issue.line in range(expected_line - 8, expected_line + 1)
    assert f"line {issue.line}" in str(err)


def test_point_mismatch_is_reported_on_the_question_points_line():
    text = GOOD.replace("points: 12", "points: 13")
    issue = _error(text).issues[0]
    assert issue.line == _line_of(text, "points: 13")
    assert issue.field == "questions[0].points"


def test_all_issues_are_collected_before_failing():
    text = GOOD.replace("points: 6\n", "points: six\n").replace("log_base: e", "log_base: 7")
    assert len(_error(text).issues) >= 2


def test_yaml_syntax_error_has_a_line():
    err = _error("format: 1\nexam: {id: x\nquestions: []\n")
    assert err.issues[0].line >= 2


def test_solver_parameter_error_points_at_the_param_line():
    text = GOOD.replace(
        "params: {dataset_size: 20000, batch_size: 100, steps: 4000}",
        "params:\n              dataset_size: 20000\n              batch_size: 0\n              steps: 4000",
    )
    key = parse_key(text)
    with pytest.raises(KeyFormatError) as info:
        resolve_expected(key, solve=fake_solve)
    issue = info.value.issues[0]
    assert "batch_size" in issue.field
    assert issue.line == _line_of(text, "batch_size: 0")


def test_unknown_solver_value_is_a_key_error():
    text = GOOD.replace("value: epochs\n", "value: epocs\n")
    with pytest.raises(KeyFormatError, match="epocs"):
        resolve_expected(parse_key(text), solve=fake_solve)


def test_corpus_keys_round_trip():
    for path in sorted((Path(__file__).resolve().parents[1] / "corpus" / "keys").glob("*.yaml")):
        key = parse_key(path.read_text())
        assert parse_key(export_key(key)) == key, path.name


# --------------------------------------------------------------------------- hypothesis

_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
_free_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20
)
_numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([r"\sqrt{2}", r"-\ln 0.4", r"\frac{3}{7}", "1.5e-3"]),
)
_literal = st.one_of(
    _numbers.map(lambda v: {"number": v}),
    st.integers(0, 10**9).map(lambda v: {"integer": v}),
    st.lists(_numbers, min_size=1, max_size=4).map(lambda v: {"vector": v}),
    st.lists(st.integers(1, 512), min_size=1, max_size=4).map(lambda v: {"shape": v}),
    st.sampled_from(["Yes", "No", "A", "B"]).map(
        lambda v: {"choice": v, "options": ["Yes", "No", "A", "B"]}
    ),
    st.lists(st.lists(_name, min_size=1, max_size=3), min_size=1, max_size=3).map(
        lambda v: {"keywords": v}
    ),
    st.sampled_from([r"\frac{\sigma}{\sqrt{2}}", "0.98 w", "x^2 + 1"]).map(
        lambda v: {"expression": v}
    ),
)
_tolerance = st.fixed_dictionaries(
    {},
    optional={
        "rtol": st.floats(0, 1),
        "atol": st.floats(0, 1),
        "sig_figs": st.integers(1, 15),
        "student_digits": st.booleans(),
    },
)


_params = st.recursive(
    st.one_of(st.integers(-100, 100), st.booleans(), _name, st.floats(-10, 10, allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_name, inner, max_size=3)),
    max_leaves=8,
).filter(lambda v: isinstance(v, dict)) | st.dictionaries(_name, st.integers(0, 9), max_size=4)


@st.composite
def _part(draw: st.DrawFn, number: str) -> dict:
    points = draw(st.integers(1, 20))
    part: dict = {"number": number, "points": points}
    if draw(st.booleans()):
        part["label"] = draw(_free_text)
    form = draw(st.sampled_from(["answer", "descriptive", "targets", "solver", "predicate"]))
    if form == "solver":
        part["solver"] = draw(st.sampled_from(["training.schedule", "fc.params", "x.y"]))
        part["params"] = draw(_params)
        part["value"] = draw(_name)
        if draw(st.booleans()):
            part["alternatives"] = [
                {"answer": draw(_literal), "note": draw(_free_text), "credit": 0.5}
            ]
    elif form == "predicate":
        part["predicate"] = {
            "variables": ["alpha", "beta"],
            "conditions": ["\\beta = -\\alpha/2", "\\alpha \\neq 0"],
            "example": {"alpha": 2, "beta": -1},
            "description": draw(_free_text),
        }
    elif form == "answer":
        part["answer"] = draw(_literal)
        if draw(st.booleans()):
            part["symbols"] = draw(st.lists(_name, max_size=3))
    elif form == "descriptive":
        part["descriptive"] = draw(st.one_of(st.just(True), _name))
    else:
        names = draw(st.lists(_name, min_size=1, max_size=3, unique=True))
        part["targets"] = [{"name": n, "answer": draw(_literal)} for n in names]
    if draw(st.booleans()):
        part["tolerance"] = draw(_tolerance)
    if draw(st.booleans()):
        part["flags"] = {
            "log_base": draw(st.sampled_from(["e", "10"])),
            "orientation_matters": draw(st.booleans()),
        }
    if draw(st.booleans()):
        part["rubric"] = [{"points": points, "text": draw(_free_text)}]
    if draw(st.booleans()):
        x0, y0 = draw(st.floats(0, 0.5)), draw(st.floats(0, 0.5))
        part["region"] = {
            "page": draw(st.integers(1, 9)),
            "box": [x0, y0, x0 + draw(st.floats(0.01, 0.5)), y0 + draw(st.floats(0.01, 0.5))],
        }
    return part


@st.composite
def _key_data(draw: st.DrawFn) -> dict:
    questions = []
    for qi in range(draw(st.integers(1, 3))):
        letters = "abcd"[: draw(st.integers(1, 4))]
        parts = [draw(_part(letter)) for letter in letters]
        if qi > 0 and draw(st.booleans()):
            parts[0]["depends_on"] = [f"{qi}.a"]
        questions.append(
            {"number": str(qi + 1), "points": sum(p["points"] for p in parts), "parts": parts}
        )
    return {
        "format": 1,
        "key_version": draw(st.one_of(st.integers(0, 99), _name)),
        "exam": {"id": draw(_name), "title": draw(_free_text)},
        "questions": questions,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_key_data())
def test_generated_keys_round_trip(data: dict):
    key = parse_key(yaml.safe_dump(data, allow_unicode=True))
    assert parse_key(export_key(key)) == key


def test_literal_values_are_typed():
    key = parse_key(
        GOOD.replace(
            "answer: {number: -\\ln 0.3}", "answer: {shape: [126, 126, 1], convention: HWC}"
        )
    )
    expected = resolve_expected(key, solve=fake_solve)
    assert expected["1.a"].target("answer").value == Shape((126, 126, 1), "HWC")
    number_key = parse_key(GOOD)
    value = resolve_expected(number_key, solve=fake_solve)["1.a"].target("answer").value
    assert isinstance(value, Number)


def test_a_part_may_say_where_its_answer_is_written():
    from autocheck.keys import Region

    key = parse_key(
        "format: 1\nkey_version: 1\nexam: {id: t}\nquestions:\n  - number: 1\n    points: 2\n"
        "    parts:\n      - {number: a, points: 2, descriptive: x,\n"
        "         region: {page: 2, box: [0.1, 0.2, 0.6, 0.3]}}\n"
    )
    assert key.part("1.a").region == Region(2, (0.1, 0.2, 0.6, 0.3))
    assert parse_key(export_key(key)) == key


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("{page: 0, box: [0.1, 0.2, 0.6, 0.3]}", "region.page: pages are numbered from 1"),
        ("{page: 1, box: [0.6, 0.2, 0.1, 0.3]}", "region.box: fractions of the page"),
        ("{page: 1, box: [0.1, 0.2]}", "region.box: give four numbers"),
        ("{page: 1}", "region.box: required field is missing"),
    ],
)
def test_a_bad_region_names_its_line_and_field(region, message):
    text = (
        "format: 1\nkey_version: 1\nexam: {id: t}\nquestions:\n  - number: 1\n    points: 2\n"
        "    parts:\n      - number: a\n        points: 2\n        descriptive: x\n"
        f"        region: {region}\n"
    )
    with pytest.raises(KeyFormatError) as caught:
        parse_key(text)
    assert "line 11" in str(caught.value)
    assert message in str(caught.value)
