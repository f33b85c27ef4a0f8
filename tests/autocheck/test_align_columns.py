"""A two-column print whose lines the OCR alternates: the print and each copy are separated
into their columns before aligning, and writing whose column the copy does not tell goes to a
person."""

from __future__ import annotations

from dataclasses import replace

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed
from autocheck.align.columns import (
    EITHER_COLUMN,
    NOT_SEPARATED,
    printed_columns,
    separate,
)

HEAD = ["Homework 3 (8 points)", "", "Questions 1 and 2 share the page, one per column.", ""]
# each column's paragraphs, row by row
LEFT = [
    [
        "1. A dense layer maps 10 inputs",
        "to 4 outputs, a bias on each.",
        "(a) How many weights are there?",
    ],
    ["(b) How many biases are there?"],
]
RIGHT = [
    [
        "2. A grey image of 28 by 28 pixels",
        "is flattened into one vector.",
        "(a) How long is the vector?",
    ],
    ["(b) How many bytes at one byte each?"],
]


def _across(left: list[list[str]], right: list[list[str]]) -> str:
    """The two columns read across, paragraph by paragraph, as the OCR returns them."""
    rows = [*HEAD]
    for lpar, rpar in zip(left, right, strict=True):
        for k in range(max(len(lpar), len(rpar))):
            rows += [x[k] for x in (lpar, rpar) if k < len(x)]
        rows.append("")
    return "\n".join(rows)


PRINTED = _across(LEFT, RIGHT)
PARTS = tuple(
    PartPrompt(f"{q}.{x}", f"({x})", question=q, question_label=f"{q}.") for q in "12" for x in "ab"
)


def _row(left: str, right: str) -> str:
    return f"{left:<40}{right}".rstrip()


def _copy(a_rows: list[str], b_rows: list[str]) -> str:
    """The print read across, with ``a_rows`` written under the (a) prompts and ``b_rows``
    under the (b) prompts, in the order the OCR returns them."""
    left = [LEFT[0], [*LEFT[1]]]
    right = [RIGHT[0], [*RIGHT[1]]]
    text = _across(left, right).split("\n")
    at = text.index("(a) How long is the vector?") + 1
    text[at:at] = a_rows
    return "\n".join(text + b_rows) + "\n"


def _align(copy: str, printed: str = PRINTED):
    return align_printed(copy, read_printed(printed, PARTS))


def _read(copy: str, printed: str = PRINTED) -> dict[str, tuple[str, str]]:
    return {k: (a.text, a.review) for k, a in _align(copy, printed).answers.items()}


def test_it_reads_each_column_under_its_own_prompts():
    read = _read(_copy(["40", "784"], ["4", "784"]))
    assert read == {
        "1.a": ("40", ""),
        "2.a": ("784", ""),
        "1.b": ("4", ""),
        "2.b": ("784", ""),
    }


def test_it_keeps_the_copys_offsets():
    copy = _copy(["40", "784"], ["4", "784"])
    alignment = _align(copy)
    for answer in alignment.answers.values():
        assert answer.spans
        for span in answer.spans:
            assert copy[span.start : span.end] == span.text
        assert copy[answer.start : answer.end].strip() == answer.text
    for span in [*alignment.prompts, *alignment.unmatched]:
        assert copy[span.start : span.end] == span.text


def test_it_reads_working_over_several_rows_of_both_columns():
    read = _read(_copy(["W = 10 x 4", "L = 28 x 28", "= 40", "= 784"], ["4", "784"]))
    assert read["1.a"] == ("W = 10 x 4\n= 40", "")
    assert read["2.a"] == ("L = 28 x 28\n= 784", "")


def test_rows_read_side_by_side_are_cut_at_the_columns_gap():
    rows = [*HEAD]
    for lpar, rpar in zip(LEFT, RIGHT, strict=True):
        rows += [_row(a, b) for a, b in zip(lpar, rpar, strict=True)]
        rows.append("")
    at = rows.index(_row("(a) How many weights are there?", "(a) How long is the vector?")) + 1
    rows[at:at] = [_row("40", "784")]
    rows += [_row("4", ""), _row("", "0.784 kB")]
    read = _read("\n".join(rows) + "\n")
    assert read == {
        "1.a": ("40", ""),
        "2.a": ("784", ""),
        "1.b": ("4", ""),
        "2.b": ("0.784 kB", ""),
    }


def test_writing_of_either_column_goes_to_a_person_for_both_parts():
    read = _read(_copy(["784"], ["4", "784"]))
    assert read["1.a"][1] == EITHER_COLUMN
    assert read["2.a"][1] == EITHER_COLUMN
    assert read["1.b"] == ("4", "")
    assert read["2.b"] == ("784", "")


