"""Extraction: which value is read as the final answer, by which rule, and what else was seen."""

from __future__ import annotations

import pytest

from autocheck.extract import extract
from autocheck.kinds import get
from autocheck.kinds.choice import extract_choice
from autocheck.kinds.keywords import find_keywords

EPOCHS = "we have $\\frac{20000}{100} = 200$ mini batches\n\nepoch = $\\frac{40000}{200} = 20$"
FORWARD = (
    "$$z_1 = (0.5, 0.5) \\begin{pmatrix} 4 \\\\ 2 \\end{pmatrix} = 2 + 1 = 3$$\n\n"
    "$$y = \\text{ReLU}(3) = 3$$\n\n"
    "$$z_2 = \\begin{bmatrix} 0.5 & 0.5 \\\\ 0.5 & 0.5 \\end{bmatrix} \\begin{pmatrix} 1 \\\\ 3 \\end{pmatrix}"
    " = \\begin{bmatrix} 2 \\\\ 2 \\end{bmatrix}$$\n\n"
    "$$\\hat{x} = \\text{ReLU}(z_2) = \\begin{pmatrix} 2 \\\\ 2 \\end{pmatrix}$$"
)


@pytest.mark.parametrize(
    ("text", "kind", "symbols", "chosen", "rule"),
    [
        ("so the loss is \\boxed{1.204} and later 7", "number", (), "1.204", "boxed"),
        ("working 3 + 4 = 7\nAnswer: 12", "integer", (), "12", "answer-label"),
        ("Ans = 0.25\n", "number", (), "0.25", "answer-label"),
        (EPOCHS, "integer", ("epoch", "epochs"), "20", "target-equation"),
        ("z_2 = 3 + 4 = 7, and w = 9", "number", ("z_2",), "7", "target-equation"),
        (
            "$$L_{CE}(q, q) = -y_3 \\log \\hat y_3 = -\\log 0.3$$\n$$y_1 = y_2 = 0$$",
            "number",
            ("L_{CE}",),
            "-\\log 0.3",
            "target-equation",
        ),
        ("first 3 = 3, then x = 5 = 5", "number", (), "5", "chain"),
        ("reduced by a factor of $\\sqrt{2}$ .", "number", (), "\\sqrt{2}", "math"),
        (
            "The shape of $x$: $126 \\times 126 \\times 1$.",
            "shape",
            ("x",),
            "126 \\times 126 \\times 1",
            "target-equation",
        ),
        ("the output 126x126x1 here", "shape", (), "126x126x1", "shape"),
        ("the output is 126x126x1 here", "shape", (), "126x126x1", "chain"),
        (
            "$$2 \\begin{pmatrix} 4 \\\\ 2 \\end{pmatrix} = \\begin{pmatrix} 8 \\\\ 4 \\end{pmatrix}$$",
            "vector",
            (),
            "\\begin{pmatrix} 8 \\\\ 4 \\end{pmatrix}",
            "chain",
        ),
        ("gradient [8, 4]", "vector", (), "[8, 4]", "matrix"),
        ("it takes 200,000 steps", "integer", (), "200,000", "number"),
        ("squares 4, 1, 9; their mean 14/3", "number", (), "14/3", "number"),
        ("from two points a slope of -2/5", "number", (), "-2/5", "number"),
    ],
)
def test_chosen_candidate(text: str, kind: str, symbols: tuple[str, ...], chosen: str, rule: str):
    ex = extract(text, kind=get(kind), symbols=symbols)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen
    assert ex.chosen.rule == rule
    assert text[ex.chosen.start : ex.chosen.end] == chosen


@pytest.mark.parametrize(
    ("symbols", "kind", "chosen"),
    [
        (("z_1",), "number", "3"),
        (("y",), "number", "3"),
        (("z_2",), "vector", "\\begin{bmatrix} 2 \\\\ 2 \\end{bmatrix}"),
        (("\\hat{x}",), "vector", "\\begin{pmatrix} 2 \\\\ 2 \\end{pmatrix}"),
    ],
)
def test_multi_value_parts_read_each_named_value(symbols: tuple[str, ...], kind: str, chosen: str):
    ex = extract(FORWARD, kind=get(kind), symbols=symbols, multi=True)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


def test_multi_value_part_does_not_fill_a_missing_value_from_a_neighbour():
    ex = extract(FORWARD, kind=get("number"), symbols=("L", "loss"), multi=True)
    assert ex.chosen is None


