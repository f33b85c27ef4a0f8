"""Read one answer region: the one entry point the pipeline, benchmarks, tests and tools use.

``read_answer(image, kind=..., hypotheses=...) -> AnswerRead``

1. :func:`exams.scanning.regions.analyse` removes specks, finds the lines (and brackets,
   fraction bars, boxes, crossed-out lines, matrix cells). No line: the region is blank.
2. Each line is read: numeric kinds by the handwriting CNN + CTC recogniser
   (:mod:`exams.scanning.linemodel`, trained on real handwritten digits), expressions and
   text by rapidocr's recogniser (better at letters and maths).
3. The final value is taken from the lines: a boxed line, else the last line not crossed out,
   and on that line what follows the last ``=``. Stacked vectors, matrices and fractions are
   rebuilt in the form the key expects (``[1, 2, 3]``, ``[[1, 2], [3, 4]]``, ``3/4``).
4. **The key is checked, not only read**: each hypothesis (the expected value, the typical
   wrong values), in the forms a student writes it, gets its CTC probability on the final
   value's frames. A hypothesis is accepted only when its probability clears
   :data:`THRESHOLDS` (calibrated on the validation split so that accepted misreads stay
   under 0.5%), which also means it beats the free read and every other string.

Pure: no Django. ``AnswerRead.summary()`` is what a TA sees: "read 4960 (expected 4960:
p=0.98; 4969: p=0.01)".
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import numpy as np
from PIL import Image

from . import linemodel, ocr, regions

#: rapidocr's own confidence a read of an expression or of text needs to be accepted: fixed,
#: not calibrated (the calibration is the handwriting model's), and high because rapidocr's
#: confident errors are its usual ones (docs/pipeline-measurements.md).
RAPIDOCR_ACCEPT = 0.97
#: Kinds read by the handwriting recogniser; the others go to rapidocr.
NUMERIC_KINDS = frozenset({"integer", "decimal", "number", "shape", "vector", "matrix"})
#: A part a person grades from the scan (an explanation, a sketch): its lines are found, so
#: that an empty box is blank and a written one is not, but no recogniser transcribes them.
FREE_TEXT = "free_text"


@dataclass(frozen=True)
class Thresholds:
    """Probabilities a read must reach to be accepted without a person."""

    hypothesis: float = 0.9
    free: float = 0.97


@cache
def thresholds() -> Thresholds:
    """The calibrated thresholds shipped beside the model (defaults when absent)."""
    path = linemodel.MODEL_PATH.with_name("thresholds.json")
    if not path.exists():
        return Thresholds()
    data = json.loads(path.read_text())
    return Thresholds(float(data["hypothesis"]), float(data["free"]))


@dataclass(frozen=True)
class Hypothesis:
    """A value the key expects or a typical wrong value, as the key writes it."""

    text: str
    label: str = ""


@dataclass(frozen=True)
class HypothesisScore:
    text: str
    label: str
    #: P(the region says this value): every segment's probability (a vector's entries, a
    #: matrix's cells), each under the less sure model.
    prob: float
    #: The written form that scored best ("0.5" may be written ".5").
    form: str = ""
    #: The probability of its least sure segment (``prob`` itself for a one-segment value):
    #: what acceptance looks at, so that a nine-cell matrix is not held to a product of nine.
    weakest: float = 0.0


@dataclass(frozen=True)
class AnswerRead:
    """What a region says. ``text`` is the final value in the key's form; ``lines`` every
    written line as read (a crossed-out one prefixed with ``~~``); ``accepted`` whether it
    may be trusted without a person; ``hypotheses`` the key's values with their
    probabilities, best first."""

    text: str
    lines: tuple[str, ...] = ()
    confidence: float = 0.0
    accepted: bool = False
    hypotheses: tuple[HypothesisScore, ...] = ()
    engine: str = linemodel.LineRecogniser.name
    structure: str = "lines"
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The recogniser's own read of the final value, its probability, and whether it has the
    #: form the key expects (``text`` is a hypothesis's written form when one was accepted).
    free_text: str = ""
    free_confidence: float = 0.0
    form_ok: bool = True
    #: Whether the free read may be accepted without a hypothesis (one line, or working
    #: ending in "= value"; never a stacked or boxed answer).
    free_allowed: bool = True
    #: False for free text: the lines were found, not read (``lines`` are then empty).
    transcribed: bool = True

    @property
    def blank(self) -> bool:
        return not self.lines

    def as_json(self) -> dict:
        """What a stored transcription keeps of the read (for the TA and for audits)."""
        return {
            "summary": self.summary(),
            "lines": list(self.lines),
            "accepted": self.accepted,
            "structure": self.structure,
            "hypotheses": [
                {"text": h.text, "label": h.label, "p": round(h.prob, 4), "form": h.form}
                for h in self.hypotheses[:6]
            ],
            "notes": list(self.notes),
            "transcribed": self.transcribed,
        }

    def summary(self) -> str:
        """``read 4960 (expected 4960: p=0.98; 4969: p=0.01)``."""
        if self.blank:
            return "blank"
        if not self.transcribed:
            n = len(self.lines)
            return f"{n} line{'s' if n != 1 else ''} of free text, graded from the scan"
        head = f"read {self.free_text or self.text or '?'}"
        shown = [h for h in self.hypotheses if h.prob >= 0.005][:3]
        if not shown:
            return f"{head} (p={self.confidence:.2f})"
        parts = [f"{h.label + ' ' if h.label else ''}{h.text}: p={h.prob:.2f}" for h in shown]
        return f"{head} ({'; '.join(parts)})"


# --------------------------------------------------------------------------- written forms
def _number_forms(text: str) -> list[str]:
    """How a student writes a number: as given, trailing zeros dropped, "0.5" as ".5",
    and rounded to fewer decimals."""
    text = text.strip().replace(" ", "")
    forms = [text]
    m = re.fullmatch(r"(-?)(\d*)\.(\d+)", text)
    if m:
        sign, whole, frac = m.groups()
        value = float(text)
        trimmed = frac.rstrip("0")
        forms.append(f"{sign}{whole or '0'}.{trimmed}" if trimmed else f"{sign}{whole or '0'}")
        for places in range(1, len(trimmed)):
            forms.append(f"{value:.{places}f}")
        if whole in ("", "0"):
            forms += [
                f.replace("0.", ".", 1) for f in list(forms) if f.lstrip("-").startswith("0.")
            ]
    elif re.fullmatch(r"-?\d+", text):
        forms.append(text + ".0")
    out = []
    for f in forms:
        if f and f not in out and linemodel.encode(f) is not None:
            out.append(f)
    return out


def written_forms(text: str) -> list[list[str]]:
    """Per final-value segment, the strings a student may write for ``text``.

    One segment for a number or a shape; one per entry for ``[1, 2, 3]``; one per cell, row
    by row, for ``[[1, 2], [3, 4]]``; two for ``3/4`` written stacked.
    """
    text = ocr.normalise(text)
    if text.startswith("[["):
        return [_number_forms(c) for c in re.findall(r"-?[\d.]+", text)]
    if text.startswith("["):
        return [_number_forms(c) for c in re.findall(r"-?[\d.]+", text)]
    dims = re.fullmatch(r"\(?\s*(\d+(?:\s*[x,]\s*\d+)+)\s*\)?", text, re.IGNORECASE)
    if dims:
        parts = re.split(r"\s*[x,]\s*", dims.group(1).lower())
        return [["x".join(parts), "(" + ",".join(parts) + ")"]]
    if text.endswith("%"):
        return [[f + "%" for f in _number_forms(text[:-1])]]
    fraction = re.fullmatch(r"(-?\d+)\s*/\s*(\d+)", text)
    if fraction:
        return [_number_forms(fraction.group(1)), _number_forms(fraction.group(2))]
    return [_number_forms(text)]


# --------------------------------------------------------------------------- reading
@dataclass
class _Segment:
    """The frames a value is read from (a whole line or cell, or what follows its last =)."""

    logprobs: np.ndarray
    text: str


def _segments_of(read: linemodel.LineRead, *, after_equals: bool) -> _Segment:
    text, lp = read.text, read.logprobs
    if after_equals and "=" in text[:-1]:
        k = text.rindex("=")
        # Frames after the "=" run, so that the value alone is scored.
        start = read.frames[k] + 1
        while start < len(lp) - 1 and lp[start].argmax() == linemodel.CHARSET.index("=") + 1:
            start += 1
        return _Segment(lp[start:], text[k + 1 :])
    return _Segment(lp, text)


def _display(line: str) -> str:
    """A read line with the spaces a person would put: "N = 155 x 32 = 4960"."""
    line = re.sub(r"(?<=[\d)])x(?=[\d(])", " x ", line)
    return re.sub(r"\s*=\s*", " = ", line).strip()


def _value_text(segments: list[str], structure: str, shape_rows: list[int]) -> str:
    if structure == "vector":
        return "[" + ", ".join(segments) + "]"
    if structure == "matrix":
        rows, k = [], 0
        for n in shape_rows:
            rows.append("[" + ", ".join(segments[k : k + n]) + "]")
            k += n
        return "[" + ", ".join(rows) + "]"
    if structure == "fraction":
        return "/".join(segments)
    value = segments[0] if segments else ""
    return _display(value)


def read_answer(
    image: Image.Image | np.ndarray,
    *,
    kind: str = "number",
    hypotheses: Iterable[Hypothesis | str] = (),
    template: Image.Image | np.ndarray | None = None,
) -> AnswerRead:
    """Read one answer region (a grey crop of its box, 150-200 dpi). See the module doc.

    ``kind`` is what the key expects (integer, decimal, number, shape, vector, matrix;
    :data:`FREE_TEXT`, found but not read; anything else, e.g. expression or text, is read
    by rapidocr); ``hypotheses`` the key's
    values to check; ``template`` the same region of the blank page when it holds print.
    """
    layout = regions.analyse(image, template=template)
    if layout.blank:
        notes = (f"{layout.specks} specks ignored",) if layout.specks else ()
        return AnswerRead("", (), 1.0, True, notes=notes)
    if kind == FREE_TEXT:
        lines = tuple("~~" if line.crossed else "" for line in layout.lines)
        return AnswerRead(
            "", lines, 0.0, False, engine="layout", structure=layout.structure,
            notes=("free text: a person grades it from the scan",), transcribed=False,
        )  # fmt: skip
    hyps = [h if isinstance(h, Hypothesis) else Hypothesis(str(h)) for h in hypotheses]
    model = linemodel.recogniser()
    if (kind not in NUMERIC_KINDS and kind != "fraction") or model is None:
        return _read_with_rapidocr(layout, kind)
    return _read_numeric(layout, model, kind, hyps)


def _read_numeric(
    layout: regions.Layout,
    model: linemodel.LineRecogniser,
    kind: str,
    hyps: Sequence[Hypothesis],
) -> AnswerRead:
    structure = layout.structure
    lines: list[str] = []
    # per_model[m]: model m's reads, as (line, [read of each cell, or of the line]).
    per_model: list[list[tuple[regions.Line, list[linemodel.LineRead]]]] = [
        [] for _ in range(model.count)
    ]
    # The free read is the models' consensus (their mean log-probabilities).
    agreed: list[tuple[regions.Line, list[linemodel.LineRead]]] = []
    for line in layout.lines:
        reads = [model.read_all(crop) for crop in (line.cells or (line.image,))]
        for m in range(model.count):
            per_model[m].append((line, [r[m] for r in reads]))
        agreed.append((line, [linemodel.consensus(r) for r in reads]))
        texts = [r.text for r in agreed[-1][1]]
        shown = "  ".join(texts) if line.cells else _display(texts[0])
        lines.append(("~~" if line.crossed else "") + shown)
    shape_rows = [len(rs) for line, rs in agreed if not line.crossed]
    segments = [_final_segments(reads, structure) for reads in per_model]
    free_segments = _final_segments(agreed, structure)
    grammar = _grammar(kind, structure)
    for seg in free_segments:
        # A free read that breaks the form ("0.8.10") becomes the best read that has it.
        if not grammar.accepts(seg.text):
            seg.text = linemodel.best_path_in(seg.logprobs, grammar) or seg.text
    free_strings = [seg.text for seg in free_segments]
    free_text = _value_text(free_strings, structure, shape_rows)
    scores, free_lp = _score(hyps, segments, free_strings)
    notes = list(layout.notes)
    if layout.specks:
        notes.append(f"{layout.specks} specks ignored")
    confidence = math.exp(free_lp)
    form_ok = _form_ok(free_text, kind)
    # A free read is trusted alone only where the layout says which line is the answer: one
    # line, or working ending in "= value". A stacked or boxed answer needs the key's value.
    plain = structure == "lines" and not any(line.boxed for line in layout.lines)
    open_lines = [line for line in layout.lines if not line.crossed]
    plain = plain and (len(open_lines) == 1 or "=" in lines[-1])
    read = AnswerRead(
        free_text, tuple(lines), confidence, False, tuple(scores), structure=structure,
        free_text=free_text, free_confidence=confidence, form_ok=form_ok, free_allowed=plain,
    )  # fmt: skip
    decision = decide(read, thresholds())
    if decision.by_hypothesis:
        return dataclasses.replace(
            read, text=decision.text, confidence=decision.confidence, accepted=True,
            notes=tuple(notes),
        )  # fmt: skip
    if not form_ok:
        article = "an" if kind == "integer" else "a"
        notes.append(f"the final value does not have the form of {article} {kind}")
    if not plain:
        notes.append("several lines: only the key's values are accepted without a person")
    return dataclasses.replace(read, accepted=decision.accepted, notes=tuple(notes))


class Decision(NamedTuple):
    text: str
    confidence: float
    accepted: bool
    by_hypothesis: bool = False


def decide(read: AnswerRead, t: Thresholds) -> Decision:
    """(final value, confidence, accepted without a person) of a read under thresholds
    ``t``: the best hypothesis when it is clearly the answer, else the free read when the
    layout lets it stand alone, it has the form the key expects and it is sure enough.
    ``read_answer`` decides with the shipped thresholds; calibration tries others."""
    scores = list(read.hypotheses)
    if _accepts(scores, read.free_text, read.free_confidence, t.hypothesis):
        return Decision(scores[0].form, scores[0].prob, True, by_hypothesis=True)
    ok = read.free_allowed and read.form_ok and read.free_confidence >= t.free
    return Decision(read.free_text, read.free_confidence, ok)


def _grammar(kind: str, structure: str) -> linemodel.Grammar:
    """The form of each final-value segment: a shape, an integer, else a number."""
    if structure in ("vector", "matrix", "fraction"):
        return linemodel.NUMBER
    return {"shape": linemodel.SHAPE, "integer": linemodel.INTEGER}.get(kind, linemodel.NUMBER)


def _final_segments(
    reads: list[tuple[regions.Line, list[linemodel.LineRead]]], structure: str
) -> list[_Segment]:
    """The frames the final value is read from, for one model's reads."""
    if structure in ("vector", "matrix", "fraction"):
        return [_Segment(r.logprobs, r.text) for line, rs in reads if not line.crossed for r in rs]
    return [_segments_of(_final_line(reads), after_equals=True)]


