"""Aligning a copy against its printed exam when the answers are written apart from the
questions: an answer sheet numbered 1 to N for the exam's N parts, a multiple-choice grid
with the letter written beside its row, and the OCR's noise on both (a label read as a digit,
a box's border, a ten read in look-alike letters)."""

from __future__ import annotations

import textwrap

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed

NUMBER = (TargetSlot("answer", numeric=True),)


def _align(printed: str, copy: str, parts: list[PartPrompt]):
    return align_printed(
        textwrap.dedent(copy), read_printed(textwrap.dedent(printed), tuple(parts))
    )


# Five parts over three questions, answered on a page whose lines are numbered 1 to 5: the
# numbers are the parts' order, not their labels (line 3 is 2 (a), line 5 is Question 3).
NUMBERED = """\
    Question 1 A layer has 8 inputs and 4 outputs.

    (a) How many weights? [1]

    (b) How many biases? [1]

    Question 2 A batch holds 16 examples.

    (a) How many batches make 64 examples? [1]

    (b) How many make 160? [1]

    Question 3 What is 0.5 squared?

    ANSWERS

    Name: ______________

    1. ______________

    2. ______________

    3. ______________

    4. ______________

    5. ______________
    """
NUMBERED_PARTS = [
    PartPrompt("1.a", "(a)", question="1", question_label="Question 1", targets=NUMBER),
    PartPrompt("1.b", "(b)", question="1", question_label="Question 1", targets=NUMBER),
    PartPrompt("2.a", "(a)", question="2", question_label="Question 2", targets=NUMBER),
    PartPrompt("2.b", "(b)", question="2", question_label="Question 2", targets=NUMBER),
    PartPrompt("3", "Question 3", question="3", question_label="Question 3", targets=NUMBER),
]


def _sheet(*lines: str) -> str:
    copy = NUMBERED
    for k, line in enumerate(lines, start=1):
        copy = copy.replace(f"{k}. ______________", f"{k}. {line}")
    return copy


def test_a_sheet_numbered_one_to_n_answers_the_n_parts_in_order():
    answers = _align(NUMBERED, _sheet("32", "4", "4", "10", "0.25"), NUMBERED_PARTS).answers
    assert {pid: a.text for pid, a in answers.items()} == {
        "1.a": "32",
        "1.b": "4",
        "2.a": "4",
        "2.b": "10",
        "3": "0.25",
    }


def test_the_working_under_a_question_comes_before_its_sheet_value():
    copy = _sheet("32", "4", "4", "10", "0.25").replace(
        "How many weights? [1]", "How many weights? [1]\n\n    8 x 4 = 32 weights, 4 biases"
    )
    answers = _align(NUMBERED, copy, NUMBERED_PARTS).answers
    assert answers["1.a"].text == "8 x 4 = 32 weights, 4 biases\n32"
    assert answers["1.a"].evidence == ("blank 1: 32",)


def test_a_line_left_empty_on_the_sheet_answers_nothing():
    answers = _align(NUMBERED, _sheet("32", "4", "4"), NUMBERED_PARTS).answers
    assert answers["2.b"].text == ""
    assert answers["3"].text == ""


def test_the_value_that_repeats_its_line_number_is_the_answer_not_the_label():
    # "4. 4" before "5. ____": the first 4 is the printed number, the second the student's
    answers = _align(NUMBERED, _sheet("32", "4", "4", "4"), NUMBERED_PARTS).answers
    assert answers["2.b"].text == "4"
    assert answers["3"].text == ""


def test_numbered_lines_fewer_than_the_parts_are_no_sheet_by_order():
    printed = NUMBERED.replace("\n    5. ______________\n", "\n")
    copy = printed.replace("3. ______________", "3. 4")
    answers = _align(printed, copy, NUMBERED_PARTS).answers
    assert answers["2.a"].text == ""  # line 3 is not 2 (a)'s: four lines for five parts


def test_a_box_border_beside_a_sheet_value_is_no_part_of_it():
    copy = _sheet("32 |", "| 4", "4", "10", "| 0.25 |")
    answers = _align(NUMBERED, copy, NUMBERED_PARTS).answers
    assert answers["1.a"].text == "32"
    assert answers["1.b"].text == "4"
    assert answers["3"].text == "| 0.25 |"  # two bars: an absolute value, read as such


def test_a_ten_read_in_look_alike_letters_is_a_ten_in_a_numeric_answer():
    answers = _align(NUMBERED, _sheet("32", "4", "4", "lO", "0.25"), NUMBERED_PARTS).answers
    assert answers["2.b"].text == "10"


def test_a_label_read_as_a_digit_is_print_not_the_answer():
    copy = _sheet("32", "4", "4", "10", "0.25").replace(
        "(b) How many biases", "(6) How many biases"
    )
    answer = _align(NUMBERED, copy, NUMBERED_PARTS).answers["1.b"]
    assert answer.text == "4"