def test_intermediate_values_of_a_chain_are_kept_as_candidates():
    ex = extract(EPOCHS, kind=get("integer"), symbols=("epoch",))
    texts = [c.text for c in ex.candidates]
    assert "\\frac{40000}{200}" in texts
    assert "200" in texts
    assert ex.chosen is not None
    assert ex.chosen.final


def test_disagreeing_boxes_lower_confidence():
    agree = extract("\\boxed{3} ... \\boxed{3}", kind=get("number"))
    disagree = extract("\\boxed{3} ... \\boxed{4}", kind=get("number"))
    assert disagree.confidence < agree.confidence
    assert disagree.chosen is not None
    assert disagree.chosen.text == "4"


def test_nothing_found():
    ex = extract("I do not know", kind=get("number"))
    assert ex.chosen is None
    assert ex.confidence == 0.0


OPTS = ("batch", "mini-batch")
SYN = {"batch": ("full batch", "batch GD"), "mini-batch": ("minibatch",)}


@pytest.mark.parametrize(
    ("text", "symbol", "option"),
    [
        ("Graph A is batch GD and B is minibatchGD. Graph B is jagged.", "A", "batch"),
        ("Graph A is batch GD and B is minibatchGD. Graph B is jagged.", "B", "mini-batch"),
        ("B: mini-batch, A: full batch", "A", "batch"),
    ],
)
def test_labelled_choices(text: str, symbol: str, option: str):
    ex = extract_choice(
        text,
        symbols=(symbol,),
        options=OPTS,
        synonyms=SYN,
        siblings=("A", "B"),
    )
    assert ex.chosen is not None
    assert ex.chosen.label == option


@pytest.mark.parametrize(
    ("text", "option", "confident"),
    [
        ("Yes. A fully connected net is more flexible, no doubt.", "Yes", True),
        ("No, this is not a good idea.", "No", True),
        ("**True**: because ...", "True", True),
        ("It could be yes or no depending on the data", None, False),
    ],
)
def test_plain_choices(text: str, option: str | None, confident: bool):
    options = ("True", "False") if "True" in text else ("Yes", "No")
    ex = extract_choice(text, options=options)
    if option is not None:
        assert ex.chosen is not None
        assert ex.chosen.label == option
    assert (ex.confidence >= 0.5) is confident


def test_keywords_tolerate_hyphens_and_case():
    found = find_keywords("One hot encoding of the labels", [("one-hot",), ("label", "labels")])
    assert [f is not None for f in found] == [True, True]
    assert find_keywords("an epoch", [("minibatch",)]) == [None]


@pytest.mark.parametrize(
    ("text", "kind", "symbols", "chosen"),
    [
        ("Answer: epochs = 20", "integer", (), "20"),
        ("so the total is $3 \\text{ epochs}$", "integer", (), "3 \\text{ epochs}"),
        ("gradient (−8, −4)", "vector", (), "(−8, −4)"),
    ],
)
def test_more_answer_forms(text: str, kind: str, symbols: tuple[str, ...], chosen: str):
    ex = extract(text, kind=get(kind), symbols=symbols)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


def test_prose_joins_statements():
    ex = extract("we get z_1 = 3 and y = 5", kind=get("number"), symbols=("y",), multi=True)
    assert ex.chosen is not None
    assert ex.chosen.text == "5"


def test_true_false_list_by_item_label():
    text = "(i) True (ii) False (iii) True"
    labels = ("(i)", "(ii)", "(iii)")
    got = []
    for label in labels:
        ex = extract_choice(text, symbols=(label,), options=("True", "False"), siblings=labels)
        assert ex.chosen is not None
        got.append(ex.chosen.label)
    assert got == ["True", "False", "True"]


def test_letter_choice_in_brackets():
    ex = extract_choice("(B) because the curve is noisy", options=("A", "B"))
    assert ex.chosen is not None
    assert ex.chosen.label == "B"


def test_aligned_derivations_are_chains():
    text = "$$\\begin{aligned} N &= 20 \\cdot 40 + 40 \\\\ &= 840 \\end{aligned}$$"
    ex = extract(text, kind=get("integer"), symbols=("N",))
    assert ex.chosen is not None
    assert ex.chosen.text == "840"
    assert ex.chosen.rule == "target-equation"


@pytest.mark.parametrize(
    ("text", "symbols", "chosen"),
    [
        ("So the number of epochs is 20.", ("epochs",), "20"),
        ("The loss equals $-\\ln 0.4$ here", ("loss",), "-\\ln 0.4"),
    ],
)
def test_prose_relations_label_values(text: str, symbols: tuple[str, ...], chosen: str):
    ex = extract(text, kind=get("number"), symbols=symbols, multi=True)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


