"""``python -m solvers``: list solvers, describe one, or run one on a YAML parameter file."""

from __future__ import annotations

import sys

from solvers.cli import main

if __name__ == "__main__":
    sys.exit(main())
