"""Real services for integration tests: PostgreSQL (the suite's database), Redis (the broker)
and Celery worker processes started here, against the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service

REPO = Path(__file__).resolve().parents[2]
#: Seconds a worker process may take to answer its first ping.
READY_TIMEOUT = 180


def _redis_reachable(url: str) -> tuple[bool, str]:
    if not url.startswith("redis"):
        return False, "CELERY_BROKER_URL is not set to a redis:// URL"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return False, f"cannot reach {url}: {exc}"
    return True, ""


@pytest.fixture(scope="session")
def real_services(django_db_setup, django_db_blocker) -> dict[str, str]:
    """The test database's URL and the broker URL, after checking both are the real ones."""
    from django.db import connection

    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"the suite runs on {connection.vendor}; set DATABASE_URL=postgres://...",
    )
    broker = os.environ.get("CELERY_BROKER_URL", "")
    ok, why = _redis_reachable(broker)
    require_service("Redis", ok, why)
    s = connection.settings_dict
    db_url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {"DATABASE_URL": db_url, "CELERY_BROKER_URL": broker}


class WorkerPool:
    """Celery worker processes for a test, each started with ``start()``."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, *, queues: str = "default,images", concurrency: int = 1) -> subprocess.Popen:
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "gradebook",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "-n",
                name,
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # A group of its own: the worker and its pool processes can be killed together.
            start_new_session=True,
        )
        self.procs.append(proc)
        self._wait_ready(name.replace("%h", os.uname().nodename), proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL a worker with its pool processes, as a machine losing power would (killing
        the parent alone leaves its pool process running the task on), and wait until none
        of them is left."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError(f"the processes of worker {proc.pid} outlived SIGKILL")

    def start_beat(self) -> subprocess.Popen:
        """Celery beat, as deployed: it sends the pipeline's reconciler on its schedule."""
        log = open(self.log_dir / "beat.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "gradebook",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(self.log_dir / "celerybeat-schedule"),
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def _wait_ready(self, hostname: str, proc: subprocess.Popen) -> None:
        from gradebook.celery import app

        # A bound for a machine under load (a worker imports the whole project before it
        # answers); an exit is reported at once.
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited with {proc.returncode}: see {self.log_dir}")
            replies = app.control.ping(destination=[hostname], timeout=1.0)
            if replies:
                return
        raise RuntimeError(f"worker {hostname} did not answer within {READY_TIMEOUT} s")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            # Whatever of its group is left (a pool process whose parent was killed, one that
            # did not stop in time) goes too: no worker outlives its test.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs.clear()


@pytest.fixture
def celery_workers(real_services, tmp_path, settings, media_root) -> Iterator[WorkerPool]:
    """Start workers on demand; tasks of the test go through Redis to them (not eager)."""
    from gradebook.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = real_services["CELERY_BROKER_URL"]
    app.control.purge()
    # A short visibility timeout, so a task whose worker was killed is redelivered quickly.
    env = {
        **os.environ,
        **real_services,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_RESTORE_INTERVAL": "1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    pool = WorkerPool(env, tmp_path)
    yield pool
    pool.stop_all()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2):
    """Poll ``predicate`` until it returns a truthy value, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


class Services:
    """Stop and start again the suite's own throw-away PostgreSQL and Redis (the fault
    tests), with what scripts/services.sh exported about them."""

    def __init__(self) -> None:
        self.pg_bin = os.environ.get("GRADEBOOK_TEST_PG_BIN", "")
        self.pg_data = os.environ.get("GRADEBOOK_TEST_PG_DATA", "")
        self.pg_log = os.environ.get("GRADEBOOK_TEST_PG_LOG", "")
        self.redis_conf = os.environ.get("GRADEBOOK_TEST_REDIS_CONF", "")
        self.redis_pidfile = os.environ.get("GRADEBOOK_TEST_REDIS_PIDFILE", "")

    @property
    def controllable(self) -> bool:
        return all((self.pg_bin, self.pg_data, self.pg_log, self.redis_conf, self.redis_pidfile))

    def _pg_ctl(self, *args: str) -> None:
        # initdb and postgres refuse to run as root: the cluster belongs to "postgres" then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        cmd = [*prefix, f"{self.pg_bin}/pg_ctl", "-D", self.pg_data, "-l", self.pg_log, "-w"]
        subprocess.run([*cmd, "-t", "60", *args], check=True, capture_output=True)

    def postgres_stop(self) -> None:
        from django.db import connections

        connections.close_all()
        self._pg_ctl("-m", "fast", "stop")

    def postgres_start(self) -> None:
        from django.db import connections

        self._pg_ctl("start")
        connections.close_all()  # the next query connects again

    def redis_kill(self) -> None:
        """SIGKILL, as a crash: without persistence every queued message is lost."""
        pid = int(Path(self.redis_pidfile).read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def redis_start(self) -> None:
        import redis

        Path(self.redis_pidfile).unlink(missing_ok=True)
        subprocess.run(["redis-server", self.redis_conf], check=True, capture_output=True)
        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("Redis did not come back")


@pytest.fixture
def services(real_services) -> Iterator[Services]:
    """Control of the suite's PostgreSQL and Redis; both are running again after the test."""
    ctl = Services()
    require_service(
        "service control",
        ctl.controllable,
        "start the servers with scripts/services.sh (make test) to stop and start them",
    )
    yield ctl
    import redis

    try:
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=1).ping()
    except redis.RedisError:
        ctl.redis_start()
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.close()
        connection.ensure_connection()
    except OperationalError:
        ctl.postgres_start()
