"""One-part keys written inline, checked against one answer: the tables of the kind tests."""

from __future__ import annotations

from typing import Any

import yaml

from autocheck.check import CheckContext, Verdict, check_part
from autocheck.keys import KeyFormatError, parse_key, resolve_expected


def key_yaml(part: dict[str, Any]) -> str:
    data = {
        "format": 1,
        "key_version": 1,
        "exam": {"id": "kinds"},
        "questions": [{"number": 1, "points": 2, "parts": [{"points": 2, **part}]}],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def check(
    answer: dict[str, Any] | None,
    text: str,
    *,
    symbols: tuple[str, ...] = (),
    flags: dict[str, Any] | None = None,
    decimal_comma: bool | None = None,
    targets: list[dict[str, Any]] | None = None,
    **part: Any,
) -> Verdict:
    """The verdict on ``text`` of a one-part key whose answer is ``answer``."""
    spec: dict[str, Any] = dict(part)
    if targets is not None:
        spec["targets"] = targets
    elif answer is not None:
        spec["answer"] = answer
    if symbols:
        spec["symbols"] = list(symbols)
    if flags:
        spec["flags"] = flags
    key = parse_key(key_yaml(spec))
    expected = resolve_expected(key)
    p = key.parts()[0]
    return check_part(p, expected[p.id], text, context=CheckContext(decimal_comma=decimal_comma))


def key_problem(answer: dict[str, Any]) -> str:
    """The message of the key error a literal answer raises (AssertionError if none)."""
    try:
        parse_key(key_yaml({"answer": answer}))
    except KeyFormatError as exc:
        return str(exc)
    raise AssertionError(f"{answer} is a valid key")


def diagnosis_code(verdict: Verdict) -> str | None:
    return None if verdict.diagnosis is None else verdict.diagnosis.code
