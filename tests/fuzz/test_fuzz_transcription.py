"""The transcription parser on arbitrary text: autocheck's structure, alignment, extraction
and checking take any text (what OCR makes of a page, a pasted exam) and return their result,
never an exception, a hang or a memory blow-up.

The text is drawn from the pieces exams are made of (headers, part labels, points, LaTeX,
boxed answers, numbers and their hostile forms) mixed with arbitrary characters, and from the
seed transcriptions (read from ../shared/seeds, never copied) cut and spliced.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autocheck.align import align, prompts_from_structure
from autocheck.check import check_part
from autocheck.extract import extract
from autocheck.keys import parse_key, resolve_expected
from autocheck.kinds.base import all_kinds, get
from autocheck.normalise import normalise
from autocheck.structure import propose_structure
from tests.fuzz.conftest import fuzz

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

PIECES = [
    "# Midterm\n",
    "## Question 3 (10 points)\n",
    "Question 12. [7 marks]\n",
    "Problem 2\n",
    "**Q4.** ",
    "(a) ",
    "(b)\n",
    "iv. ",
    "1.a ",
    "2.",
    "Part (c) [3 pts]\n",
    "| Question | Points |\n|---|---|\n| 1 | 10 |\n",
    "Total: 100 points\n",
    "Bonus (5 points)\n",
    "$x = 3$",
    "$$\\frac{1}{2}$$",
    "\\boxed{42}",
    "\\boxed{",
    "}",
    "{",
    "$",
    "\\(",
    "\\]",
    "z_1 = w^T x = 3",
    "\\hat{y} = \\sigma(z)",
    "L = -\\ln 0.3 \\approx 1.20",
    "= 0.5 \\times 4 = 2",
    "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
    "(32, 32, 3)",
    "epochs = 20",
    "Answer: 78",
    "1,234.5",
    "1.234,5",
    "1e308",
    "9" * 500,
    "10^{10^{10}}",
    "9**9**9",
    "\\sqrt{-1}",
    "NaN",
    "\\infty",
    "\x00",
    "\u202e",
    "\ud7ff",
    "\t",
    "\n",
    "\n\n",
    "    ",
]
#: Characters, minus lone surrogates (text from a file or a request is never one).
CHARS = st.characters(blacklist_categories=["Cs"])
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(CHARS, max_size=12)), max_size=40).map(
    "".join
)


@cache
def _seed_texts() -> tuple[str, ...]:
    paths = sorted(SEEDS.glob("*.md")) if SEEDS.is_dir() else []
    texts = tuple(p.read_text(encoding="utf-8") for p in paths if p.name != "README.md")
    if not texts:
        if IN_CI:
            pytest.fail("the seed transcriptions are missing under CI=true (../shared/seeds)")
        pytest.skip("../shared/seeds not available")
    return texts


@st.composite
def spliced_seeds(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_seed_texts()))
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, min(len(text), a + 2000)))
        text = text[:a] + draw(st.one_of(st.sampled_from(PIECES), st.just(""))) + text[b:]
    return text


def _parse(text: str) -> None:
    exam = propose_structure(text)
    prompts = prompts_from_structure(exam)
    alignment = align(text, prompts)
    assert set(alignment.answers) == {p.part_id for p in prompts}
    for answer in alignment.answers.values():
        assert answer.text == text[answer.start : answer.end]


@fuzz(500)
@given(TEXTS)
def test_structure_and_alignment_take_any_text(text: str):
    _parse(text)


@fuzz(40)
@given(spliced_seeds())
def test_structure_and_alignment_take_seed_transcriptions_cut_and_spliced(text: str):
    _parse(text)


KINDS = sorted(kind.name for kind in all_kinds())


@fuzz(500)
@given(TEXTS, st.sampled_from(KINDS), st.lists(st.sampled_from(["z_1", "L", "y", "epochs"])))
def test_extraction_takes_any_text_for_every_kind(text: str, kind: str, symbols: list[str]):
    extraction = extract(text, kind=get(kind), symbols=symbols)
    assert 0.0 <= extraction.confidence <= 1.0
    for candidate in extraction.candidates:
        assert 0 <= candidate.start <= candidate.end <= len(text)


@cache
def _key_and_expected():
    key = parse_key(
        (REPO / "tests" / "corpus" / "keys" / "ece1508-midterm-2025-student.yaml").read_text()
    )
    return key, resolve_expected(key)


@fuzz(300)
@given(st.data(), TEXTS)
def test_checking_any_text_against_every_part_gives_a_verdict(data: st.DataObject, text: str):
    key, expected = _key_and_expected()
    part = data.draw(st.sampled_from(key.parts()))
    verdict = check_part(part, expected[part.id], text)
    assert verdict.verdict
    assert verdict.points is None or 0 <= verdict.points <= part.points


#: Runs of one piece: what makes a regular expression rescan the same text from each of its
#: positions (a run of spaces, newlines or digits). 20,000 characters read in linear time
#: take milliseconds; a quadratic pass took 6 s at 8,000 and would take over a minute here,
#: past the deadline.
RUN_PIECES = [" ", "\n", "\t", "9", "$", "1 ", "1,", "(", "{", "\\", "a ", "(a)\n", "x ", "= "]


def _read_everything(text: str, kind: str) -> None:
    _parse(text)
    extract(text, kind=get(kind), symbols=["z_1"])
    normalise(text)
    key, expected = _key_and_expected()
    part = key.parts()[1]
    check_part(part, expected[part.id], text)


@fuzz(15)
@given(
    st.builds(
        lambda before, piece, n, after: before + piece * n + after,
        st.sampled_from(PIECES),
        st.sampled_from(RUN_PIECES),
        st.integers(2_000, 20_000),
        st.sampled_from(PIECES),
    ),
    st.sampled_from(KINDS),
)
@example(" " * 20_000 + "percent", "percentage")  # autocheck.normalise._PERCENT_WORD_RE
@example("9" * 20_000 + "x", "number")  # autocheck.normalise._SCI_RE
@example("\n" * 20_000, "choice")  # autocheck.extract._ANSWER_LABEL_RE
@example("\t" * 20_000 + "3", "shape")  # autocheck.mathparse.SHAPE_RE
def test_long_runs_are_read_in_linear_time(text: str, kind: str):
    _read_everything(text, kind)
