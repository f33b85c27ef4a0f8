"""Every problem of a key in one run: structural ones and those found by running its solvers."""

from __future__ import annotations

from autocheck.keys.expected import SolveFn, resolve_expected
from autocheck.keys.model import ExamKey, KeyFormatError, KeyIssue
from autocheck.keys.parse import read_key


def validate_key(
    text: str, *, solve: SolveFn | None = None
) -> tuple[ExamKey | None, list[KeyIssue]]:
    """The key as far as it can be read, and all its problems sorted by line.

    Structural problems (a missing field, a wrong type, points that do not add up) do not stop
    the solver calls of the parts that could be read: a solver rejecting its params or a
    ``value:`` it does not produce is reported in the same list, so an instructor fixes a key
    in one pass. YAML syntax errors and oversized keys raise :class:`KeyFormatError`.
    """
    key, issues = read_key(text)
    if key is not None and key.parts():
        try:
            resolve_expected(key, solve=solve)
        except KeyFormatError as exc:
            issues = [*issues, *exc.issues]
    return key, sorted(issues, key=lambda issue: issue.line)
