"""Parts numbered 1.1, 1.2, 2.1 across pages: the student's decimal labels, the notes that
say where on the paper writing is, a number broken over two lines."""

from __future__ import annotations

import textwrap

from autocheck.align import PartPrompt, TargetSlot, align_printed, read_printed
from autocheck.align.own_labels import parse_label

NUMBER = (TargetSlot("value", numeric=True),)

PAGES = textwrap.dedent(
    """\
    ML 101 Final                                   Page 1 of 2

    ## 1 Regularisation (4 points)

    1.1 What is the L2 penalty of w = (1, 2) with lambda = 0.5? (2 points)

    1.2 How many weights does a 10 x 5 dense layer have? (2 points)

    ML 101 Final                                   Page 2 of 2

    ## 2 Sampling (4 points)

    2.1 How many batches of 25 make 400 samples? (2 points)

    2.2 What fraction of 400 samples is 100? (2 points)

    End of the exam.
    """
)
PARTS = [PartPrompt(f"{q}.{n}", f"{q}.{n}", question=q, targets=NUMBER) for q in "12" for n in "12"]


def _align(copy: str):
    return align_printed(copy, read_printed(PAGES, tuple(PARTS))).answers


def _answered(after: str, writing: str) -> str:
    line = next(x for x in PAGES.splitlines() if x.startswith(after))
    return PAGES.replace(line, f"{line}\n\n{writing}", 1)


def test_a_decimal_label_opening_a_line_is_a_label_and_not_a_value():
    assert parse_label("2.2: 0.25").comps == ["2", "2"]
    assert parse_label("Q1.2 50").comps == ["1", "2"]
    bracketed = parse_label("  (2.2) 0.25")
    assert bracketed is not None
    assert bracketed.comps == ["2", "2"]
    assert "  (2.2) 0.25"[bracketed.end :].strip() == "0.25"
    for value in ("0.25", "2.5 x 4", "1.5 = 3/2", "2.2. 0.25"):
        assert parse_label(value) is None


def test_parts_answered_under_their_decimal_labels_out_of_order_go_to_their_parts():
    answers = _align(_answered("2.1 ", "2.2: 0.25\n\n2.1: 16"))
    assert answers["2.1"].text == "16"
    assert answers["2.2"].text == "0.25"


def test_a_note_saying_where_on_the_paper_the_writing_is_is_not_its_value():
    answers = _align(_answered("1.2 ", "10 * 5 = 50\n\n(back of page 1)"))
    assert answers["1.2"].text == "10 * 5 = 50"
    answers = _align(_answered("1.1 ", "0.5 * 5 = 2.5\nPage 1 of 2"))
    assert answers["1.1"].text == "0.5 * 5 = 2.5"


def test_a_number_broken_over_two_lines_goes_to_a_person():
    answers = _align(_answered("1.2 ", "5\n0"))
    assert "broken over two lines" in answers["1.2"].review
    assert _align(_answered("1.2 ", "50"))["1.2"].review == ""


def test_a_number_broken_after_an_equals_sign_goes_to_a_person_but_a_restated_one_not():
    answers = _align(_answered("1.2 ", "10 * 5 = 5\n0"))
    assert "broken over two lines" in answers["1.2"].review
    assert _align(_answered("1.2 ", "10 * 5 = 50\n50"))["1.2"].review == ""


def test_a_page_headers_misread_word_or_number_is_not_the_answer_before_it():
    copy = _answered("1.2 ", "10 * 5 = 50")
    for misread in ("Page 2 of 7", "Page 2 ot 2", "Paqe 2 of 2"):
        answers = _align(copy.replace("Page 2 of 2", misread))
        assert answers["1.2"].text == "10 * 5 = 50", misread
