"""read_answer: the one reading entry point (regions, recogniser, hypotheses, final value)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from exams.scanning import compose, linemodel
from exams.scanning.reading import (
    FREE_TEXT,
    AnswerRead,
    Hypothesis,
    HypothesisScore,
    read_answer,
)


def _logprobs(frames: int, classes: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(frames, classes))
    return x - np.logaddexp.reduce(x, axis=1, keepdims=True)


def test_ctc_string_probabilities_add_up_to_one():
    lp = _logprobs(3, 3, seed=1)  # blank + two classes, three frames
    total = sum(
        np.exp(linemodel.string_logprob(lp, list(s)))
        for n in range(4)
        for s in itertools.product([1, 2], repeat=n)
    )
    assert total == pytest.approx(1.0)


def test_scoring_many_strings_at_once_agrees_with_one_at_a_time():
    lp = _logprobs(30, len(linemodel.CHARSET) + 1, seed=2)
    strings = [[1, 2, 3], [1, 1], [], [5, 5, 5, 2], [4]]
    batch = linemodel.strings_logprob(lp, strings)
    assert batch == pytest.approx([linemodel.string_logprob(lp, s) for s in strings])


@pytest.mark.parametrize("grammar", [linemodel.INTEGER, linemodel.NUMBER, linemodel.SHAPE])
def test_the_constrained_read_is_the_best_path_that_has_the_form(grammar):
    """Against every path of four frames, by brute force."""
    chars = sorted({ch for edges in grammar.edges.values() for key in edges for ch in key})
    cols = [0] + [linemodel.encode(ch)[0] for ch in chars]
    for seed in range(6):
        lp = _logprobs(4, len(linemodel.CHARSET) + 1, seed=seed) * 3
        best, want = -np.inf, None
        for path in itertools.product(range(len(cols)), repeat=4):
            score = sum(lp[t, cols[k]] for t, k in enumerate(path))
            text = "".join(chars[k - 1] for i, k in enumerate(path) if k and k != ([0, *path])[i])
            if score > best and grammar.accepts(text):
                best, want = score, text
        assert linemodel.best_path_in(lp, grammar) == want


@pytest.mark.parametrize(
    ("grammar", "good", "bad"),
    [
        (linemodel.INTEGER, ["7", "-4960"], ["", "-", "4.5", "49x6"]),
        (linemodel.NUMBER, ["0.5", ".5", "-12.25", "45%", "3/4"], ["0.8.10", "4-4", "5.", "x"]),
        (linemodel.SHAPE, ["62x62x16", "(3,224,224)"], ["62", "62xx6", "(3,4", "x62"]),
    ],
)
def test_a_grammar_holds_the_forms_of_its_kind(grammar, good, bad):
    assert all(grammar.accepts(t) for t in good)
    assert not any(grammar.accepts(t) for t in bad)


def test_the_summary_shows_the_read_and_the_hypotheses():
    read = AnswerRead(
        "4960",
        ("N = 155 x 32 = 4960",),
        0.98,
        True,
        (HypothesisScore("4960", "expected", 0.98, "4960"), HypothesisScore("4969", "", 0.01)),
        free_text="4960",
    )
    assert read.summary() == "read 4960 (expected 4960: p=0.98; 4969: p=0.01)"


@pytest.mark.parametrize("quality", compose.QUALITIES)
def test_an_empty_box_with_specks_is_blank(quality):
    read = read_answer(compose.blank(np.random.default_rng(5), quality), kind="integer")
    assert read.blank
    assert read.accepted
    assert read.text == ""


def test_free_text_is_found_line_by_line_but_not_transcribed(digits_test_split, monkeypatch):
    """A part a person grades from the scan: written lines make it not blank, an empty box
    with specks is blank, and no recogniser runs."""

    def no_recogniser(*args, **kwargs):
        raise AssertionError("free text was sent to a recogniser")

    monkeypatch.setattr("exams.scanning.reading._read_with_rapidocr", no_recogniser)
    monkeypatch.setattr("exams.scanning.reading._read_numeric", no_recogniser)
    rng = np.random.default_rng(8)
    written = compose.compose("working_lines", rng, digits_test_split, quality="heavy")
    read = read_answer(written.image, kind=FREE_TEXT)
    assert not read.blank
    assert not read.accepted
    assert not read.transcribed
    assert (read.text, len(read.lines)) == ("", 2)
    assert read.summary() == "2 lines of free text, graded from the scan"
    empty = read_answer(compose.blank(rng, "heavy"), kind=FREE_TEXT)
    assert empty.blank
    assert empty.summary() == "blank"


@pytest.fixture(scope="module")
def model():
    from tests.conftest import require_service

    require_service("reader model", linemodel.MODEL_PATH.exists(), "make reader-model")
    return linemodel.recogniser()


def test_the_shipped_model_reads_held_out_handwriting(model, digits_test_split):
    """A small fixed sample of the held-out split, with a generous floor: the accuracy targets
    are measured by ``python -m bench.reading``."""
    rng = np.random.default_rng(2024)
    exact = accepted_wrong = 0
    n = 0
    for kind in ("integer", "decimal", "negative", "shape"):
        for _ in range(6):
            sample = compose.compose(kind, rng, digits_test_split, quality="clean")
            read = read_answer(sample.image, kind="number" if kind != "shape" else "shape")
            same = read.text.replace(" ", "") == sample.answer.replace(" ", "")
            exact += same
            accepted_wrong += read.accepted and not same
            n += 1
    assert exact >= 0.75 * n
    assert accepted_wrong <= 1


def test_the_expected_value_outscores_a_wrong_one_when_it_is_written(model, digits_test_split):
    rng = np.random.default_rng(77)
    wins = 0
    for _ in range(10):
        sample = compose.compose("integer", rng, digits_test_split, quality="light")
        wrong = str(int(sample.answer) + 1)
        read = read_answer(
            sample.image, kind="integer", hypotheses=[Hypothesis(sample.answer, "expected"), wrong]
        )
        probs = {h.text: h.prob for h in read.hypotheses}
        wins += probs[sample.answer] > probs[wrong]
        if read.accepted:
            assert read.text == sample.answer
    assert wins >= 8


def test_the_final_value_is_read_after_the_working(model, digits_test_split):
    rng = np.random.default_rng(31)
    right = 0
    for _ in range(8):
        sample = compose.compose("working_lines", rng, digits_test_split, quality="clean")
        read = read_answer(sample.image, kind="number", hypotheses=[sample.answer])
        assert len(read.lines) == 2
        right += read.text == sample.answer
    assert right >= 6


def test_a_crossed_out_attempt_is_not_the_answer(model, digits_test_split):
    rng = np.random.default_rng(12)
    right = 0
    for _ in range(8):
        sample = compose.compose("crossed_out", rng, digits_test_split, quality="clean")
        read = read_answer(sample.image, kind="number")
        right += read.free_text == sample.answer and read.lines[0].startswith("~~")
    assert right >= 6
