"""autocheck.keys.limits: hostile or mistaken keys fail fast with their line and field.

Each case of issue 13 (aliases expanding to 10^9 values, points of 1e308 or 12345678, a
5,000-digit integer, NUL or a lone surrogate in a title, a 4,000-digit literal, lists nested
20,000 deep) is parsed under a memory cap an expansion would hit.
"""

from __future__ import annotations

import itertools
import resource
from pathlib import Path

import pytest

from autocheck.keys import KeyFormatError, limits, load_key, parse_key, resolve_expected

KEYS = Path(__file__).resolve().parents[1] / "corpus" / "keys"


BASE = """\
format: 1
key_version: 1
exam: {{id: x, title: {title}}}
questions:
  - number: 1
    points: {points}
    parts:
      - {part}
"""


def key(
    *, title: str = '"T"', points: str = "2", part: str = "{points: 2, answer: {number: 3}}"
) -> str:
    """A one-part key; a ``part`` of several lines is indented as a block under ``- ``."""
    return BASE.format(title=title, points=points, part=part)


def block(**fields: str) -> str:
    """A part written as a block mapping (one field a line), for ``key(part=...)``."""
    return "\n        ".join(f"{name}: {value}" for name, value in fields.items())


def laughs(levels: int = 9) -> str:
    """A solver's params as nine lines of lists of aliases: 9^9 values once expanded."""
    lines = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    names = "abcdefghijklmnopqrstuvwxyz"
    for prev, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    params = "".join(f"\n          {line}" for line in lines)
    return key(
        part=f"\n        points: 2\n        solver: fc.params\n        params:{params}\n        value: params"
    )


def issues_of(text: str) -> list[str]:
    with pytest.raises(KeyFormatError) as info:
        parse_key(text)
    return [str(issue) for issue in info.value.issues]


@pytest.fixture(autouse=True)
def memory_cap():
    """Parsing any of these under 1.5 GiB of address space: an expansion would hit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = 1536 * 2**20 + _current_address_space()
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _current_address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def test_the_billion_laughs_are_refused_at_once():
    text = laughs()
    assert len(text) < 1500
    [issue] = issues_of(text)
    assert "expands to more than 200,000 values" in issue
    # Refused at the first anchor whose expansion is too large, before anything walks it.
    assert issue.startswith("line 17: questions[0].parts[0].params.f:")


def test_an_alias_reusing_params_is_still_allowed():
    """The ECE1508 key shares one solver's params between two parts with &autoencoder."""
    text = (KEYS / "ece1508-midterm-2025-student.yaml").read_text()
    assert "*autoencoder" in text
    parsed = parse_key(text)
    assert parsed.part("3.2").solver.params == parsed.part("3.3").solver.params


def test_an_alias_inside_its_own_anchor_is_refused():
    part = block(points="2", solver="fc.params", params="&p {x: [1, *p]}", value="params")
    [issue] = issues_of(key(part=part))
    assert "the alias *p is inside its own anchor" in issue


def test_aliases_cannot_nest_deeper_than_the_limit():
    lines = ["l0: &l0 [1]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 40)]
    params = "".join(f"\n          {line}" for line in lines)
    part = block(points="2", solver="fc.params", params=params, value="params")
    [issue] = issues_of(key(part=part))
    assert "nested more than 32 levels deep (aliases expanded)" in issue


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("1e308", "expected an integer or a number, got '1e308'"),  # YAML 1.1: text
        ("1.0e+308", "1.0e+308 is out of range (a finite number up to 1e18)"),
        ("12345.5", "12345.5 points; at most 10,000"),
        ("12345678", "12345678 points; at most 10,000"),
        ("9" * 5000, "an integer of 5,000 digits; at most 18"),
        ("1.0e+400", "1.0e+400 is out of range"),
        (".nan", ".nan is out of range"),
        ("-.inf", "-.inf is out of range"),
        ("0.125", "0.125 points: give at most two decimals"),
        ("0." + "1" * 60, "a number written with 62 characters; at most 40"),
    ],
)
def test_points_must_be_in_range(points: str, message: str):
    issues = issues_of(key(points=points))
    assert any(i.startswith(f"line 6: questions[0].points: {message}") for i in issues), issues


