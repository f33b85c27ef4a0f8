"""Tables whose rows are the parts: each question's own table (several tables numbering their
rows alike), a cell holding working, writing under a table."""

from __future__ import annotations

import textwrap

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed

NUMBER = (TargetSlot("value", numeric=True),)

TWO_TABLES = textwrap.dedent(
    """\
    # Quiz

    ## Question 1: Pooling

    | Part | Question | Answer |
    |---|---|---|
    | 1 | Width after pooling | |
    | 2 | Parameters of the pooling layer | |

    ## Question 2: Optimisers

    | Part | Question | Answer |
    |---|---|---|
    | 1 | Steps in one epoch of 640 images, batches of 64 | |
    | 2 | Momentum coefficient used by default | |
    """
)
TABLE_PARTS = [
    PartPrompt(
        f"{q}.{r}", r, question=q, question_label=f"Question {q}", column="Answer", targets=NUMBER
    )
    for q in "12"
    for r in "12"
]


def _align(printed: str, copy: str, parts: list[PartPrompt]):
    return align_printed(
        textwrap.dedent(copy), read_printed(textwrap.dedent(printed), tuple(parts))
    )


def _filled(q1: tuple[str, str], q2: tuple[str, str]) -> str:
    copy = TWO_TABLES
    for prompt, value in zip(
        (
            "Width after pooling",
            "Parameters of the pooling layer",
            "Steps in one epoch of 640 images, batches of 64",
            "Momentum coefficient used by default",
        ),
        (*q1, *q2),
        strict=True,
    ):
        copy = copy.replace(f"| {prompt} | |", f"| {prompt} | {value} |")
    return copy


def test_each_question_reads_its_own_table_when_the_row_numbers_repeat():
    printed = read_printed(TWO_TABLES, tuple(TABLE_PARTS))
    lines = [printed.lines[p.cells[0].left] for p in printed.parts]
    assert len(set(lines)) == 4
    assert lines == sorted(lines)
    answers = _align(TWO_TABLES, _filled(("14", "0"), ("10", "0.9")), TABLE_PARTS).answers
    assert [answers[p].text for p in ("1.1", "1.2", "2.1", "2.2")] == ["14", "0", "10", "0.9"]


def test_an_empty_second_table_is_blank_not_the_first_tables_values():
    answers = _align(TWO_TABLES, _filled(("14", "0"), ("", "")), TABLE_PARTS).answers
    assert answers["2.1"].text == answers["2.2"].text == ""
    assert answers["1.1"].text == "14"


def test_a_part_whose_question_header_is_missing_reads_no_other_questions_table():
    printed = TWO_TABLES.replace("## Question 2: Optimisers", "Optimisers")
    assert read_printed(printed, tuple(TABLE_PARTS)).part("2.1").cells == ()
    copy = _filled(("14", "0"), ("", "")).replace("## Question 2: Optimisers", "Optimisers")
    answers = _align(printed, copy, TABLE_PARTS).answers
    assert answers["2.1"].text != "14"
    assert answers["2.2"].text != "0"


def test_working_in_a_cell_is_read_once_without_the_tables_border():
    copy = _filled(("(28 - 2)/2 + 1 = 14", "0"), ("10", "0.9"))
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    assert answers["1.1"].text == "(28 - 2)/2 + 1 = 14"
