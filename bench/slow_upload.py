"""A slow upload against a real gunicorn: does the web server let it finish?

``python -m bench.slow_upload --megabytes 35 --rate 0.25 --timeout 120`` starts two local
gunicorns on loopback, one as the project runs it (``deploy/gunicorn.conf.py``: threaded
workers) and one as it ran before (sync workers), and sends each the same multipart upload at
``--rate`` MB/s; it prints, per server, whether the upload was answered and after how long.
``--url`` measures an existing deployment instead (through its proxy, if any).

The upload is a login form POST with a file part: every deployment has that page, Django
reads the whole body (the multipart parser streams the file to disk, as for a scan) and the
answer needs no database. tests/deploy/test_gunicorn.py runs a short version.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGIN = "/accounts/login/"
#: The web command docker-compose.yml ran before gunicorn.conf.py: sync workers.
OLD = ["--workers", "1"]
NEW = ["-c", str(REPO / "deploy" / "gunicorn.conf.py"), "--workers", "1", "--threads", "2"]


@dataclass(frozen=True)
class Result:
    """One upload: the HTTP status (None when the connection was cut), bytes sent, time."""

    status: int | None
    sent_bytes: int
    total_bytes: int
    seconds: float
    error: str = ""


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https":
        return http.client.HTTPSConnection(
            parsed.hostname or "", parsed.port or 443, timeout=timeout
        )
    return http.client.HTTPConnection(parsed.hostname or "", parsed.port or 80, timeout=timeout)


def _csrf(url: str) -> str:
    conn = _connection(url, 30)
    conn.request("GET", LOGIN)
    response = conn.getresponse()
    response.read()
    cookies = response.headers.get_all("Set-Cookie") or []
    conn.close()
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name.strip() == "csrftoken":
            return rest.split(";", 1)[0]
    raise RuntimeError(f"no CSRF cookie from {url}{LOGIN} ({response.status})")


def upload(url: str, *, size: int, rate: float, chunk: int = 16 * 1024) -> Result:
    """POST a ``size``-byte file to ``url``'s login page at ``rate`` bytes per second."""
    token = _csrf(url)
    boundary = secrets.token_hex(16)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\n\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="scan"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + size + len(tail)
    conn = _connection(url, max(60.0, 2 * size / rate))
    sent = 0
    started = time.monotonic()
    try:
        conn.putrequest("POST", LOGIN)
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(total))
        conn.putheader("Cookie", f"csrftoken={token}")
        conn.putheader("Referer", url.rstrip("/") + LOGIN)  # Django's CSRF check on HTTPS
        conn.endheaders()
        conn.send(head)
        sent = len(head)
        block = b"%PDF" + b"\0" * (chunk - 4)
        remaining = size
        while remaining:
            piece = block[: min(chunk, remaining)]
            # Never ahead of the rate: sleep until this piece is due.
            due = started + (sent + len(piece)) / rate
            time.sleep(max(0.0, due - time.monotonic()))
            conn.send(piece)
            sent += len(piece)
            remaining -= len(piece)
        conn.send(tail)
        sent += len(tail)
        response = conn.getresponse()
        response.read()
        return Result(response.status, sent, total, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as exc:
        return Result(None, sent, total, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(options: list[str], *, timeout: int, log: Path | None = None) -> Iterator[str]:
    """A real gunicorn serving gradebook on a free loopback port, for the duration; yields its
    base URL. The embedded default (a throw-away SQLite dir and key), DEBUG off."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gradebook-gunicorn-") as var:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}},
            "SECRET_KEY": secrets.token_urlsafe(50),
            "GRADEBOOK_VAR_DIR": var,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CELERY_BROKER_URL": "",
        }
        command = [sys.executable, "-m", "gunicorn", "gradebook.wsgi", *options]
        command += ["--bind", f"127.0.0.1:{port}", "--timeout", str(timeout)]
        with open(log or os.devnull, "wb") as out:
            proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
            try:
                _wait_ready(port, proc)
                yield f"http://127.0.0.1:{port}"
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", LOGIN)
            status = conn.getresponse().status
            conn.close()
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise RuntimeError(f"{LOGIN} answered {status}")
    raise RuntimeError("gunicorn did not answer within 60 s")


def compare(*, size: int, rate: float, timeout: int) -> dict[str, Result]:
    """The same slow upload to the old and the new gunicorn configuration, side by side."""
    with (
        gunicorn(OLD, timeout=timeout) as old,
        gunicorn(NEW, timeout=timeout) as new,
        ThreadPoolExecutor(2) as pool,
    ):
        futures = {
            name: pool.submit(upload, url, size=size, rate=rate)
            for name, url in (("sync (before)", old), ("gthread (deploy/gunicorn.conf.py)", new))
        }
        return {name: future.result() for name, future in futures.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=35.0)
    parser.add_argument("--rate", type=float, default=0.25, help="MB/s (10^6 bytes)")
    parser.add_argument("--timeout", type=int, default=120, help="gunicorn --timeout (s)")
    parser.add_argument("--url", help="measure this deployment instead of local gunicorns")
    args = parser.parse_args(argv)
    size, rate = int(args.megabytes * 1e6), args.rate * 1e6
    if args.url:
        results = {args.url: upload(args.url, size=size, rate=rate)}
    else:
        results = compare(size=size, rate=rate, timeout=args.timeout)
    print(json.dumps({name: asdict(r) for name, r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
