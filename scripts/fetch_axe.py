"""Fetch axe-core, the accessibility engine the browser tests run (an install step:
``make axe``; never at run time, and never served to users).

This script runs ``npm pack axe-core@VERSION`` (the npm registry through its own client),
checks the tarball's SHA-256 against the pinned value and keeps its ``axe.min.js`` (MPL-2.0)
with its licence, as::

    var/axe/axe-core-4.14.1.min.js
    var/axe/LICENSE

``tests/browser/accessibility.py`` injects it into the pages under test. Run: ``python
scripts/fetch_axe.py [--dest var/axe]``. Idempotent: an existing file is kept.
"""

from __future__ import annotations

import argparse
import io
import tarfile
from pathlib import Path

from npm_pack import npm_pack

PACKAGE = "axe-core"
VERSION = "4.14.1"
#: SHA-256 of ``axe-core-4.14.1.tgz`` as the npm registry serves it.
SHA256 = "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEST = REPO / "var" / "axe"


def script_path(dest: Path = DEFAULT_DEST) -> Path:
    return dest / f"{PACKAGE}-{VERSION}.min.js"


def extract(tarball: bytes, dest: Path) -> Path:
    """Write the tarball's ``axe.min.js`` and licence into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member, name in (
            ("package/axe.min.js", script_path(dest).name),
            ("package/LICENSE", "LICENSE"),
        ):
            data = tar.extractfile(member)
            assert data is not None
            (dest / name).write_bytes(data.read())
    return script_path(dest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    if script_path(args.dest).exists():
        print(f"fetch_axe: {script_path(args.dest)} is there")
        return
    path = extract(npm_pack(PACKAGE, VERSION, SHA256, who="fetch_axe"), args.dest)
    print(f"fetch_axe: wrote {path}")


if __name__ == "__main__":
    main()