@pytest.mark.parametrize("label", ["P_A", "PA", "Pa", "p_a"])
def test_an_ocr_flattened_subscript_still_names_its_target(label):
    ex = extract(f"{label} = 0.3", kind=get("number"), symbols=("P_A",), multi=True)
    assert ex.chosen is not None
    assert (ex.chosen.text, ex.chosen.rule) == ("0.3", "target-equation")


def test_case_is_not_folded_when_another_target_would_clash():
    ex = extract(
        "Pa = 0.3", kind=get("number"), symbols=("P_A",), multi=True, sibling_symbols=("p_a",)
    )
    assert ex.chosen is None


@pytest.mark.parametrize(
    ("text", "kind", "symbols", "chosen"),
    [
        ("391 (the last mini-batch has 40 examples)", "integer", (), "391"),
        ("78 (10000 = 78·128 + 16)", "integer", (), "78"),
        ("3 (= 6/2)", "number", (), "3"),
        ("0.844 (then 0.114 and 0.042)", "number", (), "0.844"),
        ("so I = 391 (40 in the last one)", "integer", ("I",), "391"),
        # brackets that are maths, not a note, stay
        ("2(3 + 4) = 14", "integer", (), "14"),
        (r"w = \frac{1}{2}(3 + 5) = 4", "number", ("w",), "4"),
    ],
)
def test_a_note_in_brackets_after_the_value_is_not_the_value(text, kind, symbols, chosen):
    ex = extract(text, kind=get(kind), symbols=symbols)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


@pytest.mark.parametrize(
    ("text", "symbols", "chosen"),
    [
        (r"$\eta: 0.1 \rightarrow 0.01 \rightarrow 0.001$", (r"\eta",), "0.001"),
        ("lr = 0.1 -> 0.01 -> 0.001", ("lr",), "0.001"),
        ("6 / 4 -> 6/2 -> 3", (), "3"),
        ("lr = 0.1 -> then w = 2", ("lr",), "0.1"),  # a new equation is no step of the chain
    ],
)
def test_values_after_arrows_continue_the_chain_they_follow(text, symbols, chosen):
    ex = extract(text, kind=get("number"), symbols=symbols)
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


def test_brackets_after_a_value_and_its_word_are_a_note():
    ex = extract("67 parameters (40 + 27)", kind=get("integer"))
    assert ex.chosen is not None
    assert ex.chosen.text.startswith("67")


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("y ≈ 0.698 (0.7 − 2.2e-3)", "0.698"),  # the brackets work the value out
        ("n = 81 (9 × 9)", "81"),
        ("y = 0.5 (1 − 0.3)", "0.5 (1 − 0.3)"),  # they do not: a product, read whole
    ],
)
def test_brackets_working_out_the_value_before_them_are_its_working(text, chosen):
    ex = extract(text, kind=get("number"), symbols=("y", "n"))
    assert ex.chosen is not None
    assert ex.chosen.text == chosen


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("$x = 0.5$, $y = 0.25$\n$\\boxed{0.75", "0.75"),
        ("$\\cancel{3}$ $v = 2 + 4 = \\boxed{6", "6"),
    ],
)
def test_a_box_left_open_at_the_end_of_the_answer_holds_the_answer(text, chosen):
    # the aligner gives the printed box's closing brace to the print
    ex = extract(text, kind=get("number"))
    assert ex.chosen is not None
    assert (ex.chosen.text, ex.chosen.rule) == (chosen, "boxed")


def test_a_box_left_open_before_more_lines_is_no_box():
    ex = extract("$\\boxed{0.75\n$y = 3$", kind=get("number"))
    assert ex.chosen is not None
    assert ex.chosen.rule != "boxed"


@pytest.mark.parametrize(
    ("text", "chosen"),
    [("Fa1se", "False"), ("Ture", "True"), ("$Flase$", "False"), ("  C0nvex.", "Convex")],
)
def test_a_lone_word_the_ocr_misread_names_the_option_it_comes_from(text, chosen):
    ex = extract_choice(text, options=("True", "False", "Convex", "Concave"))
    assert ex.chosen is not None
    assert ex.chosen.label == chosen


@pytest.mark.parametrize("text", ["Fasle maybe", "Tru", "Frue", "Tuer", "Ftrue"])
def test_a_word_more_than_one_swap_or_slip_away_names_no_option(text):
    assert extract_choice(text, options=("True", "False")).chosen is None