@pytest.mark.parametrize(
    ("title", "message"),
    [
        (r'"a\0b"', "a NUL character (a control character)"),
        (r'"a\ud800b"', "the character U+D800 (a lone surrogate)"),
        (r'"bell\a"', "the character U+0007 (a control character)"),
        ('"' + "x" * 201 + '"', "the text is 201 characters long; at most 200"),
    ],
)
def test_text_must_be_storable(title: str, message: str):
    [issue] = issues_of(key(title=title))
    assert issue.startswith("line 3: exam.title:")
    assert message in issue


def test_a_4000_digit_literal_is_refused_before_it_is_read():
    [issue] = issues_of(key(part='{points: 2, answer: {number: "%s"}}' % ("9" * 4000)))
    assert issue == (
        "line 8: questions[0].parts[0].answer.number: the text is 4,000 characters long; "
        "at most 400"
    )


def test_lists_nested_20000_deep_are_refused_without_recursion():
    deep = "[" * 20_000 + "]" * 20_000
    [issue] = issues_of(key(part="{points: 2, answer: {vector: " + deep + "}}"))
    assert issue.startswith("line 8: questions[0].parts[0].answer.vector[0][0]")
    assert issue.endswith("nested more than 32 levels deep")


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            "{points: 2, answer: !!python/object:os.system {number: 3}}",
            "the YAML tag !!python/object:os.system is not allowed",
        ),
        (
            "{points: 2, answer: {number: !!binary aGVsbG8=}}",
            "the YAML tag !!binary is not allowed",
        ),
        ("{points: 2, answer: {number: !local 3}}", "the YAML tag !local is not allowed"),
        ("{points: 2, answer: {number: 3}, <<: {label: x}}", "a merge key (<<) is not allowed"),
        (
            "{points: 2, solver: fc.params, params: {? [1, 2] : 3}, value: params}",
            "mapping keys must be plain names",
        ),
        ("{points: 2, answer: {number: 3}, prompt: 2025-13-45}", "cannot read '2025-13-45'"),
    ],
)
def test_only_plain_yaml_is_read(part: str, message: str):
    issues = issues_of(key(part=part))
    assert any(message in issue for issue in issues), issues


def test_a_character_yaml_refuses_is_a_key_error_with_its_line():
    """Found by the fuzz suite: YAML's reader refuses it before composing starts."""
    [issue] = issues_of(key() + "# a comment\n\x08\n")
    assert issue == "line 10: (yaml): the character U+0008 is not allowed in YAML; remove it"


def test_a_document_that_is_only_a_number_names_the_key():
    """Found by the long fuzz run: the issue of a top-level value had an empty field."""
    [issue] = issues_of("0000000000000000000")
    assert issue == "line 1: key: an integer of 19 digits; at most 18"


def test_a_key_file_that_is_not_utf8_is_a_key_error(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_bytes(key().encode() + b"# caf\xe9\n")
    with pytest.raises(KeyFormatError) as info:
        load_key(str(path))
    assert [str(i) for i in info.value.issues] == ["line 9: (file): not UTF-8 text"]


def test_a_key_too_long_is_refused_before_parsing():
    text = key() + "#" * limits.MAX_KEY_CHARS
    [issue] = issues_of(text)
    assert "characters; a key has at most 524,288" in issue


def test_a_key_with_too_many_parts_is_refused():
    parts = "".join(
        f"\n      - {{number: {i}, points: 0, descriptive: true}}"
        for i in range(limits.MAX_PARTS + 1)
    )
    text = key(points="0").replace("\n      - {points: 2, answer: {number: 3}}", parts)
    [issue] = issues_of(text)
    assert issue == "line 1: questions: 1,001 parts; an exam has at most 1,000"


def test_the_seed_keys_are_within_every_limit():
    for path in sorted(KEYS.glob("*.yaml")):
        resolve_expected(parse_key(path.read_text()))


def test_params_may_hold_any_plain_data_within_the_limits():
    """Free-form params escape the key's field rules (titles, points), not the general ones."""
    params = "{title: " + "t" * 300 + ", points: 123456789, nested: [[1.5e-300]]}"
    part = block(points="2", solver="fc.params", value="params", params=params)
    parsed = parse_key(key(part=part))
    assert parsed.part("1").solver.params["points"] == 123456789
    with pytest.raises(KeyFormatError, match="an integer of 19 digits"):
        parse_key(key(part=part.replace("123456789", "1234567890123456789")))
