"""Layouts where a part's place in print does not say which part the writing answers: several
labels on one printed line, the student's own labels (out of order, on the back page), roman
sub-parts under lettered parts. Writing goes to the part it names, or to a person; a part is
never blank while writing that may answer it sits elsewhere."""

from __future__ import annotations

import textwrap

import pytest

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed
from autocheck.align.own_labels import parse_label

NUMBER = (TargetSlot("value", numeric=True),)


def _align(printed: str, copy: str, parts: list[PartPrompt]):
    return align_printed(
        textwrap.dedent(copy), read_printed(textwrap.dedent(printed), tuple(parts))
    )


PAIRS = textwrap.dedent(
    """\
    4. A convolution. Give (a) the output width and (b) the number of weights.

    (a) ______________    (b) ______________

    5. A pooling layer. Give (a) the output width and (b) its parameters.

    (a) ______________    (b) ______________
    """
)
PAIR_PARTS = [
    PartPrompt(f"{q}.{x}", f"({x})", question=q, targets=NUMBER) for q in "45" for x in "ab"
]


def test_each_blank_of_a_shared_line_is_the_part_whose_label_precedes_it():
    copy = PAIRS.replace(
        "(a) ______________    (b) ______________", "(a) __60__    (b) __1200__", 1
    )
    answers = _align(PAIRS, copy, PAIR_PARTS).answers
    assert answers["4.a"].text == "60"
    assert answers["4.b"].text == "1200"
    assert answers["4.b"].method == "printed"
    assert answers["5.a"].text == answers["5.b"].text == ""


def test_values_written_on_a_shared_line_in_the_other_order_go_by_their_labels():
    copy = PAIRS.replace(
        "(b) its parameters.\n\n(a) ______________    (b) ______________",
        "(b) its parameters.\n\n(b) 0    (a) 14",
    )
    answers = _align(PAIRS, copy, PAIR_PARTS).answers
    assert (answers["5.a"].text, answers["5.b"].text) == ("14", "0")


def test_labelled_values_under_a_shared_line_go_to_their_parts_of_that_question():
    copy = PAIRS.replace(
        "(b) its parameters.\n\n(a) ______________    (b) ______________",
        "(b) its parameters.\n\n(a) ______________    (b) ______________\n\n(a) 14   (b) 0",
    )
    answers = _align(PAIRS, copy, PAIR_PARTS).answers
    assert (answers["5.a"].text, answers["5.b"].text) == ("14", "0")
    assert answers["4.a"].text == answers["4.b"].text == ""


def test_unlabelled_writing_under_a_shared_line_goes_to_a_person_for_every_part_of_the_line():
    copy = PAIRS.replace(
        "(a) ______________    (b) ______________\n\n5.",
        "(a) ______________    (b) ______________\n\nThe width is 60, with 1200 weights.\n\n5.",
    )
    answers = _align(PAIRS, copy, PAIR_PARTS).answers
    for pid in ("4.a", "4.b"):
        assert "none of them" in answers[pid].review
    assert answers["5.a"].review == ""


QUIZ = textwrap.dedent(
    """\
    Q1. A training set of 50,000 examples in mini-batches of 128.

    (a) How many iterations make one epoch? [2]

    (b) How many steps are taken in 4 epochs? [2]

    Q2. A classifier gives the true class a probability of 0.25.

    (a) The loss in nats. [1]

    (b) The loss in bits. [1]
    """
)
QUIZ_PARTS = [
    PartPrompt(f"{q}.{x}", f"({x})", question=q, question_label=f"Q{q}.", targets=NUMBER)
    for q in "12"
    for x in "ab"
]


def _answered(after: str, writing: str) -> str:
    return QUIZ.replace(after, f"{after}\n\n{writing}")


def test_a_questions_parts_answered_out_of_order_under_it_go_to_the_parts_they_name():
    copy = _answered("epochs? [2]", "Q1b: steps = 4 * 391 = 1564\nQ1a: 391 iterations")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["1.a"].text == "391 iterations"
    assert answers["1.b"].text == "steps = 4 * 391 = 1564"