def _final_line(reads: list[tuple[regions.Line, list[linemodel.LineRead]]]) -> linemodel.LineRead:
    """The boxed line, else the last line not crossed out (else the last line)."""
    boxed = [rs[0] for line, rs in reads if line.boxed and not line.cells]
    if boxed:
        return boxed[-1]
    open_ = [rs[0] for line, rs in reads if not line.crossed and not line.cells]
    return (open_ or [reads[-1][1][0]])[-1]


def _score(
    hyps: Sequence[Hypothesis], segments: list[list[_Segment]], free_strings: list[str]
) -> tuple[list[HypothesisScore], float]:
    """Each hypothesis's probability on the final value's segments (best first), and the
    free read's log-probability. ``segments[m]`` are model m's; a string is as probable as
    the least sure model finds it. Per segment, every string is scored in one pass."""
    n_seg = len(free_strings)
    plans: list[list[list[str]] | None] = []
    for h in hyps:
        per_segment = written_forms(h.text)
        if len(per_segment) == 2 and n_seg == 1 and "/" in h.text:
            per_segment = [[h.text.replace(" ", "")]]  # a fraction written on one line
        ok = len(per_segment) == n_seg and all(per_segment)
        plans.append(per_segment if ok else None)
    # seg_lp[m, j, i]: log P(hypothesis j's forms on segment i) under model m.
    seg_lp = np.zeros((len(segments), len(hyps), max(n_seg, 1)))
    free_lp = np.zeros(len(segments))
    chosen: list[list[str]] = [[] for _ in hyps]
    for m, model_segments in enumerate(segments):
        if len(model_segments) != n_seg:
            seg_lp[m] = -np.inf  # this model split the answer otherwise: no agreement
            free_lp[m] = -np.inf
            continue
        for i, seg in enumerate(model_segments):
            strings = [free_strings[i]]
            owners: list[tuple[int, int]] = []
            for j, plan in enumerate(plans):
                if plan is not None:
                    owners.append((j, len(strings)))
                    strings += plan[i]
            lps = linemodel.strings_logprob(
                seg.logprobs, [linemodel.encode(x) or [] for x in strings]
            )
            free_lp[m] += lps[0]
            for n, (j, start) in enumerate(owners):
                stop = owners[n + 1][1] if n + 1 < len(owners) else len(strings)
                part = lps[start:stop]
                seg_lp[m, j, i] = np.logaddexp.reduce(part)
                if m == 0:
                    chosen[j].append(strings[start + int(np.argmax(part))])
    per_segment_lp = seg_lp.min(axis=0)  # (hyps, segments): the less sure model's
    out = []
    for j, h in enumerate(hyps):
        if plans[j] is None:
            out.append(HypothesisScore(h.text, h.label, 0.0, h.text))
            continue
        form = _value_text(chosen[j], _structure_of(h.text, n_seg), _rows_of(h.text))
        prob = math.exp(per_segment_lp[j].sum())
        weakest = math.exp(per_segment_lp[j].min())
        out.append(HypothesisScore(h.text, h.label, prob, form, weakest))
    out.sort(key=lambda s: -s.prob)
    return out, float(free_lp.min())


