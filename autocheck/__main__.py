"""``python -m autocheck``: see :mod:`autocheck.cli`."""

from autocheck.cli import main

raise SystemExit(main())