def test_a_letter_label_names_the_part_of_the_question_it_is_written_under():
    copy = _answered("bits. [1]", "(a) -ln 0.25 = 1.386\n(b) 2 bits")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["2.a"].text == "-ln 0.25 = 1.386"
    assert answers["2.b"].text == "2 bits"
    assert answers["1.a"].text == answers["1.b"].text == ""


def test_an_empty_labelled_part_is_blank_and_its_sibling_keeps_its_own_value():
    copy = _answered("bits. [1]", "(a) -log(0.25) = 0.602\n(b)")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["2.a"].text == "-log(0.25) = 0.602"
    assert answers["2.b"].text == ""
    assert answers["2.b"].review == ""


def test_a_back_page_answer_labelled_with_its_question_goes_to_that_part():
    copy = (
        _answered("epochs? [2]", "(a) 391\n(b) see back")
        + "\n---\n\n(cont.) Q1(b): 4 x 391 = 1564\n"
    )
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert "1564" in answers["1.b"].text
    assert "1564" not in answers["2.b"].text


def test_a_label_naming_no_part_of_the_question_goes_to_a_person_never_blank():
    copy = _answered("epochs? [2]", "(d) 391 and 1564")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    for pid in ("1.a", "1.b"):
        assert "names no part" in answers[pid].review


ROMAN = textwrap.dedent(
    """\
    Problem 2 (8 points): A small network

    (a) The layer conv1.

    i. (2 points) What is its output shape?

    ii. (2 points) How many parameters does it have?

    (b) The layer pool1.

    i. (2 points) What is its output shape?

    ii. (2 points) How many parameters does it have?
    """
)
ROMAN_PARTS = [
    PartPrompt(f"2.{x}-{r}", f"{r}.", question="2", question_label="Problem 2", targets=NUMBER)
    for x in "ab"
    for r in ("i", "ii")
]


def test_a_roman_sub_part_answered_above_its_printed_label_goes_to_its_parents_sub_part():
    copy = ROMAN.replace("(b) The layer pool1.", "(b) The layer pool1.\n\nii. 0, nothing to learn")
    answers = _align(ROMAN, copy, ROMAN_PARTS).answers
    assert answers["2.b-ii"].text == "0, nothing to learn"
    assert answers["2.a-ii"].text == ""


def test_a_continuation_names_its_lettered_parent_and_roman_sub_part():
    copy = (
        ROMAN.replace(
            "(a) The layer conv1.\n\ni. (2 points) What is its output shape?",
            "(a) The layer conv1.\n\ni. (2 points) What is its output shape?\n\nsee back (cont.)",
        )
        + "\n---\n\n(cont.) (a) i. 32 x 32 x 8\n"
    )
    answers = _align(ROMAN, copy, ROMAN_PARTS).answers
    assert "32 x 32 x 8" in answers["2.a-i"].text
    assert "32" not in answers["2.b-ii"].text


def test_what_a_student_labels_and_what_is_no_label():
    assert parse_label("Q1b: 1564").comps == ["1", "b"]
    assert parse_label("3b) log2(4) = 2").comps == ["3", "b"]
    assert parse_label("Q2a 0.8").comps == ["2", "a"]
    assert parse_label("(cont.) Q1(b): 1564").continued
    assert parse_label("(c) i. 2048").comps == ["c", "i"]
    assert parse_label("(a) v = 2, w = 0.8").comps == ["a"]
    for line in ("b = 0.2 - 0.5", "x = 3", "2 bits", "A weight", "4 x 391", "see back"):
        assert parse_label(line) is None, line


def test_a_crossed_out_labelled_attempt_names_no_part_and_its_correction_does():
    copy = _answered("epochs? [2]", "~~(a) 390~~\n(a) 391\n(b) see back")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["1.a"].text == "391"
    assert "390" not in answers["1.b"].text


def test_a_margin_answer_read_into_a_printed_line_is_read_without_that_line():
    copy = QUIZ.replace(
        "(b) The loss in bits. [1]",
        "(b) The loss in bits. [1]\n\nQ2a 1.386   (a) The loss in nats. [1]\n\n"
        "Q2b 2   (b) The loss in bits. [1]",
    )
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["2.a"].text == "1.386"
    assert answers["2.b"].text == "2"