def test_a_line_under_the_students_own_label_has_no_column_to_doubt():
    read = _read(_copy(["40", "784"], ["4", "784", "Q2 (a) 28 x 28 = 784"]))
    assert read["1.b"] == ("4", "")
    assert read["2.b"] == ("784", "")
    assert "28 x 28 = 784" in read["2.a"][0]


def test_columns_read_one_after_the_other_keep_their_writing():
    left = [[*LEFT[0], "40"], [*LEFT[1], "4"]]
    right = [[*RIGHT[0], "784"], [*RIGHT[1], "784"]]
    rows = (
        [*HEAD] + [x for par in left for x in [*par, ""]] + [x for par in right for x in [*par, ""]]
    )
    copy = "\n".join(rows)
    separated = separate(copy, printed_columns(read_printed(PRINTED, PARTS)))
    assert not separated.doubts
    assert _read(copy) == {
        "1.a": ("40", ""),
        "2.a": ("784", ""),
        "1.b": ("4", ""),
        "2.b": ("784", ""),
    }


def test_a_print_in_one_column_is_left_as_it_is():
    printed = "1. A dense layer maps 10 inputs.\n(a) Weights?\n\n(b) Biases?\n\n2. Pixels.\n(a) Length?\n\n(b) Bytes?\n"
    assert printed_columns(read_printed(printed, PARTS)) is None


def test_a_print_whose_columns_cannot_be_separated_sends_their_parts_to_a_person():
    printed = PRINTED.replace(
        "to 4 outputs, a bias on each.\n", "to 4 outputs, a bias on each.\nOne more line.\n"
    )
    columns = printed_columns(read_printed(printed, PARTS))
    assert columns is not None
    assert columns.printed is None
    copy = printed.replace("(a) How long is the vector?\n", "(a) How long is the vector?\n784\n")
    read = _read(copy, printed)
    assert all(review for _, review in read.values())
    assert read["2.a"] == ("784", NOT_SEPARATED)


def test_a_shared_label_opening_two_adjacent_printed_lines_sends_its_parts_to_a_person():
    # no question header to open a band: the columns are recognised by their labels only
    printed = PRINTED.replace("1. A dense", "A dense").replace("2. A grey", "A grey")
    columns = printed_columns(read_printed(printed, PARTS))
    assert columns is not None
    assert columns.printed is None
    assert columns.interleaved == {"1.a", "2.a", "1.b", "2.b"}
    copy = printed.replace("(a) How long is the vector?\n", "(a) How long is the vector?\n784\n")
    assert {review for _, review in _read(copy, printed).values()} <= {
        NOT_SEPARATED,
        "answer not found: the part's label was not found in the printed exam",
    }


def test_questions_of_one_line_each_on_adjacent_lines_are_no_columns():
    printed = (
        "Quiz 2\n\nQ1. How many weights does a 3 by 3 kernel have?\n"
        "Q2. How many biases do 8 filters have?\nQ3. What stride halves the width?\n"
    )
    parts = tuple(PartPrompt(q, f"Q{q}.", question=q, question_label=f"Q{q}.") for q in "123")
    assert printed_columns(read_printed(printed, parts)) is None
    copy = printed.replace("have?\n", "have? 9\n", 1).replace("have?\nQ3", "have? 8\nQ3")
    answers = align_printed(copy + "2\n", read_printed(printed, parts)).answers
    assert {k: (a.text, a.review) for k, a in answers.items()} == {
        "1": ("9", ""),
        "2": ("8", ""),
        "3": ("2", ""),
    }


def test_a_line_naming_one_of_the_two_parts_values_goes_to_that_part():
    symbols = {"1.a": "W", "2.a": "L", "1.b": "n_b", "2.b": "B"}
    parts = tuple(replace(p, targets=(TargetSlot("value", symbols[p.part_id]),)) for p in PARTS)
    printed = read_printed(PRINTED, parts)
    read = {
        k: (a.text, a.review)
        for k, a in align_printed(_copy(["40", "784"], ["B = 784"]), printed).answers.items()
    }
    assert read["1.b"] == ("", "")
    assert read["2.b"] == ("B = 784", "")
    # a line naming neither part's value says nothing of its column
    for line in ("784 bytes", "x = 784"):
        answers = align_printed(_copy(["40", "784"], [line]), printed).answers
        assert answers["1.b"].review == answers["2.b"].review == EITHER_COLUMN
