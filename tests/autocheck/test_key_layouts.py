"""Key-format additions for real exam layouts: part names, table cells, optional targets,
quoted Yes/No, every problem in one run, and errors carried forward from a graph's node."""

from __future__ import annotations

import textwrap

import pytest

from autocheck.check import check_submission
from autocheck.keys import KeyFormatError, export_key, parse_key, validate_key


def _key(parts: str, *, points: int = 2) -> str:
    head = "format: 1\nkey_version: 1\nexam: {id: layouts}\nquestions:\n"
    head += f"  - number: 4\n    points: {points}\n    parts:\n"
    return head + textwrap.indent(textwrap.dedent(parts), "      ")


def _issues(text: str) -> list[str]:
    with pytest.raises(KeyFormatError) as info:
        parse_key(text)
    return [str(issue) for issue in info.value.issues]


@pytest.mark.parametrize(
    ("number", "part_id"),
    [("q", "4.q"), ("Q", "4.q"), ("conv1_1", "4.conv1_1"), ("sgd-2", "4.sgd-2"), ("(b)", "4.b")],
)
def test_part_numbers_may_be_names_with_underscores_and_dashes_or_the_letter_q(number, part_id):
    key = parse_key(_key(f"- {{number: '{number}', points: 2, answer: {{integer: 1}}}}\n"))
    assert [p.id for p in key.parts()] == [part_id]


@pytest.mark.parametrize("number", ["conv_", "-a", "a b", "a.b"])
def test_a_part_number_still_refuses_what_is_no_name(number):
    issues = _issues(_key(f"- {{number: '{number}', points: 2, answer: {{integer: 1}}}}\n"))
    assert any("is not a printed number or name" in i for i in issues)


@pytest.mark.parametrize("word", ["Yes", "No", "yes", "ON", "off"])
def test_an_unquoted_yes_or_no_in_a_choice_is_refused_with_the_fix(word):
    text = _key(f'- {{number: a, points: 2, answer: {{choice: {word}, options: ["Yes", "No"]}}}}\n')
    issue = next(i for i in _issues(text) if "answer.choice" in i)
    assert f"unquoted {word}" in issue
    assert f"'{word}'" in issue
    assert issue.startswith("line 8:")


def test_unquoted_yes_no_in_options_and_synonyms_is_refused_too():
    text = _key(
        '- {number: a, points: 2, answer: {choice: "No", options: [Yes, "No"], '
        "synonyms: {No: [N]}}}\n"
    )
    fields = " ".join(_issues(text))
    assert "answer.options[0]" in fields
    assert "answer.synonyms" in fields


def test_single_letters_y_and_n_stay_text():
    key = parse_key(_key("- {number: a, points: 2, answer: {keywords: [[y, n]]}}\n"))
    assert key.part("4.a").targets[0].answer.value == (("y", "n"),)  # type: ignore[union-attr]


def test_quoted_yes_no_and_unquoted_true_false_are_accepted():
    key = parse_key(
        _key(
            '- {number: a, points: 1, answer: {choice: "Yes", options: ["Yes", "No"]}}\n'
            '- {number: b, points: 1, answer: {choice: True, options: ["True", "False"]}}\n'
        )
    )
    assert key.part("4.a").targets[0].answer.value == "Yes"  # type: ignore[union-attr]
    assert key.part("4.b").targets[0].answer.value == "True"  # type: ignore[union-attr]


TABLE = """\
- number: conv1
  label: conv1
  points: 2
  targets:
    - {name: output, answer: {shape: [30, 30, 8]}, column: Output size}
    - {name: params, answer: {integer: 224}, column: Parameters}
- number: sgd-1
  label: SGD
  column: after step 1
  points: 2
  answer: {number: 0.8}
"""


def test_a_part_or_a_target_may_name_its_table_column():
    key = parse_key(_key(TABLE, points=4))
    assert [t.column for t in key.part("4.conv1").targets] == ["Output size", "Parameters"]
    assert key.part("4.sgd-1").column == "after step 1"
    assert key.part("4.sgd-1").label == "SGD"
    assert parse_key(export_key(key)) == key


OPTIONAL = """\
- number: a
  points: 2
  targets:
    - {name: p, answer: {number: 0.25}, symbols: [p]}
    - {name: s, answer: {number: 0.75}, symbols: [s], optional: true}
"""


def test_an_optional_target_earns_nothing_and_costs_nothing():
    key = parse_key(_key(OPTIONAL))
    assert [t.optional for t in key.part("4.a").targets] == [False, True]
    assert parse_key(export_key(key)) == key
    [without] = check_submission(key, {"4.a": "p = 0.25"})
    assert without.verdict == "correct"
    assert without.points == 2
    [both] = check_submission(key, {"4.a": "p = 0.25, s = 0.75"})
    assert both.verdict == "correct"
    [wrong] = check_submission(key, {"4.a": "p = 0.5, s = 0.75"})
    assert wrong.verdict == "incorrect"
    assert wrong.points == 0


def test_a_part_needs_a_required_target():
    text = _key(OPTIONAL.replace("symbols: [p]}", "symbols: [p], optional: true}"))
    assert any("every target is optional" in i for i in _issues(text))


def test_an_optional_target_has_no_points_of_its_own():
    text = _key(OPTIONAL.replace("optional: true}", "optional: true, points: 1}"))
    assert any("earns no points" in i for i in _issues(text))


def test_validate_reports_structural_and_solver_errors_in_one_run():
    text = _key(
        """\
        - {number: a, points: one, answer: {number: 1}}
        - number: b
          points: 2
          solver: training.schedule
          params: {dataset_size: -5, batch_size: 10, epochs: 1}
          value: iterations_per_epoch
        """,
        points=2,
    )
    key, issues = validate_key(text)
    assert key is not None
    assert [p.id for p in key.parts()] == ["4.b"]
    fields = [issue.field for issue in issues]
    assert any(f.endswith("parts[0].points") for f in fields)
    assert any("dataset_size" in f for f in fields)
    assert [i.line for i in issues] == sorted(i.line for i in issues)


GRAPH = """\
- number: a
  points: 2
  solver: graph.backprop
  params: &graph
    inputs: {x: 2, w1: 0.5, w2: -1, b: 1, t: 3}
    equations: ["a = w1 * x + b", "h = relu(a)", "y = w2 * h", "L = (y - t)**2 / 2"]
  targets:
    - {name: y, value: y, symbols: [y]}
- number: b
  points: 2
  solver: graph.backprop
  params: *graph
  depends_on: [4.a]
  carry: {y: "4.a:y"}
  targets:
    - {name: dy, value: dL/dy, symbols: [dL/dy]}
    - {name: dw1, value: dL/dw1, symbols: [dL/dw1]}
"""


def test_an_error_carried_forward_from_an_intermediate_graph_value_is_recognised():
    key = parse_key(_key(GRAPH, points=4))
    # y = 2 instead of -2; then dL/dy = y - t = -1 and dL/dw1 = (y - t) w2 x = 2 follow from it
    first, second = check_submission(key, {"4.a": "y = 2", "4.b": "dL/dy = -1, dL/dw1 = 2"})
    assert first.verdict == "incorrect"
    assert second.verdict == "partial"
    assert second.points == 2
    assert second.diagnosis is not None
    assert second.diagnosis.code == "error_carried_forward"
    [*_, fresh] = check_submission(key, {"4.a": "y = -2", "4.b": "dL/dy = -1, dL/dw1 = 2"})
    assert fresh.verdict == "incorrect"
