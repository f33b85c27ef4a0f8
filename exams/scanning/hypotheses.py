"""What the key lets the reader check: the expected value and the typical wrong values.

:func:`reading_plan` turns a part's expected value (a ``solvers.values`` object) into the
kind ``read_answer`` reads and the hypotheses it scores: the expected value first, then the
wrong values a student typically writes (sign, factor 2 or 1/2, powers of ten, log base,
off by one: the value transforms of ``autocheck.kinds.number``). Pure: no Django.
"""

from __future__ import annotations

import math

from .reading import Hypothesis


def number_text(x: float) -> str:
    """A number as a student would write it: up to 4 decimals, no trailing zeros."""
    if not math.isfinite(x):
        return ""
    if abs(x) >= 1e6 or (x != 0 and abs(x) < 1e-3):
        return ""  # scientific notation: not a string of the recogniser's charset
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def reading_plan(value: object) -> tuple[str, tuple[Hypothesis, ...]]:
    """(kind, hypotheses) for an expected value; ("expression", ()) when the value is not a
    number, a shape or a tensor."""
    from autocheck.kinds.number import value_mistakes
    from solvers.values import Integer, Number, Shape, Tensor

    if isinstance(value, Integer):
        e = value.value
        wrong = {e + 1: "off by one", e - 1: "off by one", -e: "sign", 2 * e: "factor 2"}
        if e % 2 == 0:
            wrong[e // 2] = "factor 1/2"
        hyps = [Hypothesis(str(e), "expected")]
        hyps += [Hypothesis(str(v), label) for v, label in wrong.items() if v != e]
        return "integer", _unique(hyps)
    if isinstance(value, Number):
        x = value.value
        expected = number_text(x)
        if not expected:
            return "number", ()
        kind = "number" if float(x).is_integer() else "decimal"
        hyps = [Hypothesis(expected, "expected")]
        for code, _message, transform in value_mistakes(None):
            try:
                text = number_text(transform(x))
            except (ZeroDivisionError, OverflowError, ValueError):
                continue
            if text:
                hyps.append(Hypothesis(text, code.replace("_", " ")))
        return kind, _unique(hyps)
    if isinstance(value, Shape):
        return "shape", (Hypothesis(" x ".join(map(str, value.dims)), "expected"),)
    if isinstance(value, Tensor):
        texts = [number_text(v) for v in value.values]
        if not all(texts):
            return "vector", ()
        if len(value.shape) == 2 and 1 not in value.shape:
            rows, cols = value.shape
            body = ", ".join(
                "[" + ", ".join(texts[r * cols : (r + 1) * cols]) + "]" for r in range(rows)
            )
            return "matrix", (Hypothesis("[" + body + "]", "expected"),)
        return "vector", (Hypothesis("[" + ", ".join(texts) + "]", "expected"),)
    return "expression", ()


def _unique(hyps: list[Hypothesis]) -> tuple[Hypothesis, ...]:
    seen: set[str] = set()
    out = []
    for h in hyps:
        if h.text not in seen:
            seen.add(h.text)
            out.append(h)
    return tuple(out)
