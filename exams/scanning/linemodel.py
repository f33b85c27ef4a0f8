"""The handwritten-line recogniser: a small CNN + CTC model run with onnxruntime.

The model (``models/handwriting-ctc.onnx``, trained by ``scripts/train_reader.py`` on answers
composed from real handwritten digits, see ``exams.scanning.compose``) maps a line image 24 px
high to per-frame log-probabilities over :data:`CHARSET` plus the CTC blank (index 0).

Besides the best-path read, CTC gives a proper probability for *any* string: the sum over all
frame alignments that collapse to it (the forward algorithm, :func:`string_logprob`). That is
what checks the key's expected value and the typical wrong values against what is written
("4960: p=0.98; 4969: p=0.01"), instead of trusting one free read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

#: What the model writes, after the CTC blank (class 0). ``x`` is a times sign or the letter,
#: ``·`` a multiplication dot (not a decimal point: it sits at mid-height).
CHARSET = "0123456789.,-+x=%()[]/·" + "CHKLNPSWabcdhknpwyz" + "αβηθλμσ"
HEIGHT = 24
MODEL_PATH = Path(__file__).with_name("models") / "handwriting-ctc.onnx"
#: A second model, the same recipe with another seed (other regions, other first weights): a
#: read is only as probable as the less sure of the two finds it, so one model's confident slip
#: is not accepted alone; the free read is the two models' consensus (:func:`consensus`).
SECOND_MODEL_PATH = MODEL_PATH.with_name("handwriting-ctc-2.onnx")
_INDEX = {c: i + 1 for i, c in enumerate(CHARSET)}


def encode(text: str) -> list[int] | None:
    """Class indices of ``text``; None if a character is outside the charset."""
    out = []
    for ch in text:
        if ch == " ":
            continue
        idx = _INDEX.get(ch)
        if idx is None:
            return None
        out.append(idx)
    return out


def line_input(crop: np.ndarray) -> np.ndarray:
    """A cleaned line crop (ink dark on white, uint8) as the model's input, (1, 1, 24, W):
    ink 1, paper 0, scaled to 24 px high keeping the aspect ratio."""
    h, w = crop.shape[:2]
    scale = HEIGHT / max(h, 1)
    width = max(8, round(w * scale))
    resized = cv2.resize(crop, (width, HEIGHT), interpolation=cv2.INTER_AREA)
    arr = 1.0 - resized.astype(np.float32) / 255.0
    return arr[None, None]


@dataclass(frozen=True)
class LineRead:
    """The best-path read of one line and the frames' log-probabilities."""

    text: str
    logprobs: np.ndarray  # (T, classes)
    #: Frame index of each character of ``text`` (where the best path emits it).
    frames: tuple[int, ...]

    @property
    def prob(self) -> float:
        """P(text | line): the read's own probability under CTC."""
        return math.exp(string_logprob(self.logprobs, encode(self.text) or []))