def test_writing_under_a_repeated_label_whose_print_is_missing_goes_to_a_person():
    lost = (
        "(b) The layer pool1.\n\ni. (2 points) What is its output shape?\n\n16 x 16 x 8\n\nii. 0\n"
    )
    copy = ROMAN[: ROMAN.index("(b) The layer pool1.")] + lost
    answers = _align(ROMAN, copy, ROMAN_PARTS).answers
    assert answers["2.b-i"].text == "16 x 16 x 8"
    assert "printed several times" in answers["2.b-ii"].review


def test_a_students_own_enumeration_of_a_kind_no_part_uses_stays_with_its_part():
    copy = _answered("epoch? [2]", "(i) 50000 / 128 = 390.6\n(ii) so 391")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert "391" in answers["1.a"].text
    assert answers["1.a"].review == answers["1.b"].review == ""


def test_a_label_names_a_part_by_its_printed_label_when_the_key_numbers_it_otherwise():
    parts = [
        PartPrompt(f"{q}.{n}", f"({x})", question=q, question_label=f"Q{q}.", targets=NUMBER)
        for q in "12"
        for n, x in (("1", "a"), ("2", "b"))
    ]
    copy = _answered("epochs? [2]", "(b) 1564\n(a) 391")
    answers = _align(QUIZ, copy, parts).answers
    assert (answers["1.1"].text, answers["1.2"].text) == ("391", "1564")


WHOLE = """\
    1. How many weights has a 3 x 3 convolution from 2 to 4 channels?

    Answer: ______________

    2. What is the gradient of y = 5 x at x = 2?

    Answer: ______________

    End of quiz.
    """
WHOLE_PARTS = [PartPrompt(q, f"{q}.", targets=NUMBER) for q in "12"]


def test_writing_after_the_end_labelled_with_a_whole_question_answers_it():
    copy = WHOLE.replace("End of quiz.", "End of quiz. Question 1: 3 x 3 x 2 x 4 = 72")
    answers = _align(WHOLE, copy, WHOLE_PARTS).answers
    assert answers["1"].text.endswith("= 72")
    assert answers["2"].text == ""


def test_a_question_word_alone_labels_nothing_in_an_exam_of_sub_parts():
    assert parse_label("Q4 dL/dw = 18") is None
    assert parse_label("Q4 dL/dw = 18", questions=True) is not None


@pytest.mark.parametrize("label", ["(b):", "1(b):", "Q1b:"])
def test_a_label_with_a_colon_inside_a_line_starts_the_part_it_names(label):
    copy = _answered("epoch? [2]", f"391, so {label} 4 x 391 = 1564")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["1.a"].text == "391"
    assert answers["1.b"].text == "4 x 391 = 1564"


def test_brackets_inside_a_line_without_a_colon_label_nothing():
    copy = _answered("epoch? [2]", "391 (b) is next")
    assert _align(QUIZ, copy, QUIZ_PARTS).answers["1.a"].text == "391 (b) is next"


def test_a_label_inside_a_line_after_words_refers_to_that_part_and_moves_nothing():
    copy = _answered("4 epochs? [2]", "with the result of (a): 4 x 391 = 1564")
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert answers["1.b"].text == "with the result of (a): 4 x 391 = 1564"
    assert answers["1.a"].text == ""


def test_a_question_number_alone_in_an_exam_of_whole_questions_and_sub_parts_is_a_heading():
    printed = "1. The width?\n\nAnswer: ______\n\n2. A layer.\n\n(2.1) Its weights? [2]\n\n(2.2) Its biases? [1]\n"
    parts = [
        PartPrompt("1", "1.", targets=NUMBER),
        *(PartPrompt(f"2.{n}", f"(2.{n})", question="2", targets=NUMBER) for n in "12"),
    ]
    copy = printed.replace("Its biases? [1]\n", "Its biases? [1]\n\nQ2 done, see above\n")
    answers = _align(printed, copy, parts).answers
    assert answers["2.2"].review == ""
