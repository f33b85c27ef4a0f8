"""Make the repository root importable for the solver tests.

The solver tests must not depend on the Django test set-up (``tests/conftest.py`` and
pytest-django), so they put the project root on ``sys.path`` themselves instead of relying
on pytest-django's ``manage.py`` discovery.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
    # The PyTorch cross-checks skip themselves without torch; under CI that would pass by not
    # checking, so a missing torch stops the solver suite here instead.
    import torch  # noqa: F401
