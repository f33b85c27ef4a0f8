"""The answer-key loader on arbitrary and mutated keys: an ExamKey or a KeyFormatError whose
every issue has a line and a field, never another exception, a hang or a memory blow-up.

Mutations start from the project's own keys (tests/corpus/keys, the demo's key) and apply
what a mistaken or hostile author writes: values replaced by huge, non-finite or escaped
ones, YAML anchors, aliases and tags, deep nesting, lines dropped, repeated or re-indented.
A key that parses is also exported and parsed back, and its solvers run.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from autocheck.keys import ExamKey, KeyFormatError, export_key, parse_key, resolve_expected
from tests.fuzz.conftest import fuzz

REPO = Path(__file__).resolve().parents[2]
SEED_KEYS = [
    *sorted((REPO / "tests" / "corpus" / "keys").glob("*.yaml")),
    REPO / "demo" / "midterm.yaml",
    REPO / "bench" / "exam6.yaml",
]
SEED_TEXTS = [p.read_text() for p in SEED_KEYS]

#: Values that broke, or could break, a reader: numbers past every range, non-finite ones,
#: escapes YAML turns into NUL, control characters or lone surrogates, YAML's other types.
HOSTILE_VALUES = [
    "1e308",
    "1.0e+308",
    "-1.0e+400",
    ".nan",
    ".inf",
    "-.inf",
    "9" * 5000,
    "12345678",
    "0.001",
    "-0",
    "0x7fffffffffffffffff",
    "0b" + "1" * 80,
    "190:20:30:10:10:10:10",
    '"' + "9" * 4000 + '"',
    '"\\0"',
    '"a\\ud800b"',
    '"\\x07\\e\\x1b"',
    "'" + "x" * 20_000 + "'",
    "[" * 40 + "]" * 40,
    "{" * 40 + "}" * 40,
    "&a [1, 2, 3]",
    "*a",
    "&x [*x]",
    "!!python/object:os.system ls",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!local 3",
    "2025-13-45",
    "2025-02-27",
    "{? [1, 2] : 3}",
    "{<<: {a: 1}}",
    "~",
    "null",
    "yes",
    "''",
    "|\n  block",
    "\\frac{1}{0}",
    "10^10^10^10",
    "9**9**9**9",
    "e^{e^{e^{99}}}",
    "\\sqrt{-1}",
    "[[1, 2], [3]]",
    "[]",
    "{}",
]


@st.composite
def mutated_keys(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEED_TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "value", "drop", "repeat", "indent", "insert"]))
        line = lines[i]
        if op == "value" and ":" in line:
            head = line.split(":", 1)[0]
            value = draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=20)))
            lines[i] = f"{head}: {value}"
        elif op == "drop":
            del lines[i]
        elif op == "repeat":
            lines[i:i] = [line] * draw(st.integers(1, 3))
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 12)) + line.lstrip()
        else:
            lines.insert(i, draw(st.text(max_size=40)))
    return "\n".join(lines)


def _issues_are_located(error: KeyFormatError) -> bool:
    return bool(error.issues) and all(
        issue.line >= 1 and issue.field and issue.message for issue in error.issues
    )


def _check(text: str) -> ExamKey | None:
    try:
        key = parse_key(text)
    except KeyFormatError as exc:
        error = exc
    else:
        assert parse_key(export_key(key)) == key
        try:
            resolve_expected(key)
        except KeyFormatError as exc:
            error = exc
        else:
            return key
    assert _issues_are_located(error), error.issues
    return None


@fuzz(600)
@given(st.text(max_size=400))
def test_arbitrary_text_is_a_key_or_a_key_error(text: str):
    _check(text)


@fuzz(500)
@given(mutated_keys())
def test_mutated_keys_are_a_key_or_a_key_error(text: str):
    _check(text)


_PLAIN = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
_TREES = st.recursive(
    _PLAIN,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)


@st.composite
def key_shaped(draw: st.DrawFn) -> str:
    """Data shaped like a key (the right top-level fields, parts with forms) with arbitrary
    values in it, dumped as YAML."""
    part = draw(
        st.fixed_dictionaries(
            {"points": _PLAIN},
            optional={
                "number": _PLAIN,
                "label": _PLAIN,
                "answer": _TREES,
                "solver": st.sampled_from(["fc.params", "training.schedule", "conv.shape"]),
                "params": _TREES,
                "value": _PLAIN,
                "targets": _TREES,
                "rubric": _TREES,
                "region": _TREES,
                "tolerance": _TREES,
            },
        )
    )
    data = {
        "format": 1,
        "key_version": draw(_PLAIN),
        "exam": {"id": draw(_PLAIN), "total_points": draw(_PLAIN)},
        "questions": [{"number": draw(_PLAIN), "points": draw(_PLAIN), "parts": [part]}],
    }
    return yaml.safe_dump(data, allow_unicode=True)


@fuzz(400)
@given(key_shaped())
def test_key_shaped_data_with_arbitrary_values_is_a_key_or_a_key_error(text: str):
    _check(text)