def _accepts(
    scores: list[HypothesisScore], free_text: str, free_prob: float, threshold: float
) -> bool:
    """Is the best hypothesis clearly the answer? Its least sure segment reaches the
    threshold, and it is more probable than every other hypothesis and than the free read
    (unless it is the free read)."""
    if not scores:
        return False
    best = scores[0]
    if best.weakest < threshold:
        return False
    if len(scores) > 1 and scores[1].prob >= best.prob:
        return False
    same = best.form.replace(" ", "") == free_text.replace(" ", "")
    return same or best.prob > free_prob


def _structure_of(text: str, n: int) -> str:
    if text.startswith("[["):
        return "matrix"
    if text.startswith("["):
        return "vector"
    return "fraction" if n == 2 and "/" in text else "lines"


def _rows_of(text: str) -> list[int]:
    return [len(re.findall(r"-?[\d.]+", row)) for row in re.findall(r"\[([^\[\]]*)\]", text)]


_FORMS = {
    "integer": re.compile(r"-?\d+"),
    "decimal": re.compile(r"-?\d*\.\d+%?"),
    "number": re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)%?"),
    "shape": re.compile(r"\d+(?: x \d+)+|\(\d+(?:,\d+)+\)"),
    "vector": re.compile(r"\[-?[\d.]+(?:, -?[\d.]+)*\]"),
    "matrix": re.compile(r"\[\[.*\]\]"),
}


