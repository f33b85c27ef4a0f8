"""No function longer than 80 lines outside the tests (make test checks it: tests/test_architecture.py).

A function past that is a table or smaller functions (CONTRIBUTING.md, "Where things live"):
the count is the function's lines from its ``def`` (decorators excluded) to its last line,
docstring and comments included, as a reader sees it. ``python scripts/function_length.py``
lists every offender with its length and exits 1 when there is one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

LIMIT = 80
ROOT = Path(__file__).resolve().parent.parent
#: Everything that ships or runs; tests, migrations (generated) and the virtualenv are not code
#: anyone writes functions in.
SKIP_DIRS = {"tests", "migrations", ".venv", "var", "node_modules", "build", ".git"}


def python_files(root: Path = ROOT) -> Iterator[Path]:
    """The project's Python files outside the skipped folders."""
    for path in sorted(root.rglob("*.py")):
        if not SKIP_DIRS.intersection(path.relative_to(root).parts):
            yield path


def long_functions(path: Path, limit: int = LIMIT) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, length) of each function of ``path`` over ``limit`` lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            name = getattr(child, "name", "")
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > limit:
                    yield f"{prefix}{name}", child.lineno, length
            yield from walk(child, f"{prefix}{name}." if name else prefix)

    yield from walk(tree, "")


def main() -> int:
    found = [
        (path.relative_to(ROOT), line, name, length)
        for path in python_files()
        for name, line, length in long_functions(path)
    ]
    for path, line, name, length in found:
        print(f"{path}:{line}: {name} is {length} lines (at most {LIMIT})")
    if found:
        print(
            f"{len(found)} function(s) over {LIMIT} lines: make each a table or smaller functions"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
