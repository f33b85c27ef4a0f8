"""Values printed inline in a sentence as alternatives to circle ("a stride of 1 / 2 / 4"):
a mark on one reads as that value, and writing beside them is never taken for a blank."""

from __future__ import annotations

import textwrap

import pytest

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed

NUMBER = (TargetSlot("answer", numeric=True),)

SHEET = """\
    Circle the right value in each sentence.

    (a) A pooling window of 3 x 3 with stride 3 on 9 x 9 gives 2 / 3 / 4 rows.

    (b) The kernel tensor of a 5 x 5 conv from 4 to 6 channels has shape 6 x 4 x 5 x 5 / 4 x 6 x 5 x 5 .

    (c) Name: ______ the loss that dropout leaves unchanged at test time.
    """
PARTS = [
    PartPrompt("1.a", "(a)", targets=NUMBER),
    PartPrompt("1.b", "(b)", targets=NUMBER),
    PartPrompt("1.c", "(c)"),
]


def _align(copy: str):
    printed = read_printed(textwrap.dedent(SHEET), tuple(PARTS))
    return align_printed(textwrap.dedent(copy), printed)


def _with(part: str, old: str, new: str) -> str:
    lines = textwrap.dedent(SHEET).splitlines()
    return "\n".join(line.replace(old, new) if line.startswith(part) else line for line in lines)


@pytest.mark.parametrize(
    "written",
    [
        "2 / (3) / 4",
        "2 / [3] / 4",
        "2 / __3__ / 4",
        "2 / **3** / 4",
        "2 / 3 ✓ / 4",
        "2 / ( 3 ) / 4",
    ],
)
def test_a_mark_on_a_value_printed_inline_reads_as_that_value(written):
    answer = _align(_with("(a)", "2 / 3 / 4", written)).answers["1.a"]
    assert answer.text == "3"
    assert answer.review == ""


def test_a_marked_value_of_several_words_reads_whole():
    copy = _with("(b)", "/ 4 x 6 x 5 x 5", "/ (4 x 6 x 5 x 5)")
    assert _align(copy).answers["1.b"].text == "4 x 6 x 5 x 5"


@pytest.mark.parametrize(
    ("written", "read"), [("(l,5OO)", "1,500"), ("(1,5O0)", "1,500"), ("(1,6O0)", "")]
)
def test_a_marked_value_read_with_look_alike_letters_is_the_printed_value(written, read):
    printed = "(a) The layer has 1,500 / 2,000 parameters.\n"
    parts = (PartPrompt("1.a", "(a)", targets=NUMBER),)
    copy = printed.replace("1,500", written)
    answer = align_printed(copy, read_printed(printed, parts)).answers["1.a"]
    assert (answer.text == "1,500") == bool(read)


def test_a_crossed_out_mark_is_no_mark():
    copy = _with("(a)", "2 / 3 / 4", "~~(2)~~ / 3 / (4)")
    assert _align(copy).answers["1.a"].text == "4"


def test_a_line_beside_the_values_that_marks_none_goes_to_a_person():
    copy = _with("(a)", "gives 2 / 3 / 4 rows.", "gives 2 / 3 / 4 -- rows.")
    answer = _align(copy).answers["1.a"]
    assert answer.text.strip("-") == ""
    assert "beside the printed options" in answer.review


def test_a_fraction_or_a_single_word_is_no_list_of_alternatives():
    printed = read_printed("(a) The rate is 1/2 per step and/or more.\n", (PARTS[0],))
    assert printed.parts[0].options == ()


def test_a_blank_after_a_one_letter_label_is_the_part_s_not_a_cover_field():
    printed = read_printed("(e) ______ is the answer.\n\nName: ______\n", (PartPrompt("e", "(e)"),))
    assert len(printed.parts[0].blanks) == 1
    assert len(printed.fields) == 1


LEAD = """\
    (a) ______ is the number of weights of a 3 x 3 convolution from 2 to 4 channels; explain below why.

    (b) How many biases has it?

    Answer: ______
    """
LEAD_PARTS = [PartPrompt("a", "(a)", targets=NUMBER), PartPrompt("b", "(b)", targets=NUMBER)]


def test_a_blank_printed_before_its_prompt_holds_the_answer_and_the_explanation_is_working():
    copy = textwrap.dedent(LEAD).replace("(a) ______", "(a) __72__", 1)
    copy = copy.replace(
        "below why.\n", "below why.\n\none 3 x 3 kernel per pair of 2 and 4 channels\n"
    )
    printed = read_printed(textwrap.dedent(LEAD), tuple(LEAD_PARTS))
    answer = align_printed(copy, printed).answers["a"]
    assert answer.text.splitlines()[0] == "Answer: 72"


def test_a_blank_after_its_prompt_with_working_is_read_as_before():
    copy = textwrap.dedent(LEAD).replace("Answer: ______", "Answer: __4__\n\none per channel")
    printed = read_printed(textwrap.dedent(LEAD), tuple(LEAD_PARTS))
    text = align_printed(copy, printed).answers["b"].text
    assert text.startswith("4")
    assert "Answer" not in text


def test_a_percentage_read_with_a_look_alike_letter_is_a_number():
    from autocheck.align import split_transcription
    from autocheck.keys import parse_key

    key = parse_key(
        "format: 1\nkey_version: 1\nexam: {id: q, title: Q, course: C, total_points: 2}\n"
        "questions:\n  - number: 1\n    points: 2\n    parts:\n"
        "      - {number: a, label: (a), points: 2, answer: {percentage: 40}}\n"
    )
    printed = "(a) What share of the epoch is seen?\n\nAnswer: ______\n"
    copy = printed.replace("______", "4O%")
    assert split_transcription(key, copy, printed).answers["1.a"].text == "40%"


def test_a_word_circled_among_words_printed_inline_reads_as_that_word():
    printed = "(a) With a larger batch the gradient noise increases / decreases .\n"
    parts = (PartPrompt("1.a", "(a)"),)
    copy = printed.replace("/ decreases", "/ (decreases)")
    assert align_printed(copy, read_printed(printed, parts)).answers["1.a"].text == "decreases"
