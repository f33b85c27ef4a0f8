"""Mark the cross-checks ``torch``; fail the session when a cross-checked solver ran fewer
cases than the budget (a strategy that exhausted its space or filtered too much), and print
the cases per solver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[Any]) -> None:
    # Marked torch, so `-m "not torch"` leaves them out like the other PyTorch tests.
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.torch)


def _runs() -> Any:
    try:
        from tests.solvers.crosscheck.common import CASES, RUNS
    except BaseException:  # torch absent outside CI: the modules were skipped
        return None, {}
    return CASES, RUNS


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    cases, runs = _runs()
    short = {name: n for name, n in runs.items() if n < (cases or 0)}
    if short and exitstatus == 0:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"PyTorch cross-check ran fewer than {cases} cases: {short}", red=True
            )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    _, runs = _runs()
    if runs:
        terminalreporter.write_sep("-", "PyTorch cross-check: cases per solver")
        for name, n in sorted(runs.items()):
            terminalreporter.write_line(f"{name:28s} {n}")