class LineRecogniser:
    """The ONNX models on one thread each: throughput comes from worker processes. The first
    model reads; every model scores (see :data:`SECOND_MODEL_PATH`)."""

    name = "handwriting-ctc"

    def __init__(self, *paths: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._sessions = [
            ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"])
            for p in (paths or (MODEL_PATH,))
        ]
        self._inputs = [s.get_inputs()[0].name for s in self._sessions]

    @property
    def count(self) -> int:
        return len(self._sessions)

    def read_all(self, crop: np.ndarray) -> list[LineRead]:
        """Each model's read of a line, the first model's first."""
        x = line_input(crop)
        out = []
        for session, name in zip(self._sessions, self._inputs, strict=True):
            lp = np.asarray(session.run(None, {name: x})[0][0], dtype=np.float64)  # (T, C)
            text, frames = best_path(lp)
            out.append(LineRead(text, lp, frames))
        return out

    def read(self, crop: np.ndarray) -> LineRead:
        return self.read_all(crop)[0]


def consensus(reads: list[LineRead]) -> LineRead:
    """The models' joint read of a line: their frames' mean log-probabilities, renormalised
    (a product of experts), decoded by best path. One model's read is its own consensus."""
    if len(reads) == 1 or len({r.logprobs.shape for r in reads}) != 1:
        return reads[0]
    lp = np.mean([r.logprobs for r in reads], axis=0)
    lp = lp - np.logaddexp.reduce(lp, axis=1, keepdims=True)
    text, frames = best_path(lp)
    return LineRead(text, lp, frames)


@cache
def recogniser() -> LineRecogniser | None:
    """The process's recogniser (loaded once), None when the model file is absent."""
    if not MODEL_PATH.exists():
        return None
    return LineRecogniser(*(p for p in (MODEL_PATH, SECOND_MODEL_PATH) if p.exists()))


def best_path(logprobs: np.ndarray) -> tuple[str, tuple[int, ...]]:
    """Greedy CTC decoding: the most likely class per frame, repeats merged, blanks dropped."""
    best = logprobs.argmax(axis=1)
    text, frames = [], []
    prev = 0
    for t, k in enumerate(best.tolist()):
        if k != prev and k != 0:
            text.append(CHARSET[k - 1])
            frames.append(t)
        prev = k
    return "".join(text), tuple(frames)


def string_logprob(logprobs: np.ndarray, labels: list[int]) -> float:
    """log P(labels | frames) under CTC: the forward algorithm over all alignments."""
    t_len = logprobs.shape[0]
    n = len(labels)
    if n == 0:
        return float(logprobs[:, 0].sum())
    ext = np.zeros(2 * n + 1, dtype=np.int64)
    ext[1::2] = labels
    s = len(ext)
    # A state may skip the blank before it when its label differs from the one two back.
    skip = np.zeros(s, dtype=bool)
    skip[3::2] = ext[3::2] != ext[1:-2:2]
    neg = -np.inf
    alpha = np.full(s, neg)
    alpha[0] = logprobs[0, 0]
    alpha[1] = logprobs[0, ext[1]]
    for t in range(1, t_len):
        stay = alpha
        step = np.concatenate([[neg], alpha[:-1]])
        jump = np.concatenate([[neg, neg], alpha[:-2]])
        jump = np.where(skip, jump, neg)
        alpha = np.logaddexp(np.logaddexp(stay, step), jump) + logprobs[t, ext]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def strings_logprob(logprobs: np.ndarray, strings: list[list[int]]) -> np.ndarray:
    """:func:`string_logprob` of several label sequences at once: one pass over the frames,
    in the probability domain with a per-frame rescaling (no underflow, no logaddexp)."""
    if not strings:
        return np.zeros(0)
    probs = np.exp(logprobs)
    t_len = probs.shape[0]
    k = len(strings)
    s = 2 * max(len(x) for x in strings) + 1
    ext = np.zeros((k, s), dtype=np.int64)
    valid = np.zeros((k, s), dtype=bool)
    ends = np.zeros(k, dtype=np.int64)
    for i, labels in enumerate(strings):
        n = 2 * len(labels) + 1
        ext[i, 1:n:2] = labels
        valid[i, :n] = True
        ends[i] = n - 1
    skip = np.zeros((k, s), dtype=bool)
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    alpha = np.zeros((k, s))
    alpha[:, 0] = probs[0, 0]
    alpha[:, 1] = np.where(valid[:, 1], probs[0, ext[:, 1]], 0.0)
    log_scale = np.zeros(k)
    nxt = np.empty_like(alpha)
    for t in range(1, t_len):
        nxt[:] = alpha
        nxt[:, 1:] += alpha[:, :-1]
        nxt[:, 2:] += np.where(skip[:, 2:], alpha[:, :-2], 0.0)
        nxt *= probs[t, ext]
        nxt[~valid] = 0.0
        total = nxt.sum(axis=1)
        total[total == 0] = 1.0
        alpha = nxt / total[:, None]
        log_scale += np.log(total)
    rows = np.arange(k)
    last = alpha[rows, ends] + np.where(ends >= 1, alpha[rows, np.maximum(ends - 1, 0)], 0.0)
    with np.errstate(divide="ignore"):
        return np.log(last) + log_scale


@dataclass(frozen=True)
class Grammar:
    """A small automaton over :data:`CHARSET`: the forms a final value may take.

    ``edges`` maps a state to {characters: next state}; a key of several characters stands
    for each of them. State 0 starts; a string is in the grammar when it ends in ``accept``.
    """

    edges: dict[int, dict[str, int]]
    accept: frozenset[int]

    def step(self, state: int, ch: str) -> int | None:
        for chars, nxt in self.edges.get(state, {}).items():
            if ch in chars:
                return nxt
        return None

    def accepts(self, text: str) -> bool:
        state: int | None = 0
        for ch in text:
            state = self.step(state, ch) if state is not None else None
        return state in self.accept


_D = "0123456789"
#: ``-?(\d+(\.\d+)?|\.\d+)%?`` or ``-?\d+/\d+``: an integer, a decimal, a negative, a
#: percentage, a fraction on one line.
NUMBER = Grammar(
    {
        0: {"-": 1, _D: 2, ".": 5},
        1: {_D: 2, ".": 5},
        2: {_D: 2, ".": 3, "%": 6, "/": 7},
        3: {_D: 4},
        4: {_D: 4, "%": 6},
        5: {_D: 4},
        7: {_D: 8},
        8: {_D: 8},
    },
    frozenset({2, 4, 6, 8}),
)
#: ``-?\d+``
INTEGER = Grammar({0: {"-": 1, _D: 2}, 1: {_D: 2}, 2: {_D: 2}}, frozenset({2}))
#: ``\d+(x\d+)+`` or ``\(\d+(,\d+)+\)``: a tensor's shape.
SHAPE = Grammar(
    {
        0: {_D: 1, "(": 4},
        1: {_D: 1, "x": 2},
        2: {_D: 3},
        3: {_D: 3, "x": 2},
        4: {_D: 5},
        5: {_D: 5, ",": 6},
        6: {_D: 7},
        7: {_D: 7, ",": 6, ")": 8},
    },
    frozenset({3, 8}),
)


def best_path_in(logprobs: np.ndarray, grammar: Grammar) -> str | None:
    """The most probable single CTC path whose string is in ``grammar`` (Viterbi over the
    automaton's states and the last frame's class), or None when no path fits. Used when
    the free read breaks the form the key expects ("0.8.10" for a decimal)."""
    chars = sorted({ch for edges in grammar.edges.values() for key in edges for ch in key})
    cols = [0] + [_INDEX[ch] for ch in chars]  # blank first
    lp = logprobs[:, cols]  # (T, 1 + C)
    n_states = 1 + max(max(grammar.edges), *(n for e in grammar.edges.values() for n in e.values()))
    n_cls = len(cols)
    neg = -np.inf
    # score[q, k]: best log-probability of a path in automaton state q whose last frame
    # emitted class k (0: blank); back[t][q, k] = (previous state, previous class).
    score = np.full((n_states, n_cls), neg)
    score[0, 0] = lp[0, 0]
    moves = [(q, k + 1, grammar.step(q, ch)) for q in range(n_states) for k, ch in enumerate(chars)]
    moves = [(q, k, nxt) for q, k, nxt in moves if nxt is not None]
    for q, k, nxt in moves:
        if q == 0:
            score[nxt, k] = max(score[nxt, k], lp[0, k])
    backs = []
    for t in range(1, lp.shape[0]):
        new = np.full_like(score, neg)
        back = np.zeros((n_states, n_cls, 2), dtype=np.int64)
        # Stay: the same class again (a repeat, or blank after anything, in the same state).
        best_prev = score.argmax(axis=1)
        new[:, 0] = score[np.arange(n_states), best_prev] + lp[t, 0]
        back[:, 0, 0] = np.arange(n_states)
        back[:, 0, 1] = best_prev
        new[:, 1:] = score[:, 1:] + lp[t, 1:]
        back[:, 1:, 0] = np.arange(n_states)[:, None]
        back[:, 1:, 1] = np.arange(1, n_cls)[None, :]
        # Emit: a new character, after a blank or another character.
        for q, k, nxt in moves:
            row = score[q].copy()
            row[k] = neg  # the same character twice needs a blank between
            j = int(row.argmax())
            cand = row[j] + lp[t, k]
            if cand > new[nxt, k]:
                new[nxt, k] = cand
                back[nxt, k] = (q, j)
        score = new
        backs.append(back)
    finals = [(score[q, k], q, k) for q in grammar.accept for k in range(n_cls)]
    best, q, k = max(finals, default=(neg, 0, 0))
    if not np.isfinite(best):
        return None
    path = [k]
    for back in reversed(backs):
        q, k = (int(v) for v in back[q, k])
        path.append(k)
    path.reverse()
    out, prev = [], 0
    for k in path:
        if k != prev and k != 0:
            out.append(chars[k - 1])
        prev = k
    return "".join(out)
