"""``vector`` and ``matrix``: reals compared component by component.

Key: ``answer: {vector: [-8, -4]}``, ``answer: {matrix: [[1, 2], [3, 4]]}`` (components may
be LaTeX strings). A column vector written as a row is accepted unless the flag
``orientation_matters`` is set; ``unordered`` accepts the components in any order. The score
is the share of right components (partial credit). Diagnoses: a transposed matrix (``W`` used
for ``W^T``), every component with the opposite sign, twice or half the right value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from solvers.values import Tensor

from autocheck.compare import compare_number
from autocheck.extract import ENV_RE, Candidate, math_candidates
from autocheck.keys.model import LiteralAnswer, Tolerance
from autocheck.kinds.base import Hints, KeyReader, Kind, Reading, register
from autocheck.kinds.number import exact_form_mistakes, number_from_key
from autocheck.mathparse import ParsedNumber, Unreadable, parse_tensor_components, to_float
from autocheck.normalise import normalise
from autocheck.outcome import Comparison, Diagnosis, Read

_LOOKS_RE = re.compile(
    r"\\begin\{(?:[pbvB]?matrix|array)\}|^(?:[\(\[{]|\\\{).*[,;&].*(?:[\)\]}]|\\\})(?:\^\s*\{?\s*(?:T|\\top)\s*\}?)?$",
    re.S,
)
_ARRAY_RE = re.compile(r"\\begin\{array\}\s*\{[^{}]*\}|\\end\{array\}")
_LIST_RE = re.compile(
    r"\[\s*\[[^\[\]]*\](?:\s*,\s*\[[^\[\]]*\])+\s*\]"
    r"|[\(\[]\s*[-−]?[\d.]+(?:\s*,\s*[-−]?[\d.]+)+\s*[\)\]]"
)
_NUM = r"[-−]?\d+(?:\.\d+)?"
# numbers separated by a comma and a space or a sign ("5, -1"; never "1,204")
_BARE_LIST_RE = re.compile(rf"(?m)^[ \t]*({_NUM}(?:[ \t]*,(?:[ \t]+|(?=[-−])){_NUM})+)[ \t]*$")
_TRANSPOSED = "your matrix is transposed (W used where W^T was needed, or the reverse)"


def is_vector_shape(shape: Sequence[int]) -> bool:
    return len(shape) == 1 or 1 in shape


def compare_tensor(
    expected: Tensor,
    values: Sequence[float | ParsedNumber],
    shape: tuple[int, ...],
    tol: Tolerance,
    flags: Mapping[str, Any],
) -> Comparison:
    """Component-wise; vectors of either orientation agree unless ``orientation_matters``."""
    exp_shape = expected.shape
    is_vec = is_vector_shape(exp_shape)
    got_vec = is_vector_shape(shape)
    if (is_vec and got_vec and not flags.get("orientation_matters")) or tuple(exp_shape) == tuple(
        shape
    ):
        exp_vals, got_vals = list(expected.values), list(values)
    elif len(exp_shape) == 2 and tuple(shape) == (exp_shape[1], exp_shape[0]):
        t = [values[c * exp_shape[0] + r] for r in range(exp_shape[0]) for c in range(exp_shape[1])]
        inner = compare_tensor(expected, t, exp_shape, tol, flags)
        return Comparison(
            False,
            0.0,
            "transposed" if inner.equal else "wrong_shape",
            f"shape {shape} where {exp_shape} was expected",
        )
    else:
        return Comparison(
            False, 0.0, "wrong_shape", f"shape {shape} where {exp_shape} was expected"
        )
    if len(exp_vals) != len(got_vals):
        return Comparison(
            False,
            0.0,
            "wrong_length",
            f"{len(got_vals)} components where {len(exp_vals)} were expected",
        )
    if flags.get("unordered"):
        exp_vals = sorted(exp_vals)
        got_vals = sorted(got_vals, key=lambda g: g.value if isinstance(g, ParsedNumber) else g)
    results = [compare_number(e, g, tol).equal for e, g in zip(exp_vals, got_vals, strict=True)]
    right = sum(results)
    score = right / len(results)
    if right == len(results):
        return Comparison(True, 1.0, "within_tolerance")
    wrong = [i + 1 for i, ok in enumerate(results) if not ok]
    return Comparison(False, score, "components_wrong", f"component(s) {wrong} differ")


def tensor_diagnosis(
    expected: Tensor, got: Read, tol: Tolerance, flags: Mapping[str, Any]
) -> Diagnosis | None:
    """Transposed, or every component with the opposite sign, doubled or halved."""
    values, shape = got.value
    if len(values) != len(expected.values):
        return None
    if (
        len(expected.shape) == 2
        and tuple(shape) == (expected.shape[1], expected.shape[0])
        and expected.shape[0] != expected.shape[1]
        and compare_tensor(expected, values, shape, tol, flags).code == "transposed"
    ):
        return Diagnosis("transposed", _TRANSPOSED)
    if (
        len(expected.shape) == 2
        and expected.shape[0] == expected.shape[1]
        and tuple(shape) == tuple(expected.shape)
    ):
        n = expected.shape[0]
        t = tuple(values[c * n + r] for r in range(n) for c in range(n))
        if compare_tensor(expected, t, tuple(shape), tol, flags).equal:
            return Diagnosis("transposed", _TRANSPOSED)
    unnormalised = _unnormalised(expected, values, shape, tol, flags)
    if unnormalised is not None:
        return unnormalised
    for code, message, exact in _exact_mistakes(expected):
        if compare_tensor(exact, values, shape, tol, flags).equal:
            return Diagnosis(code, message, 0.0, exact.latex())
    for code, message, f in (
        ("sign", "every component of your answer has the opposite sign", lambda x: -x),
        ("factor_2", "every component is twice the right value", lambda x: 2 * x),
        ("factor_half", "every component is half the right value", lambda x: x / 2),
    ):
        alt = Tensor(tuple(f(v) for v in expected.values), expected.shape)
        if alt.values != expected.values and compare_tensor(alt, values, shape, tol, flags).equal:
            return Diagnosis(code, message, 0.0, alt.latex())
    return None


def _as_bmatrix(m: re.Match[str]) -> str:
    return r"\begin{bmatrix}" if m.group(0).startswith(r"\begin") else r"\end{bmatrix}"


_TRANSPOSED_RE = re.compile(r"\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)\s*$")


def _transposed(
    values: Sequence[Any], shape: tuple[int, ...]
) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    if len(shape) == 1:
        return tuple(values), (shape[0], 1)
    rows, cols = shape
    return tuple(values[r * cols + c] for c in range(cols) for r in range(rows)), (cols, rows)


def _unnormalised(
    expected: Tensor,
    values: Sequence[Any],
    shape: tuple[int, ...],
    tol: Tolerance,
    flags: Mapping[str, Any],
) -> Diagnosis | None:
    """Probabilities (summing to 1) answered by values proportional to them: the softmax's
    normalisation left out."""
    total = sum(expected.values)
    got = [float(v.value) if isinstance(v, ParsedNumber) else float(v) for v in values]
    if len(got) < 2 or abs(total - 1) > 1e-9 or min(expected.values) <= 0 or min(got) <= 0:
        return None
    scale = sum(got)
    if abs(scale - 1) <= 0.02:
        return None
    alt = Tensor(tuple(v * scale for v in expected.values), expected.shape)
    if compare_tensor(alt, values, shape, tol, flags).equal:
        return Diagnosis(
            "not_normalised",
            "your values are proportional to the right ones but do not add up to 1: divide "
            "each by their sum (the softmax's normalisation)",
            0.0,
            alt.latex(),
        )
    return None


def _exact_mistakes(expected: Tensor) -> Iterator[tuple[str, str, Tensor]]:
    """Component-wise exact-form mistakes (``10^x`` for ``e^x``, ``log_{10}`` for ``ln``)."""
    if expected.exact is None or any(e.free_symbols for e in expected.exact):
        return
    per_component = [list(exact_form_mistakes(e)) for e in expected.exact]
    codes = {code for mistakes in per_component for code, _, _ in mistakes}
    for code in sorted(codes):
        wrong, message = [], ""
        for e, mistakes in zip(expected.exact, per_component, strict=True):
            hit = next(((m, w) for c, m, w in mistakes if c == code), None)
            message = hit[0] if hit else message
            wrong.append(hit[1] if hit else e)
        try:
            values = tuple(to_float(w) for w in wrong)
        except Unreadable:
            continue
        yield code, message, Tensor(values, expected.shape)


class _TensorKind(Kind):
    value_type = Tensor
    numeric = True

    def looks_like(self, s: str) -> bool:
        s = s.strip()
        return bool(s) and bool(_LOOKS_RE.search(s))

    def standalone(self, text: str) -> list[Candidate]:
        out = [
            Candidate(m.group(0), m.start(), m.end(), "matrix")
            for m in ENV_RE.finditer(text)
            if "matrix" in m.group(1) or m.group(1) == "array"
        ]
        out += [
            Candidate(m.group(0), m.start(), m.end(), "matrix") for m in _LIST_RE.finditer(text)
        ]
        # a line that is only numbers and commas ("5, -1"): the components without brackets
        out += [
            Candidate(m.group(1), m.start(1), m.end(1), "matrix")
            for m in _BARE_LIST_RE.finditer(text)
        ]
        return out + math_candidates(text, self, bare_numbers=False)

    def read_text(self, expected: Any, text: str, reading: Reading) -> Read:
        s = _ARRAY_RE.sub(_as_bmatrix, text.strip().rstrip("."))
        mark = _TRANSPOSED_RE.search(s)
        if mark is not None:  # [0.2, 0.5]^T: a column written as a transposed row
            s = s[: mark.start()]
        norm = normalise(s, kind=self.name, log_base=reading.log_base)
        components, shape = parse_tensor_components(norm)
        values = tuple(float(c.value) for c in components)
        if mark is not None:
            values, shape = _transposed(values, shape)
            components = _transposed(components, shape[::-1])[0] if len(shape) == 2 else components
        return Read(self.name, (values, shape), text, parts=components)

    def compare(
        self, expected: Tensor, got: Read, tol: Tolerance, flags: Mapping[str, Any]
    ) -> Comparison:
        values, shape = got.value
        # Each component as written, so "correct to the digits written" applies to each.
        return compare_tensor(expected, got.parts or tuple(values), tuple(shape), tol, flags)

    def diagnose(
        self, expected: Tensor, got: Read, tol: Tolerance, hints: Hints
    ) -> Diagnosis | None:
        if got.kind not in ("vector", "matrix"):
            return None
        return tensor_diagnosis(expected, got, tol, hints.flags)

    def as_param(self, got: Read) -> Any:
        values, shape = got.value
        if len(shape) == 2:
            return [list(values[r * shape[1] : (r + 1) * shape[1]]) for r in range(shape[0])]
        return list(values)


def _components(r: KeyReader, nodes: Sequence[Any], where: str) -> tuple[Any, ...]:
    return tuple(r.scalar(n, f"{where}[{i}]", (int, float, str)) for i, n in enumerate(nodes))


def _tensor(flat: Sequence[Any], shape: tuple[int, ...], log_base: str) -> Tensor:
    nums = [number_from_key(x, log_base) for x in flat]
    exact = tuple(n.exact for n in nums) if all(n.exact is not None for n in nums) else None
    return Tensor(tuple(n.value for n in nums), shape, exact)


@register
class VectorKind(_TensorKind):
    name = "vector"

    def claims(self, value: object) -> bool:
        return isinstance(value, Tensor) and is_vector_shape(value.shape)

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        value = _components(r, r.sequence(node, where), where)
        if len(value) < 1:
            r.error(node, where, "a vector needs at least one component")
        return value

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Tensor:
        return _tensor(spec.value, (len(spec.value),), log_base)


@register
class MatrixKind(_TensorKind):
    name = "matrix"

    def claims(self, value: object) -> bool:
        return isinstance(value, Tensor) and not is_vector_shape(value.shape)

    def key_literal(self, r: KeyReader, node: Any, where: str) -> Any:
        rows = [
            _components(r, r.sequence(rn, f"{where}[{i}]"), f"{where}[{i}]")
            for i, rn in enumerate(r.sequence(node, where))
        ]
        if not rows or len({len(x) for x in rows}) != 1 or not rows[0]:
            r.error(node, where, "a matrix needs rows of equal, non-zero length")
        return tuple(rows)

    def from_key(self, spec: LiteralAnswer, *, log_base: str = "e") -> Tensor:
        rows = spec.value
        return _tensor([x for row in rows for x in row], (len(rows), len(rows[0])), log_base)
