"""Private servers for the tests that prove the scaled-out set-up (Redis, S3, several processes).

Each is started in a temporary folder on a free loopback port, like the PostgreSQL leg's server
(scripts/test-postgres.sh), and stopped after; a test whose server program is not installed is
skipped and says what to install. `LaserOSProcesses` runs Laser OS itself as separate processes
(gunicorn, qcluster, manage.py) on the test's database, as a deployment runs them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    ready: Callable[[], Any], *, seconds: float, what: str | Callable[[], str], process=None
) -> Any:
    """ready()'s first true answer; fails the test after `seconds` or when `process` ends,
    saying `what` (or what `what()` says then: a log read at the time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            answer = ready()
            if answer:
                return answer
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"{what() if callable(what) else what}: not within {seconds:.0f} s")


def stop(process: subprocess.Popen, *, sig: int = signal.SIGTERM, seconds: float = 20) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private Redis (Debian's redis-server), nothing written to disk; yields its URL."""
    program = shutil.which("redis-server")
    if program is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server; `make test` installs "
            "it): the Redis broker and cache were not tested"
        )
    import redis

    folder = Path(tempfile.mkdtemp(prefix="laseros-redis."))
    port = free_port()
    log = (folder / "redis.log").open("wb")
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(
            lambda: redis.Redis.from_url(url).ping(),
            seconds=START_SECONDS,
            what=f"redis-server on port {port} answers ({(folder / 'redis.log').read_text()})",
            process=process,
        )
        yield url
    finally:
        stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """A private S3 (moto in server mode, from requirements-dev.txt); yields its endpoint URL."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip(
            "moto[server] is not installed (pip install -r requirements-dev.txt): the S3 store "
            "was not tested"
        )
    folder = Path(tempfile.mkdtemp(prefix="laseros-s3."))
    port = free_port()
    log = (folder / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(endpoint, timeout=2).status == 200,
            seconds=START_SECONDS,
            what=f"moto's S3 on port {port} answers",
            process=process,
        )
        yield endpoint
    finally:
        stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


S3_KEYS = {"AWS_ACCESS_KEY_ID": "laseros-test", "AWS_SECRET_ACCESS_KEY": "laseros-test-secret"}


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
    )


def s3_storage_settings(endpoint: str, bucket: str) -> dict[str, Any]:
    """STORAGES["default"] as laseros.settings builds it for STORAGE_BACKEND=s3."""
    return {
        "BACKEND": "laseros.storage.ProtectedS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": S3_KEYS["AWS_ACCESS_KEY_ID"],
            "secret_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }


POSTGRESQL_ONLY = (
    "needs PostgreSQL: several processes share one database here (the PostgreSQL leg of "
    "`make test`, scripts/test-postgres.sh, runs it)"
)


def on_postgresql() -> bool:
    from django.conf import settings

    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def needs_postgresql_processes():
    """Skips the test before its database is set up (a transactional test's flush is not free)
    unless the suite runs on PostgreSQL."""
    return pytest.mark.skipif(not on_postgresql(), reason=POSTGRESQL_ONLY)


def postgres_test_database_url() -> str:
    """The URL of the test database this process uses (PostgreSQL), for other processes; skips
    the test on another database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


class LaserOSProcesses:
    """Laser OS as separate processes on one database (`env` adds to the environment): gunicorn
    web servers, qcluster workers, manage.py commands. Each process logs to a file in `folder`;
    `stop_all()` stops them all (SIGTERM: a qcluster marks itself stopped)."""

    def __init__(self, folder: Path, **env: str):
        from django.conf import settings

        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        self.env.update(
            SECRET_KEY=settings.SECRET_KEY,  # the test's: the workers check the tasks' signatures
            DEBUG="true",
            DATA_DIR=str(folder / "data"),
            MEDIA_ROOT=str(folder / "media"),
            TASKS_RUN_INLINE="false",
            Q_WORKERS="1",
            LOG_LEVEL="INFO",
            LOG_FORMAT="json",
            PYTHONUNBUFFERED="1",
            **env,
        )
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def worker(self, name: str) -> subprocess.Popen:
        return self._start(name, [sys.executable, "manage.py", "qcluster"])

    def web(self, name: str) -> str:
        """A gunicorn (the project's config, one sync worker); its address once it answers."""
        port = free_port()
        process = self._start(
            name,
            [sys.executable, "-m", "gunicorn", "-c", "scripts/gunicorn.conf.py"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"]
            + ["laseros.wsgi:application"],
        )
        address = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: urllib.request.urlopen(f"{address}/favicon.ico", timeout=5).status,
            seconds=60,
            what=lambda: f"gunicorn {name} answers: {self.log(name)[-2000:]}",
            process=process,
        )
        return address

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(
            self.folder.glob("*.log")))  # fmt: skip

    def stop_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                if process.poll() is None:
                    os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            stop(process, seconds=30)
        from django.db import connections

        connections.close_all()
