"""``shape``: a tensor shape such as ``126 x 126 x 1``, a tuple and never its product.

Key: ``answer: {shape: [126, 126, 1]}``, ``convention: HWC``. The same dimensions in another
order (or with size-1 axes dropped or added) are a question of convention: a person decides,
unless the part's flag ``strict_convention`` says the key's order is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from solvers.values import Shape

from autocheck.extract import Candidate, trim
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, OcrForm, Reading, register
from autocheck.mathparse import ONE_AXIS_SHAPE_RE, SHAPE_RE, parse_shape
from autocheck.normalise import normalise
from autocheck.outcome import Comparison, Diagnosis, Read

# after a shape, a separator and something that is no digit ("32 x 32 x lO"), or a letter
# glued to its last digit ("32 x 32 x 1O"): the OCR misread a dimension
_CUT_SHORT_RE = re.compile(r"\s*(?:\\times|×|[xX*])\s*[^\d\s(\[]|(?<=\d)[A-Za-z]")


def compare_shape(expected: Shape, dims: tuple[int, ...]) -> Comparison:
    """Equal tuples; a permutation or a difference in size-1 axes is said so."""
    if tuple(expected.dims) == dims:
        return Comparison(True, 1.0, "exact")
    squeeze_e = tuple(d for d in expected.dims if d != 1)
    squeeze_g = tuple(d for d in dims if d != 1)
    if sorted(expected.dims) == sorted(dims):
        conv = f" (the key uses {expected.convention})" if expected.convention else ""
        return Comparison(False, 0.0, "permuted", f"same dimensions in another order{conv}")
    if squeeze_e == squeeze_g:
        return Comparison(False, 0.0, "singleton_dims", "only size-1 dimensions differ")
    if len(dims) == 1 and len(squeeze_e) > 1:
        # one number for a shape of several axes: a step of the working (one side's size,
        # "(64 + 2 - 3)/2 + 1 = 32"), not the shape the student gave
        return Comparison(
            False, 0.0, "one_axis", "one number where a shape of several axes is asked", True
        )
    return Comparison(False, 0.0, "not_equal")


@register
class ShapeKind(Kind):
    name = "shape"
    value_type = Shape
    key_fields = ("convention",)
    numeric = True

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        value = tuple(
            r.scalar(n, f"{where}[{i}]", int) for i, n in enumerate(r.sequence(node, where))
        )
        if not value or any(v is not None and v < 1 for v in value):
            r.error(node, where, "a shape is a list of positive integers")
        return value

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Shape:
        return Shape(tuple(int(x) for x in spec.value), spec.convention)

    def looks_like(self, s: str) -> bool:
        # a labelled value may have one axis ("output = 10"); a standalone shape needs two
        s = s.strip().strip("$ .")
        return bool(SHAPE_RE.fullmatch(s) or ONE_AXIS_SHAPE_RE.fullmatch(s))

    def standalone(self, text: str) -> list[Candidate]:
        out = []
        for m in SHAPE_RE.finditer(text):
            if _CUT_SHORT_RE.match(text, m.end()):
                continue  # a dimension follows that is not read: the shape is not this prefix
            if len(re.findall(r"\d+", m.group(0))) >= 2:
                a, b = trim(text, m.start(), m.end())
                out.append(Candidate(text[a:b], a, b, "shape"))
        return out

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        norm = normalise(text, kind=self.name, log_base=reading.log_base)
        return Read(self.name, parse_shape(norm), text)

    def compare(
        self, expected: Shape, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        return compare_shape(expected, tuple(got.value))

    def convention_question(self, cmp: Comparison, flags: Mapping[str, Any]) -> bool:
        return cmp.code in ("permuted", "singleton_dims") and not flags.get("strict_convention")

    def diagnose(
        self, expected: Shape, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind != "shape":
            return None
        dims = tuple(got.value)
        if sorted(dims) == sorted(expected.dims) and dims != expected.dims:
            conv = f" ({expected.convention} order)" if expected.convention else ""
            return Diagnosis(
                "shape_permuted",
                f"right dimensions in a different order{conv}: check the axis convention",
            )
        return None

    def as_param(self, got: Read) -> Any:
        return list(got.value)

    def ocr_form(self, value: Shape) -> OcrForm:
        return OcrForm.SHAPE
