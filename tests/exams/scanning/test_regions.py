"""Answer regions as students fill them: specks, lines, brackets, bars, strikes and boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from exams.scanning import compose, regions


@pytest.mark.parametrize("quality", compose.QUALITIES)
def test_an_empty_box_is_blank_specks_and_all(quality):
    rng = np.random.default_rng(1)
    for _ in range(5):
        layout = regions.analyse(compose.blank(rng, quality))
        assert layout.blank
    if quality == "heavy":
        assert layout.specks > 0


def test_specks_do_not_make_a_line_of_their_own(digits_test_split):
    rng = np.random.default_rng(4)
    found = [
        len(
            regions.analyse(
                compose.compose("integer", rng, digits_test_split, quality="heavy").image
            ).lines
        )
        for _ in range(10)
    ]
    assert found.count(1) >= 9


@pytest.mark.parametrize(
    ("kind", "structure"),
    [
        ("vector", "vector"),
        ("matrix", "matrix"),
        ("fraction", "fraction"),
        ("working_lines", "lines"),
    ],
)
def test_stacked_answers_come_out_line_by_line(digits_test_split, kind, structure):
    rng = np.random.default_rng(6)
    right = 0
    for _ in range(10):
        sample = compose.compose(kind, rng, digits_test_split, quality="clean")
        layout = regions.analyse(sample.image)
        right += layout.structure == structure and len(layout.lines) == len(sample.lines)
        if kind == "matrix" and layout.structure == "matrix":
            assert all(len(line.cells) >= 2 for line in layout.lines)
    assert right >= 8


def test_a_crossed_out_attempt_and_a_boxed_answer_are_marked(digits_test_split):
    rng = np.random.default_rng(8)
    crossed = boxed = 0
    for _ in range(10):
        layout = regions.analyse(compose.compose("crossed_out", rng, digits_test_split).image)
        crossed += [line.crossed for line in layout.lines] == [True, False]
        layout = regions.analyse(compose.compose("boxed", rng, digits_test_split).image)
        boxed += [line.boxed for line in layout.lines] == [False, True]
    assert crossed >= 8
    assert boxed >= 8


def test_a_box_touching_the_working_above_it_is_still_a_box(digits_test_split):
    """The box round an answer often touches the line above: they are then one component,
    and the box is found by its long straight sides."""
    rng = np.random.default_rng(21)
    touching = found = 0
    for _ in range(80):
        sample = compose.compose("boxed", rng, digits_test_split, quality="clean")
        grey = np.asarray(sample.image)
        layout = regions.analyse(sample.image)
        merged = _box_touches_writing(grey)
        touching += merged
        found += merged and [line.boxed for line in layout.lines] == [False, True]
    assert touching >= 3
    assert found == touching


def _box_touches_writing(grey: np.ndarray) -> bool:
    """Is the largest ink component (the box) joined to writing above its top side?"""
    _, labels, stats, _ = cv2.connectedComponentsWithStats((grey < 128).astype(np.uint8))
    box = 1 + int(np.argmax(stats[1:, 4]))
    rows = np.flatnonzero((labels == box).sum(axis=1) > 0.5 * stats[box, 2])
    return bool(rows.size) and int(rows[0]) - int(stats[box, 1]) > 3


def test_a_line_crop_is_normalised_ink_black_on_white(digits_test_split):
    rng = np.random.default_rng(2)
    sample = compose.compose("decimal", rng, digits_test_split, quality="light")
    (line,) = regions.analyse(sample.image).lines
    assert line.image.dtype == np.uint8
    assert line.image.min() < 60  # a light scan's pale ink is stretched to black
    assert np.median(line.image) == 255


def test_printed_text_in_the_box_is_not_read_as_writing(digits_test_split):
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(3)
    sample = compose.compose("integer", rng, digits_test_split, quality="clean")
    template = Image.new("L", sample.image.size, 250)
    ImageDraw.Draw(template).text((4, 4), "N =", fill=20, font_size=18)
    scan = sample.image.copy()
    # The print is on the scan too, a pixel off: alignment is never perfect.
    ImageDraw.Draw(scan).text((5, 5), "N =", fill=30, font_size=18)
    plain = regions.analyse(sample.image).lines[0].box
    printed = regions.analyse(scan).lines[0].box
    cleaned = regions.analyse(scan, template=template).lines[0].box
    assert printed[0] < plain[0] - 10  # the print widened the line
    assert abs(cleaned[0] - plain[0]) <= 2