def _form_ok(text: str, kind: str) -> bool:
    """Does the final value have the form the key expects (not the whole read: working
    before the answer does not count against it)?"""
    if "/" in text and re.fullmatch(r"-?\d+/\d+", text):
        return kind in ("number", "decimal", "fraction")
    pattern = _FORMS.get(kind)
    return pattern is None or bool(pattern.fullmatch(text))


# --------------------------------------------------------------------------- rapidocr
@cache
def _rapidocr() -> ocr.TranscriptionEngine | None:
    try:
        return ocr.default_engine()
    except RuntimeError:
        return None


def _read_with_rapidocr(layout: regions.Layout, kind: str) -> AnswerRead:
    engine = _rapidocr()
    if engine is None:
        return AnswerRead("", ("?",), 0.0, False, engine="none", notes=("no OCR engine",))
    results = []
    for line in layout.lines:
        res = engine.transcribe(Image.fromarray(line.image))
        results.append((line, res))
    lines = tuple(("~~" if line.crossed else "") + r.text for line, r in results)
    kept = [r for line, r in results if not line.crossed] or [r for _, r in results]
    text = " ".join(r.text for r in kept)
    confidence = min(r.confidence for r in kept)
    repaired = None
    if kind in ("integer", "decimal", "number", "shape"):
        repaired = ocr.repair(text, ocr.AnswerKind(kind))
    if repaired is not None:
        text, confidence = repaired, min(confidence, 0.8)
    form_ok = _form_ok(text, kind)
    accepted = confidence >= RAPIDOCR_ACCEPT and form_ok
    return AnswerRead(
        text, lines, confidence, accepted, engine=engine.name, structure=layout.structure,
        free_text=text, free_confidence=confidence, form_ok=form_ok,
    )  # fmt: skip
