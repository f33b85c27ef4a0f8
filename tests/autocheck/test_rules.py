"""The checker's rules for one target, and the flow that checks a whole copy part by part."""

from __future__ import annotations

import textwrap

import pytest

from autocheck.align import AnswerText
from autocheck.check import check_submission
from autocheck.keys import parse_key
from autocheck.rules import RULES

KEY = parse_key(
    textwrap.dedent(
        """\
        format: 1
        key_version: 1
        exam: {id: rules}
        questions:
          - number: 1
            points: 4
            parts:
              - number: 1
                points: 2
                solver: training.schedule
                params: {dataset_size: 50000, batch_size: 250, epochs: 1}
                value: iterations_per_epoch
                symbols: [I]
                alternatives:
                  - answer: {choice: B, options: [A, B, C, D]}
                    note: the option's letter
              - {number: 2, points: 2, answer: {number: 0.5}}
        """
    )
)


def test_the_rules_run_in_their_documented_order():
    assert [rule.__name__ for rule in RULES] == [
        "_graded_by_a_person",
        "_extracted",
        "_confident_enough",
        "_read_and_compared",
        "_paraphrase_possible",
        "_accepted_alternative",
        "_right_in_the_working",
        "_carried_forward",
        "_convention_question",
        "_sign_in_words",
        "_one_of_several",
        "_partly_right",
        "_wrong",
    ]


@pytest.mark.parametrize(
    ("written", "verdict", "code"),
    [("200", "correct", None), ("B", "correct", None), ("A", "incorrect", "wrong_choice")],
)
def test_a_numeric_part_that_accepts_an_option_letter_is_judged_on_either(written, verdict, code):
    first, _ = check_submission(KEY, {"1.1": written, "1.2": "0.5"})
    assert first.verdict == verdict
    assert (first.diagnosis.code if first.diagnosis else None) == code


def test_one_part_that_fails_to_check_never_stops_the_others(monkeypatch):
    import autocheck.check as check

    real = check.check_part

    def failing(part, expected, text, *, context=None):
        if part.id == "1.1":
            raise RuntimeError("a corner case of the key")
        return real(part, expected, text, context=context)

    monkeypatch.setattr(check, "check_part", failing)
    first, second = check_submission(KEY, {"1.1": "200", "1.2": "0.5"})
    assert first.verdict == "needs_review"
    assert "could not be checked automatically (RuntimeError" in first.notes[-1]
    assert first.text == "200"
    assert second.verdict == "correct"


def test_a_part_the_aligner_flags_goes_to_a_person_with_the_reason():
    flagged = AnswerText("1.2", "0.5", 0, 3, 0.3, "printed", review="the copy does not match")
    _, second = check_submission(KEY, {"1.1": "200", "1.2": flagged})
    assert second.verdict == "needs_review"
    assert second.points is None
    assert second.notes[-1] == "the copy does not match"


def test_an_answer_not_found_is_never_blank():
    missing = AnswerText("1.2", "", 0, 0, 0.0, "not_found", review="answer not found")
    _, second = check_submission(KEY, {"1.1": "200", "1.2": missing})
    assert second.verdict == "needs_review"


@pytest.mark.parametrize("written", ["~~0.2~~ 0.5", r"\sout{0.2} 0.5", r"\cancel{0.2} 0.5"])
def test_crossed_out_work_is_not_read(written):
    _, second = check_submission(KEY, {"1.1": "200", "1.2": written})
    assert second.verdict == "correct"


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("20 weights, 5 biases", "needs_review"),  # 5 is the last number, not the answer meant
        ("outputs 0, 1, 3", "needs_review"),
        ("1.0 - 0.6 = 0.4", "incorrect"),  # the end of a chain of equalities is the answer
        ("0.4", "incorrect"),  # one number alone
        ("w goes from 1\n0.4", "incorrect"),  # alone on its line, after the working
        ("after 3 steps, 0.5", "correct"),  # right: nothing to ask
    ],
)
def test_a_wrong_bare_number_among_others_with_nothing_marking_it_goes_to_a_person(
    written, verdict
):
    _, second = check_submission(KEY, {"1.1": "200", "1.2": written})
    assert second.verdict == verdict
    if verdict == "needs_review":
        assert "one of several numbers written" in second.notes[0]


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("m = 0.9, v = 0.4", "needs_review"),  # two other quantities named, none the answer's
        ("a: 2*3 = 6, c: 0.4", "needs_review"),
        ("x = 0.4", "incorrect"),  # one value named: it is the answer given
        ("2 w = 0.8, v = 0.4", "incorrect"),  # an expression, not a name, before the other
        ("m = 0.9, v = 0.5", "correct"),
    ],
)
def test_a_wrong_value_last_of_several_named_for_other_quantities_goes_to_a_person(
    written, verdict
):
    _, second = check_submission(KEY, {"1.1": "200", "1.2": written})
    assert second.verdict == verdict
    if verdict == "needs_review":
        assert "is the last of several values named" in second.notes[0]
