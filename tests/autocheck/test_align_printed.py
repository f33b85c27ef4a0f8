"""Aligning a copy against its printed exam: every layout places the student's writing in the
right part, slot and option; nothing is lost; a copy that does not match is sent to a person."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed
from autocheck.align.tokens import tokenize

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "exams"


def _align(printed: str, copy: str, parts: list[PartPrompt]):
    return align_printed(
        textwrap.dedent(copy), read_printed(textwrap.dedent(printed), tuple(parts))
    )


TF = """\
    Circle True or False.

    (a) Dropout is used at test time. True / False

    (b) Pooling has no weights. True / False

    (c) ReLU is linear everywhere. True / False
    """
TF_PARTS = [PartPrompt(f"1.{x}", f"({x})", options=("True", "False")) for x in "abc"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (r"True / \textcircled{False}", "False"),
        (r"\textcircled{True} / False", "True"),
        ("(True) / False", "True"),
        (r"True / \underline{False}", "False"),
        (r"True \checkmark / False", "True"),
        (r"True / False ✓", "False"),
        (r"\boxed{True} / False", "True"),
        (r"~~\boxed{True}~~ / \boxed{False}", "False"),
        ("True / False F", "F"),
    ],
)
def test_a_mark_on_a_printed_option_reads_as_that_option(written, read):
    copy = TF.replace(
        "(a) Dropout is used at test time. True / False",
        f"(a) Dropout is used at test time. {written}",
    )
    answer = _align(TF, copy, TF_PARTS).answers["1.a"]
    assert answer.text == read
    assert answer.review == ""
    assert _align(TF, copy, TF_PARTS).answers["1.b"].text == ""


def test_two_options_marked_go_to_a_person():
    copy = TF.replace("weights. True / False", r"weights. \boxed{True} / \boxed{False}")
    answer = _align(TF, copy, TF_PARTS).answers["1.b"]
    assert "several options are marked" in answer.review


def test_an_answer_list_after_the_last_item_goes_to_the_parts_it_names():
    copy = TF + "\nAnswers: a F, b T, c F\n"
    answers = _align(TF, copy, TF_PARTS).answers
    assert [answers[f"1.{x}"].text for x in "abc"] == ["F", "T", "F"]
    assert answers["1.c"].evidence == ("answer list: F",)


MC = """\
    **Q1.** Which activation is bounded in (-1, 1)?

    - A. ReLU
    - B. tanh
    - C. softplus

    Your answer: ________

    **Q2.** Which layer has no weights?

    - A. convolution
    - B. max pooling
    - C. dense

    Your answer: ________
    """
MC_PARTS = [PartPrompt(q, f"Q{q}.", options=("A", "B", "C")) for q in "12"]


def test_your_answer_lines_and_circled_letters():
    copy = MC.replace("Your answer: ________", "Your answer: (b)", 1).replace(
        "- B. max pooling", r"- \textcircled{B}. max pooling"
    )
    answers = _align(MC, copy, MC_PARTS).answers
    assert answers["1"].text == "B"
    assert answers["2"].text == "B"
    assert answers["2"].evidence[0].startswith("marked B")


def test_a_printed_option_list_is_never_read_as_the_answer():
    answers = _align(MC, MC, MC_PARTS).answers
    assert answers["1"].text == answers["2"].text == ""
    assert answers["1"].review == ""


def test_two_letters_written_for_one_choice_go_to_a_person():
    copy = MC.replace("Your answer: ________", "Your answer: B or C", 1)
    assert "names several options" in _align(MC, copy, MC_PARTS).answers["1"].review


CHECKBOXES = """\
    1. Which optimizers adapt a step size per parameter?
       - [ ] SGD with momentum
       - [ ] Adagrad
       - [ ] Adam
    """
CHECK_PARTS = [
    PartPrompt("1", "1.", options=("SGD with momentum", "Adagrad", "Adam"), multiple=True)
]


@pytest.mark.parametrize("tick", ["[x]", "[X]", "☑", "[✓]", "[ x ]"])
def test_ticked_boxes_without_letters_read_as_the_options_in_their_position(tick):
    copy = CHECKBOXES.replace("- [ ] Adagrad", f"- {tick} Adagrad").replace(
        "- [ ] Adam", f"- {tick} Adam"
    )
    answer = _align(CHECKBOXES, copy, CHECK_PARTS).answers["1"]
    assert answer.text == "Adagrad, Adam"
    assert answer.review == ""


def test_a_crossed_out_tick_is_no_tick():
    copy = CHECKBOXES.replace("- [ ] Adagrad", "- ~~[x]~~ Adagrad").replace(
        "- [ ] Adam", "- [x] Adam"
    )
    assert _align(CHECKBOXES, copy, CHECK_PARTS).answers["1"].text == "Adam"


FILL = """\
    B1. A 5 x 5 convolution maps 32 x 32 to an output of height ____ and width ____.

    B2. A 2 x 2 pool on 28 x 28 x 6 outputs ______________.
    """
FILL_PARTS = [
    PartPrompt(
        "b.1",
        "B1.",
        targets=(TargetSlot("height", "H", numeric=True), TargetSlot("width", "W", numeric=True)),
    ),
    PartPrompt("b.2", "B2.", targets=(TargetSlot("answer", numeric=True),)),
]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("height 28 and width 28.", "outputs 14 x 14 x 6."),
        (r"height \underline{28} and width \underline{28}.", r"outputs \underline{14 x 14 x 6}."),
        (r"height \_28\_ and width \_28\_.", "outputs 14×14×6."),
    ],
)
def test_values_written_on_blanks_are_labelled_with_their_targets(first, second):
    copy = FILL.replace("height ____ and width ____.", first).replace(
        "outputs ______________.", second
    )
    answers = _align(FILL, copy, FILL_PARTS).answers
    assert answers["b.1"].text == "H = 28\nW = 28"
    assert answers["b.2"].text.replace("×", " x ").split() == ["14", "x", "14", "x", "6"]


def test_values_written_after_the_sentence_fill_its_blanks_in_order():
    copy = FILL.replace("width ____.\n", "width ____.\n\n28, 28\n")
    assert _align(FILL, copy, FILL_PARTS).answers["b.1"].text == "H = 28\nW = 28"


TABLE = """\
    | Layer | Output size | Parameters |
    |---|---|---|
    | input | 32 x 32 x 3 | 0 |
    | conv1 | | |
    | pool1 | | |
    """
ROW_TARGETS = (
    TargetSlot("output", "output", "Output size"),
    TargetSlot("params", "params", "Parameters"),
)
TABLE_PARTS = [PartPrompt(f"3.{r}", r, targets=ROW_TARGETS) for r in ("conv1", "pool1")]


@pytest.mark.parametrize(
    "filled",
    [
        TABLE.replace("| conv1 | | |", "| conv1 | 30 x 30 x 8 | 224 |"),
        "<table><tr><td>Layer</td><td>Output size</td><td>Parameters</td></tr><tr><td>input</td>"
        "<td>32 x 32 x 3</td><td>0</td></tr><tr><td>conv1</td><td>30 x 30 x 8</td><td>224</td>"
        "</tr><tr><td>pool1</td><td></td><td></td></tr></table>",
        "\\begin{tabular}{|l|l|l|}\n\\hline Layer & Output size & Parameters \\\\\n"
        "\\hline input & 32 x 32 x 3 & 0 \\\\\n\\hline conv1 & 30 x 30 x 8 & 224 \\\\\n"
        "\\hline pool1 & & \\\\\n\\hline\n\\end{tabular}",
    ],
)
def test_a_table_row_is_read_cell_by_cell_in_markdown_html_or_latex(filled):
    answers = _align(TABLE, filled, TABLE_PARTS).answers
    assert answers["3.conv1"].text == "output = 30 x 30 x 8\nparams = 224"
    assert answers["3.pool1"].text == ""
    assert answers["3.pool1"].review == ""


def test_a_part_may_be_one_cell_named_by_its_row_and_column():
    parts = [
        PartPrompt("3.c", "conv1", column="Parameters"),
        PartPrompt("3.o", "conv1", column="Output size"),
    ]
    filled = TABLE.replace("| conv1 | | |", "| conv1 | 30 x 30 x 8 | 224 |")
    answers = _align(TABLE, filled, parts).answers
    assert answers["3.c"].text == "224"
    assert answers["3.o"].text == "30 x 30 x 8"


QUIZ = """\
    Q1. How many weights does a 3x3 conv with 32 input and 64 output channels have?

    Q2. How many biases does that layer have?

    Q3. What probability does softmax give each class for the logits (0, 0)?

    Q4. What is the derivative of ReLU at -3?
    """
QUIZ_PARTS = [PartPrompt(q, f"Q{q}.") for q in "1234"]


def test_columns_read_out_of_order_are_aligned_where_they_belong():
    blocks = textwrap.dedent(QUIZ).strip().split("\n\n")
    answered = [f"{b}\n\n{v}" for b, v in zip(blocks, ["18432", "64", "0.5", "0"], strict=True)]
    copy = "\n\n".join(answered[2:] + answered[:2])
    alignment = _align(QUIZ, copy, QUIZ_PARTS)
    assert [alignment.answers[q].text for q in "1234"] == ["18432", "64", "0.5", "0"]
    assert alignment.review == ""


def test_writing_continued_on_the_back_page_goes_to_its_part():
    copy = QUIZ.replace("have?\n\n    Q2.", "have?\n\n    see back page\n\n    Q2.") + (
        "\n    ---\n\n    Q1 (continued): 3 x 3 x 32 x 64 = 18432\n"
    )
    answers = _align(QUIZ, copy, QUIZ_PARTS).answers
    assert "18432" in answers["1"].text
    assert "18432" not in answers["4"].text


def test_a_copy_of_another_exam_goes_to_a_person_as_a_whole():
    alignment = _align(QUIZ, TF.replace("(a)", "1."), QUIZ_PARTS)
    assert alignment.review
    assert all(a.review == alignment.review for a in alignment.answers.values())


def test_a_part_whose_print_is_missing_from_the_copy_is_not_blank():
    copy = QUIZ.replace(
        "Q3. What probability does softmax give each class for the logits (0, 0)?", ""
    )
    answer = _align(QUIZ, copy, QUIZ_PARTS).answers["3"]
    assert answer.text == ""
    assert answer.review.startswith("answer not found")


def test_crossed_out_work_is_left_out_of_the_answer():
    copy = QUIZ.replace("have?\n\n    Q3.", "have?\n\n    ~~32~~ 64\n\n    Q3.")
    assert _align(QUIZ, copy, QUIZ_PARTS).answers["2"].text == "64"


def test_ocr_noise_in_labels_and_digits_is_read_through():
    copy = (
        QUIZ.replace("Q2.", "Q2 ")
        .replace("Q1.", "Ql.")
        .replace("have?\n\n    Q3", "have?\n\n    6l\n\n    Q3")
    )
    parts = [PartPrompt(q, f"Q{q}.", targets=(TargetSlot("answer", numeric=True),)) for q in "1234"]
    assert _align(QUIZ, copy, parts).answers["2"].text == "61"


def _corpus_copies():
    for exam in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for copy in sorted((exam / "students").glob("*.md")):
            yield exam, copy


@pytest.mark.parametrize(("exam", "copy"), list(_corpus_copies()), ids=lambda p: p.name)
def test_every_character_of_a_copy_is_printed_answer_or_unmatched(exam, copy):
    from autocheck.align import key_prompts
    from autocheck.keys import read_key

    key, _ = read_key((exam / "key.yaml").read_text())  # the parts that can be read
    assert key is not None
    text = copy.read_text()
    alignment = align_printed(
        text, read_printed((exam / "printed.md").read_text(), key_prompts(key))
    )
    covered = [False] * len(text)
    spans = [*alignment.prompts, *alignment.unmatched]
    spans += [s for a in alignment.answers.values() for s in a.spans]
    for span in spans:
        assert text[span.start : span.end] == span.text
        for k in range(span.start, span.end):
            covered[k] = True
    lost = [t.text for t in tokenize(text) if not all(covered[t.start : t.end])]
    assert lost == []


MATCHING = """\
    ____ 1. Dropout

    ____ 2. Weight decay

    A. Adds a penalty on the weights.
    B. Zeroes random activations.
    """
MATCH_PARTS = [PartPrompt(f"b.{n}", f"{n}.", options=("A", "B")) for n in "12"]


@pytest.mark.parametrize(
    ("line1", "line2"),
    [
        ("B 1. Dropout", "A 2. Weight decay"),
        (r"\underline{B} 1. Dropout", "~~B~~ A 2. Weight decay"),
    ],
)
def test_a_letter_on_the_blank_before_a_label_answers_that_label(line1, line2):
    copy = MATCHING.replace("____ 1. Dropout", line1).replace("____ 2. Weight decay", line2)
    answers = _align(MATCHING, copy, MATCH_PARTS).answers
    assert (answers["b.1"].text, answers["b.2"].text) == ("B", "A")


def test_an_answer_merged_before_the_next_label_stays_with_its_part():
    printed = "1. How many epochs? \n\n2. How many steps?\n"
    copy = "1. How many epochs?\n\n20 2. How many steps?\n\n400\n"
    answers = _align(printed, copy, [PartPrompt("1", "1."), PartPrompt("2", "2.")]).answers
    assert (answers["1"].text, answers["2"].text) == ("20", "400")


TICKS = """\
    | Statement | Yes | No |
    |---|---|---|
    | S1. Validation data tunes hyperparameters. | | |
    | S2. Momentum needs full batches. | | |
    """
TICK_PARTS = [PartPrompt(f"2.s{n}", f"S{n}.", options=("Yes", "No")) for n in "12"]


@pytest.mark.parametrize(
    ("row1", "row2", "read"),
    [
        ("| X | |", "| | X |", ("Yes", "No")),
        ("| ✓ | |", "| ✓ | |", ("Yes", "Yes")),
        ("| ~~x~~ | x |", "| Yes | |", ("No", "Yes")),
    ],
)
def test_a_tick_in_a_column_named_like_an_option_marks_that_option(row1, row2, read):
    copy = TICKS.replace("hyperparameters. | | |", f"hyperparameters. {row1}").replace(
        "full batches. | | |", f"full batches. {row2}"
    )
    answers = _align(TICKS, copy, TICK_PARTS).answers
    assert (answers["2.s1"].text, answers["2.s2"].text) == read


def test_writing_that_reads_as_no_answer_is_never_blank():
    copy = QUIZ.replace("have?\n\n    Q3.", "have?\n\n    ✓ ✓\n\n    Q3.")
    answer = _align(QUIZ, copy, QUIZ_PARTS).answers["2"]
    assert answer.review == "something is written for this part but was not read as an answer"


SHEET = """\
    Name: ______________    Student number: __________

    1. How many epochs are needed?

    2. Which optimiser has no momentum? A. Adam B. SGD

    3. What is the learning rate at step 10?

    ANSWER SHEET

    Name: ______________

    1. ________        3. ________

    2. ________
    """
SHEET_PARTS = [
    PartPrompt("1", "1."),
    PartPrompt("2", "2.", options=("A", "B")),
    PartPrompt("3", "3."),
]


@pytest.mark.parametrize(
    ("line1", "line2"),
    [
        ("1. 20        3. 0.01", "2. B"),
        ("1. 20 3. 0.01", "2. ____ B"),  # merged by the OCR; written after the blank
        ("1 . 20   3. 1/100", "2. B"),  # the label's dot apart; a number that ends in "3"
    ],
)
def test_an_answer_sheet_line_answers_the_part_its_label_names(line1, line2):
    copy = SHEET.replace("1. ________        3. ________", line1).replace("2. ________", line2)
    answers = _align(SHEET, copy, SHEET_PARTS).answers
    assert answers["1"].text == "20"
    assert answers["2"].text == "B"
    assert answers["3"].text in ("0.01", "1/100")


def test_a_name_on_the_sheet_answers_no_part_and_working_comes_before_the_sheet_value():
    copy = (
        SHEET.replace("Name: ______________\n\n    1.", "Name: Ada Okafor\n\n    1.")
        .replace("at step 10?", "at step 10?\n\n    0.1 / 10 = 0.01")
        .replace("1. ________        3. ________", "1. 20        3. 0.01")
    )
    alignment = _align(SHEET, copy, SHEET_PARTS)
    assert alignment.answers["3"].text == "0.1 / 10 = 0.01\n0.01"
    assert "Ada Okafor" in [s.text for s in alignment.unmatched]
    assert alignment.answers["2"].text == ""  # nothing on its line: it is blank


def test_a_label_printed_in_one_part_only_is_no_answer_sheet():
    printed = "(a) Fill in: the ____ layer.\n\n(b) Give two numbers.\n\n1. ____ 2. ____\n"
    parts = [PartPrompt("1.a", "(a)"), PartPrompt("1.b", "(b)")]
    copy = printed.replace("the ____ layer", "the pooling layer").replace(
        "1. ____ 2. ____", "1. 4 2. 8"
    )
    answers = _align(printed, copy, parts).answers
    assert answers["1.a"].text == "pooling"
    assert "4" in answers["1.b"].text
    assert "8" in answers["1.b"].text


OWN_TABLE = """\
    Problem 3. The network: conv1 = Conv2d(3, 8, 3, padding=1), then pool1 = MaxPool2d(2),
    then fc = Linear(2048, 10).

    (a) For each of the layers conv1, pool1 and fc give the output shape and the number of
    parameters. Draw your own table.

    (b) How many parameters in total?
    """
LAYER_TARGETS = (TargetSlot("output", "shape", numeric=True), TargetSlot("params", "params"))
OWN_PARTS = [
    *(PartPrompt(f"3.{n}", n, targets=LAYER_TARGETS) for n in ("conv1", "pool1", "fc")),
    PartPrompt("3.b", "(b)"),
]


@pytest.mark.parametrize(
    "drawn",
    [
        "| layer | output | params |\n|---|---|---|\n| conv1 | 8x32x32 | 224 |\n"
        "| pool1 | 8x16x16 | 0 |\n| fc | 10 | 20490 |",
        "| layer | # params | output shape |\n|---|---|---|\n| conv1 | 224 | 8x32x32 |\n"
        "| pool1 | 0 | 8x16x16 |\n| fc | 20490 | 10 |",
        "Layer | Output | Params\nconv 1 | 8x32x32 | 224\npool1 | 8x16x16 | 0\nfc | 10 | 20490",
        "conv1: 8x32x32, 224 parameters\npool1 -> 8x16x16, 0\nfc: 10, 20490",
        "conv1: 224 params, 8x32x32\npool1 -> 8x16x16, 0\nfc: 10, 20490",
    ],
)
def test_a_part_not_printed_as_a_label_is_read_from_the_students_own_rows(drawn):
    copy = OWN_TABLE.replace("Draw your own table.\n", "Draw your own table.\n\n" + drawn + "\n")
    alignment = _align(OWN_TABLE, copy, OWN_PARTS)
    for part, shape, params in (("conv1", "8x32x32", "224"), ("pool1", "8x16x16", "0")):
        answer = alignment.answers[f"3.{part}"]
        assert answer.method == "named"
        lines = answer.text.splitlines()
        assert f"shape = {shape}" in lines
        assert any(line.startswith(f"params = {params}") for line in lines)
    assert "shape = 10" in alignment.answers["3.fc"].text.splitlines()
    assert alignment.answers["3.b"].text == ""


def test_a_comment_on_the_printed_line_naming_one_part_answers_it():
    printed = (
        "```\nself.conv1 = nn.Conv2d(3, 8, 3)\nself.fc = nn.Linear(16, 10)\n```\n\n(b) Total?\n"
    )
    copy = printed.replace("(3, 8, 3)", "(3, 8, 3)   # 8x30x30, 224").replace(
        "(16, 10)", "(16, 10)  # 10, 170"
    )
    answers = _align(printed, copy, OWN_PARTS).answers
    assert answers["3.conv1"].text == "shape = 8x30x30\nparams = 224"
    assert answers["3.fc"].text == "shape = 10\nparams = 170"
    assert answers["3.pool1"].method == "not_found"


def test_an_empty_row_of_the_students_table_is_blank_and_a_bare_label_is_not():
    drawn = "| layer | output | params |\n| conv1 | 8x32x32 | 224 |\n| pool1 | | |\nfc:\n"
    copy = OWN_TABLE.replace("Draw your own table.\n", "Draw your own table.\n\n" + drawn)
    answers = _align(OWN_TABLE, copy, OWN_PARTS).answers
    assert (answers["3.pool1"].text, answers["3.pool1"].review) == ("", "")
    assert answers["3.fc"].review.startswith("answer not found")


BUBBLES = """\
    1. Which activation outputs values in (0, 1)?
    ○ A. ReLU
    ○ B. sigmoid

    2. Which is a regulariser?
    ○ A. dropout
    ○ B. a larger learning rate
    """
BUBBLE_PARTS = [PartPrompt(n, f"{n}.", options=("A", "B")) for n in ("1", "2")]


@pytest.mark.parametrize("filled", ["●", "◉", "⊗"])
def test_a_filled_bubble_marks_its_option_and_an_empty_one_read_as_o_is_print(filled):
    copy = BUBBLES.replace("○ B. sigmoid", f"{filled} B. sigmoid").replace("○ A. ReLU", "O A. ReLU")
    copy = copy.replace("○ A. dropout", f"~~{filled}~~ A. dropout").replace(
        "○ B. a larger", f"{filled} B. a larger"
    )
    answers = _align(BUBBLES, copy, BUBBLE_PARTS).answers
    assert (answers["1"].text, answers["2"].text) == ("B", "B")


def test_a_symbol_nobody_reads_as_an_answer_is_never_blank():
    copy = BUBBLES.replace("sigmoid", "sigmoid ⬠")
    answer = _align(BUBBLES, copy, BUBBLE_PARTS).answers["1"]
    assert answer.review == "something is written for this part but was not read as an answer"


PAGES = """\
    Midterm, Page 1 of 2          Student ID: __________

    (a) How many epochs?

    Continued on the next page

    Midterm, Page 2 of 2          Student ID: __________

    (b) How many steps?
    """
PAGE_PARTS = [PartPrompt("1.a", "(a)"), PartPrompt("1.b", "(b)")]


def test_a_student_id_in_a_page_header_answers_no_part_and_the_lines_after_it_are_placed():
    copy = (
        PAGES.replace(
            "Page 1 of 2          Student ID: __________", "Page 1 of 2  Student ID: 4471"
        )
        .replace("How many epochs?", "How many epochs?\n\n    see next page")
        .replace(
            "Page 2 of 2          Student ID: __________",
            "Page 2 of 2  Student ID: 4471\n\n    (a) continued: 20 epochs",
        )
        .replace("How many steps?", "How many steps?\n\n    400")
    )
    alignment = _align(PAGES, copy, PAGE_PARTS)
    # the student's label "(a)" is read as a label, what it labels as the answer
    assert alignment.answers["1.a"].text.endswith("\ncontinued: 20 epochs")
    assert alignment.answers["1.b"].text == "400"
    assert [s.text for s in alignment.unmatched] == ["4471", "4471"]


def test_the_entries_of_one_vector_written_into_printed_brackets_read_as_the_vector():
    printed = "(a) Compute z = W x.\n\nz = [ ____ , ____ ]^T\n\n(b) Next.\n"
    parts = [PartPrompt("1.a", "(a)", targets=(TargetSlot("z", "z", numeric=True),))]
    parts.append(PartPrompt("1.b", "(b)"))
    copy = printed.replace("[ ____ , ____ ]", "[ 5 , -l ]")
    assert _align(printed, copy, parts).answers["1.a"].text == "z = [ 5 , -1 ]^T"
    half = printed.replace("[ ____ , ____ ]", "[ 5 , ____ ]")
    assert _align(printed, half, parts).answers["1.a"].text == "z = [ 5 , ____ ]^T"


CLOZE = """\
    Complete the paragraph.

    A 3 x 3 convolution from 3 to 16 channels has (1) ______ weights and, with biases,
    (2) ______ parameters. One SGD step with learning rate 0.01 and gradient 3 changes the
    weight by (3) ______.
    """
CLOZE_PARTS = [PartPrompt(f"b.{n}", f"({n})") for n in "123"]


def test_a_numbered_blank_inside_running_text_is_its_part():
    copy = (
        CLOZE.replace("(1) ______", "(1) 432")
        .replace("(2) ______", "(2) 448")
        .replace("(3) ______", "(3) -0.03")
    )
    answers = _align(CLOZE, copy, CLOZE_PARTS).answers
    assert [answers[f"b.{n}"].text for n in "123"] == ["432", "448", "-0.03"]


def test_a_negative_value_in_an_answer_list_keeps_its_sign():
    copy = CLOZE + "\n    1) 432 2) 448 3) -0.03\n"
    answers = _align(CLOZE, copy, CLOZE_PARTS).answers
    assert [answers[f"b.{n}"].text for n in "123"] == ["432", "448", "-0.03"]


@pytest.mark.parametrize(("ocr", "printed"), [("O.9", "0.9"), ("l2,OOO", "12,000"), ("l.O", "1.0")])
def test_a_number_read_with_letters_for_digits_meets_the_printed_number(ocr, printed):
    token = tokenize(ocr)[0]
    assert (token.text, token.norm, token.kind) == (ocr, tokenize(printed)[0].norm, "number")


@pytest.mark.parametrize("words", ["e.g. the", "Oil.l", "I.e."])
def test_words_with_dots_stay_words(words):
    assert all(t.kind != "number" for t in tokenize(words))


def test_printed_numbers_the_ocr_misread_are_not_taken_for_writing():
    printed = "(a) With momentum 0.9 over 12,000 steps, the rate?\n\n(b) The decay, 1.0 or 0.5?\n"
    parts = (PartPrompt("1.a", "(a)", question="1"), PartPrompt("1.b", "(b)", question="1"))
    copy = "(a) With momentum O.9 over l2,OOO steps, the rate?\n0.1\n\n(b) The decay, l.O or O.5?\n"
    answers = align_printed(copy, read_printed(printed, parts)).answers
    assert answers["1.a"].text == "0.1"
    assert answers["1.b"].text == ""


def test_a_printed_line_read_out_of_its_order_sends_the_parts_after_it_to_a_person():
    parts = tuple(PartPrompt(f"{q}.a", "(a)", question=q, question_label=f"{q}.") for q in "12")
    printed = (
        "1. Count the kernel weights\nof a 3 by 3 kernel.\n(a) How many weights?\n\n"
        "2. Count the layer outputs\nof the final dense layer.\n(a) How many outputs?\n"
    )
    # two columns read across, on a print that has them one after the other
    copy = (
        "1. Count the kernel weights\n2. Count the layer outputs\nof a 3 by 3 kernel.\n"
        "of the final dense layer.\n(a) How many weights?\n(a) How many outputs?\n9\n10\n"
    )
    answers = align_printed(copy, read_printed(printed, parts)).answers
    assert all("out of its order" in answers[p].review for p in ("1.a", "2.a"))
    assert align_printed(printed, read_printed(printed, parts)).answers["1.a"].review == ""


def test_a_number_right_before_a_bracket_is_a_factor_not_an_answer_list_label():
    printed = "1. First.\n\nAnswer: ______\n\n2. Second.\n\nAnswer: ______\n"
    parts = [PartPrompt(q, f"{q}.", targets=(TargetSlot("v", numeric=True),)) for q in "12"]
    copy = printed.replace("Answer: ______\n\n2.", "Answer: 1(4 - 2)(2) = 4\n\n2.")
    answers = _align(printed, copy, parts).answers
    assert answers["1"].text == "1(4 - 2)(2) = 4"
    assert answers["2"].text == ""


BOXES = """\
    Show your working above the box.

    (a) How many weights does the layer have?

    $\\boxed{\\phantom{000}}$

    (b) How many biases does it have?

    $\\boxed{\\phantom{000}}$
    """
BOX_PARTS = [PartPrompt(f"1.{x}", f"({x})") for x in "ab"]


def test_an_environment_in_the_working_keeps_its_name_beside_a_printed_box():
    working = r"$$\begin{aligned} w &= 3 \cdot 4 \\ &= 12 \end{aligned}$$"
    copy = BOXES.replace(
        "have?\n\n    $\\boxed", f"have?\n\n    {working}\n\n    $\\boxed", 1
    ).replace("{\\phantom{000}}", "{12}", 1)
    answer = _align(BOXES, copy, BOX_PARTS).answers["1.a"]
    assert working in answer.text
    assert "12" in answer.text.replace(working, "")


def test_a_bracket_inside_the_working_is_not_the_printed_boxs():
    working = r"$$\begin{aligned} m &= 0.1 \cdot 2 \\ w &= 1 - \frac{0.2}{0.4} \end{aligned}$$"
    copy = BOXES.replace(
        "biases does it have?\n\n    $\\boxed{\\phantom{000}}$",
        f"biases does it have?\n\n    {working}\n\n    $\\boxed{{0.5}}$",
    )
    answer = _align(BOXES, copy, BOX_PARTS).answers["1.b"]
    assert working in answer.text


ANSWER_BOX = """\
    | Answers on this page | |
    | --- | --- |
    | 4(a) |  |
    | 4(b) Yes / No |  |

    ## Question 4

    4(a) How many epochs does the run take?

    Working:

    4(b) Does the learning rate decay? Explain.

    Explanation:

    | Answers on this page | |
    | --- | --- |
    | 5(a) |  |
    | 5(b) |  |

    ## Question 5

    5(a) How many steps per epoch?

    5(b) How many steps in all?
    """
BOX_PAGE_PARTS = [
    PartPrompt("4.a", "4(a)", question="4"),
    PartPrompt("4.b", "4(b)", options=("Yes", "No"), question="4"),
    PartPrompt("5.a", "5(a)", question="5"),
    PartPrompt("5.b", "5(b)", question="5"),
]


def _box_copy(box_a: str, box_b: str) -> str:
    return (
        ANSWER_BOX.replace("| 4(a) |  |", f"| 4(a) | {box_a} |")
        .replace("| 4(b) Yes / No |  |", f"| 4(b) Yes / No | {box_b} |")
        .replace("Working:\n", "Working:\n    20 + 10 = 30 epochs minus 6\n")
        .replace("Explanation:\n", "Explanation:\n    Yes, it is halved; no, it never stops.\n")
        .replace("| 5(a) |  |", "| 5(a) | 40 |")
    )


def test_a_final_answers_box_apart_from_the_questions_holds_their_answers():
    answers = _align(ANSWER_BOX, _box_copy("24", "No"), BOX_PAGE_PARTS).answers
    assert answers["4.a"].text == "24"
    assert answers["4.b"].text == "No"
    assert answers["5.a"].text == "40"
    assert answers["5.b"].text == ""


def test_an_empty_final_answers_box_leaves_the_working_to_be_read_without_the_next_box():
    answers = _align(ANSWER_BOX, _box_copy("", ""), BOX_PAGE_PARTS).answers
    assert "minus 6" in answers["4.a"].text
    assert "never stops" in answers["4.b"].text
    assert "40" not in answers["4.b"].text
