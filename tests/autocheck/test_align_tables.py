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


def test_an_answer_written_at_the_end_of_its_rows_question_cell_is_that_parts():
    copy = TWO_TABLES.replace("| Width after pooling | |", "| Width after pooling 14 | |")
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    assert answers["1.1"].text == "14"


def test_a_list_under_an_empty_table_answers_its_own_questions_rows():
    copy = _filled(("14", "0"), ("", "")) + "\nQ2 (out of room)\n\n1) 640/64 = 10\n\n2) 0.9\n"
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    assert answers["2.1"].text == "640/64 = 10"
    assert answers["2.2"].text == "0.9"
    assert answers["1.1"].text == "14"
    assert answers["1.2"].text == "0"


def test_a_row_pointing_below_the_table_reads_the_part_named_there():
    copy = _filled(("14", "see below"), ("10", "0.9")).replace(
        "\n## Question 2", "\n↓ Part 2: pooling learns nothing, 0\n\n## Question 2", 1
    )
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    assert answers["1.2"].text.endswith("pooling learns nothing, 0")
    assert answers["1.1"].text == "14"


GRAPH = textwrap.dedent(
    """\
    **Problem 1: A small graph (8 points)**

    Compute $u = 3a$ and $s = u^2$ for $a = 2$.

    | Node | Value | Gradient of s |
    |---|---|---|
    | $u = 3a$ | | |
    | $a$ | 2 | |

    Working:
    """
)
D_U = TargetSlot("du", r"\frac{\partial s}{\partial u}", numeric=True, aliases=("ds/du",))
D_A = TargetSlot("da", r"\frac{\partial s}{\partial a}", numeric=True, aliases=("ds/da",))
GRAPH_PARTS = [
    PartPrompt(
        "1.u",
        "$u = 3a$",
        question="1",
        question_label="Problem 1",
        column="Value",
        targets=(TargetSlot("u", "u", numeric=True),),
    ),
    PartPrompt(
        "1.du",
        "$u = 3a$",
        question="1",
        question_label="Problem 1",
        column="Gradient of s",
        targets=(D_U,),
    ),
    PartPrompt(
        "1.da",
        "$a$",
        question="1",
        question_label="Problem 1",
        column="Gradient of s",
        targets=(D_A,),
    ),
]


def test_named_equations_under_an_empty_table_answer_the_parts_of_their_symbols():
    copy = GRAPH + "\nForward: u = 3 · 2 = 6\n\nBackward: ∂s/∂u = 2u = 12, ∂s/∂a = 3 · ∂s/∂u = 36\n"
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.u"].text == "u = 3 · 2 = 6"
    assert answers["1.du"].text == "∂s/∂u = 2u = 12"
    assert answers["1.da"].text == "∂s/∂a = 3 · ∂s/∂u = 36"


def test_an_equation_under_the_table_for_a_filled_cell_is_its_working_not_another_answer():
    copy = (
        GRAPH.replace("| $u = 3a$ | | |", "| $u = 3a$ | 6 | 12 |") + "\nds/du = 2u = 2 * 6 = 12\n"
    )
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.du"].text == "12"
    assert answers["1.da"].text == ""
    assert answers["1.da"].review == ""


def test_unnamed_numbers_under_a_table_send_its_empty_parts_to_a_person_never_blank():
    copy = GRAPH.replace("| $u = 3a$ | | |", "| $u = 3a$ | 6 | 12 |") + "\n3 * 12 = 36\n"
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert "under the table names no part" in answers["1.da"].review
    assert answers["1.u"].text == "6"
    assert answers["1.u"].review == ""


def test_a_copy_missing_the_second_table_sends_its_parts_to_a_person_not_the_first_tables():
    copy = _filled(("14", "0"), ("", ""))
    copy = copy[: copy.index("## Question 2")]  # the page with Question 2 was not scanned
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    for pid in ("2.1", "2.2"):
        assert answers[pid].text == ""
        assert answers[pid].review
    assert (answers["1.1"].text, answers["1.2"].text) == ("14", "0")


