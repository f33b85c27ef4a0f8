"""Every registered solver is cross-checked against PyTorch (tests/solvers/crosscheck/), or
docs/solvers.md says why PyTorch cannot check it. Runs without torch."""

from __future__ import annotations

import re
from pathlib import Path

from solvers.registry import names

ROOT = Path(__file__).resolve().parents[2]
CROSSCHECK = ROOT / "tests" / "solvers" / "crosscheck"
DOCS = ROOT / "docs" / "solvers.md"


def cross_checked() -> set[str]:
    found: set[str] = set()
    for path in CROSSCHECK.glob("test_*.py"):
        found |= set(re.findall(r'@crosscheck\("([\w.]+)"', path.read_text()))
    return found


def not_checkable() -> dict[str, str]:
    """The table under "Solvers PyTorch cannot check": solver -> reason."""
    text = DOCS.read_text()
    section = text.split("### Solvers PyTorch cannot check", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([\w.]+)` \| (.*?) \|$", section, flags=re.MULTILINE)
    return dict(rows)


def test_every_solver_is_cross_checked_or_documented_as_not_checkable() -> None:
    checked, listed = cross_checked(), not_checkable()
    registered = set(names())
    assert not checked & set(listed), f"both cross-checked and listed: {checked & set(listed)}"
    missing = registered - checked - set(listed)
    assert not missing, f"neither cross-checked nor listed in docs/solvers.md: {sorted(missing)}"
    assert not (checked | set(listed)) - registered, "a cross-check or doc row names no solver"
    for name, reason in listed.items():
        assert len(reason.split()) >= 5, f"{name}: say why PyTorch cannot check it"