def test_a_label_read_as_a_digit_after_bracketed_working_is_print_too():
    copy = NUMBERED.replace(
        "How many weights? [1]", "How many weights? [1]\n\n    (8 x 4) = 32"
    ).replace("(b) How many biases? [1]", "(6) How many biases? [1]\n\n    4")
    answers = _align(NUMBERED, copy, NUMBERED_PARTS).answers
    assert answers["1.a"].text == "(8 x 4) = 32"
    assert answers["1.b"].text == "4"


GRID = """\
    Mark one letter per row.

    | Item | A | B | C |
    |---|---|---|---|
    | Q1 | | | |
    | Q2 | | | |
    | Q3 | | | |
    """
GRID_PARTS = [PartPrompt(f"q{k}", f"Q{k}", options=("A", "B", "C")) for k in (1, 2, 3)]


def test_a_letter_written_beside_a_grid_row_is_that_rows_answer():
    copy = (
        GRID.replace("| Q1 | | | |", "| Q1 | | | | B |")
        .replace("| Q2 | | | |", "| Q2 | | | | c")
        .replace("| Q3 | | | |", "| Q3 | X | | |")
    )
    answers = _align(GRID, copy, GRID_PARTS).answers
    assert answers["q1"].text == "B"
    assert answers["q2"].text == "C"
    assert answers["q3"].text == "A"


def test_a_cross_and_another_letter_beside_the_row_are_both_read():
    copy = GRID.replace("| Q1 | | | |", "| Q1 | X | | | C |")
    answer = _align(GRID, copy, GRID_PARTS).answers["q1"]
    assert answer.text.splitlines() == ["A", "C"]


# A sheet of six numbered lines for five parts: which line answers which part is not known.
SPARE = NUMBERED.replace("5. ______________\n", "5. ______________\n\n    6. ______________\n")


def test_writing_on_a_sheet_no_part_could_be_given_sends_every_part_to_a_person():
    copy = SPARE.replace("1. ______________", "1. 32").replace(
        "How many weights? [1]", "How many weights? [1]\n\n    8 x 4 = 32"
    )
    alignment = _align(SPARE, copy, NUMBERED_PARTS)
    for answer in alignment.answers.values():
        assert "could not be matched to the parts" in answer.review
    assert alignment.answers["1.a"].text == "8 x 4 = 32"
    assert "32" in [span.text for span in alignment.unmatched]  # kept, answering no part
    assert alignment.answers["3"].text == ""  # the sheet's line is not the last part's


def test_a_sheet_no_part_could_be_given_left_empty_changes_nothing():
    copy = SPARE.replace("How many weights? [1]", "How many weights? [1]\n\n    8 x 4 = 32")
    answers = _align(SPARE, copy, NUMBERED_PARTS).answers
    assert answers["1.a"].text == "8 x 4 = 32"
    assert all(a.review == "" for a in answers.values())


# Three parts, the second a list to fill in: its numbered blanks are its own, no sheet.
LIST = """\
    Question 1 How many weights has a 3 x 3 kernel?

    Question 2 Name three layers of a CNN.

    1. ______________

    2. ______________

    3. ______________

    Question 3 What is 2 squared?
    """
LIST_PARTS = [
    PartPrompt(str(k), f"Question {k}", question=str(k), question_label=f"Question {k}")
    for k in (1, 2, 3)
]


def test_a_list_to_fill_in_inside_a_question_is_that_questions_not_a_sheet():
    copy = (
        LIST.replace("1. ______________", "1. conv")
        .replace("2. ______________", "2. pool")
        .replace("3. ______________", "3. dense")
        .replace("3 x 3 kernel?", "3 x 3 kernel?\n\n    9")
        .replace("2 squared?", "2 squared?\n\n    4")
    )
    answers = _align(LIST, copy, LIST_PARTS).answers
    assert answers["1"].text == "9"
    assert answers["2"].text.split() == ["conv", "pool", "dense"]
    assert answers["3"].text == "4"
    assert all(a.review == "" for a in answers.values())


def test_a_list_to_fill_in_in_the_last_question_is_its_own_without_a_sheets_heading():
    printed = """\
        Question 1 How many weights has a 3 x 3 kernel?

        Question 2 What is 3 + 4?

        Question 3 Name three layers of a CNN.

        1. ____

        2. ____

        3. ____
        """
    copy = printed.replace("1. ____", "1. conv").replace("2. ____", "2. pool")
    answers = _align(printed, copy, LIST_PARTS).answers
    assert answers["1"].text == ""
    assert answers["3"].text.split() == ["conv", "pool"]
    assert all(a.review == "" for a in answers.values())