def test_a_named_equation_keeps_its_thousands_separator_and_bracketed_commas():
    copy = GRAPH + "\nu = (3, 2) · (2, 0) = 6, ∂s/∂u = 12, ∂s/∂a = 1,236\n"
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.u"].text == "u = (3, 2) · (2, 0) = 6"
    assert answers["1.da"].text == "∂s/∂a = 1,236"


def test_an_answer_written_after_its_rows_last_border_is_that_rows():
    copy = _filled(("", "0"), ("10", "0.9")).replace(
        "| Width after pooling |  |", "| Width after pooling | | 14\n"
    )
    answers = _align(TWO_TABLES, copy, TABLE_PARTS).answers
    assert answers["1.1"].text == "14"
    assert answers["1.2"].text == "0"


def test_writing_after_a_row_of_several_parts_is_placed_by_the_symbol_it_names():
    copy = GRAPH.replace("| $u = 3a$ | | |", "| $u = 3a$ | 6 | | ∂s/∂u = 12")
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.du"].text == "∂s/∂u = 12"
    assert answers["1.u"].text == "6"


def test_values_named_with_a_colon_or_in_display_math_under_a_table_are_placed():
    copy = GRAPH + "\nu: 6\n\n$$\\frac{\\partial s}{\\partial u} = 2 \\cdot u = 12$$\n"
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.u"].text == "u: 6"
    assert answers["1.du"].text == "$$\\frac{\\partial s}{\\partial u} = 2 \\cdot u = 12$$"
    aligned = GRAPH + "\n$$\\begin{aligned} u &= 6 \\\\\n ds/du &= 12 \\end{aligned}$$\n"
    answers = _align(GRAPH, aligned, GRAPH_PARTS).answers
    assert "6" in answers["1.u"].text
    assert "12" in answers["1.du"].text


def test_a_given_nodes_value_restated_under_the_table_is_no_parts_answer():
    copy = GRAPH.replace("| $u = 3a$ | | |", "| $u = 3a$ | 6 | 12 |") + "\nu: 6\na: 2\n"
    answers = _align(GRAPH, copy, GRAPH_PARTS).answers
    assert answers["1.da"].text == ""
    assert "under the table names no part" in answers["1.da"].review


def test_words_under_a_table_send_its_empty_worded_part_to_a_person_never_blank():
    printed = textwrap.dedent(
        """\
        ## Question 1: Design

        | Part | Question | Answer |
        |---|---|---|
        | 1 | Activation of the hidden layer | |
        | 2 | Number of hidden units | |
        """
    )
    parts = [
        PartPrompt(
            "1.1",
            "1",
            question="1",
            question_label="Question 1",
            column="Answer",
            targets=(TargetSlot("activation"),),
        ),
        PartPrompt(
            "1.2", "2", question="1", question_label="Question 1", column="Answer", targets=NUMBER
        ),
    ]
    copy = printed.replace("| Number of hidden units | |", "| Number of hidden units | 64 |")
    answers = _align(printed, copy + "\nReLU, it is cheap to compute\n", parts).answers
    assert "under the table names no part" in answers["1.1"].review
    assert answers["1.2"].review == ""


LAYERS = """\
    | Layer | Output | Params |
    |---|---|---|
    | conv | | |
    | pool | | |
    """
SHAPE_AND_COUNT = (
    TargetSlot("output", "output", numeric=True, column="Output"),
    TargetSlot("params", "params", numeric=True, column="Params"),
)
LAYER_PARTS = [PartPrompt(f"1.{r}", r, targets=SHAPE_AND_COUNT) for r in ("conv", "pool")]


def test_digits_the_ocr_read_as_letters_in_a_cell_read_as_digits():
    copy = LAYERS.replace("| conv | | |", "| conv | 3Z x 3Z x 8 | 224 |").replace(
        "| pool | | |", "| pool | 16 x 16 x 8 | O |"
    )
    answers = _align(LAYERS, copy, LAYER_PARTS).answers
    assert "output = 32 x 32 x 8" in answers["1.conv"].text
    assert "params = 0" in answers["1.pool"].text
