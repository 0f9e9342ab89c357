"""Benchmark: how soon a file a killed worker was reading is read again, and how soon /healthz
says so.

    .venv/bin/python bench/worker_recovery.py [--squares 3000] [--small 3]
        [--scenario same-machine other-machine]

Issue 9, part 7: "work taken by a dead worker is back in the queue within 2 minutes of a new
worker starting; /healthz turns 503 within 60 s of the last heartbeat and names stuck files".

A throwaway Laser OS in a temporary folder (its own SQLite file and media, the ORM broker, the
default worker settings: heartbeat 15 s, dead after 45 s, sweep every 30 s), `migrate`, a
generated slow DXF (--squares squares with a hole each) and --small small ones received with
`manage.py ingest` (their tasks wait in the database queue), gunicorn on a free loopback port for
/healthz, and a real `manage.py qcluster` (Q_WORKERS=1). Once the slow file is being read, the
cluster's whole process group gets SIGKILL; the small files it had fetched stay locked in the
queue too. Then, per scenario:

- same-machine: a new cluster starts at once on this machine (a supervisor restarting it). It
  sees the old one's process is gone, so its heartbeat's age does not matter.
- other-machine: the dead cluster's row is made to look like another machine's (its process
  cannot be checked from here), so it counts as dead only once its heartbeat is older than
  WORKER_HEARTBEAT_STALE_SECONDS; the new cluster starts at once all the same.
- down: as other-machine, but nothing restarts the worker until /healthz says 503.
- worker-process: only the worker process reading the slow file gets SIGKILL (the kernel's
  out-of-memory killer would pick it); django-q2 replaces it and its cluster lives on.

Printed: for "down", seconds from the kill and from the dead cluster's last heartbeat to
/healthz's 503; for each, from the new cluster's start to /healthz's first 503 (what it named),
to the slow file back in the queue, claimed again (attempt 2), every file read, and /healthz's
200 again. Asserts nothing; every process it started is stopped; the folder is
removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
POLL = 0.2
LIMIT_S = 300  # give up on a step after this long


def slow_dxf(path: Path, squares: int) -> None:
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    side = int(squares**0.5) + 1
    for i in range(squares):
        x, y = (i % side) * 20.0, (i // side) * 20.0
        msp.add_lwpolyline([(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)], close=True)
        msp.add_circle((x + 5, y + 5), 2)
    doc.saveas(path)


class Shop:
    def __init__(self, folder: Path):
        self.folder = folder
        (folder / "data").mkdir(parents=True)
        self.database = folder / "data" / "laseros.sqlite3"
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            DATA_DIR=str(folder / "data"),
            MEDIA_ROOT=str(folder / "media"),
            TASKS_RUN_INLINE="false",
            REDIS_URL="",
            Q_WORKERS="1",
            DEBUG="false",
            SECRET_KEY="bench-" + os.urandom(24).hex(),
            SITE_HTTPS="false",
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        self.processes: list[subprocess.Popen] = []
        self.port = 0

    def manage(self, *args: str) -> None:
        subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def start(self, name: str, *command: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        gunicorn = str(Path(PY).parent / "gunicorn")
        self.start("web", gunicorn, "laseros.wsgi:application", "-b", f"127.0.0.1:{self.port}")
        wait(lambda: self.health()[0] in (200, 503), "the web server answers")

    def start_cluster(self, name: str) -> subprocess.Popen:
        return self.start(name, PY, "manage.py", "qcluster")

    def health(self) -> tuple[int, dict]:
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except OSError:
            return 0, {}

    def rows(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def files(self) -> dict[str, tuple]:
        rows = self.rows("SELECT original_name, status, attempts, worker FROM ingest_fileingest")
        return {name: (status, attempts, worker) for name, status, attempts, worker in rows}

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wait(condition, what: str):
    deadline = time.monotonic() + LIMIT_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(POLL)
    raise SystemExit(f"gave up after {LIMIT_S} s waiting for: {what}")


def run(scenario: str, squares: int, small: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="laseros-recovery-"))
    shop = Shop(folder)
    try:
        shop.manage("migrate", "--noinput", "-v", "0")
        inbox = folder / "in"
        inbox.mkdir()
        slow = inbox / "Slow-Plate.dxf"
        slow_dxf(slow, squares)
        shop.manage("ingest", str(slow))
        for n in range(small):
            slow_dxf(inbox / f"Small-{n + 1}.dxf", 2 + n)
            shop.manage("ingest", str(inbox / f"Small-{n + 1}.dxf"))
        shop.start_web()
        first = shop.start_cluster("first")
        wait(lambda: shop.files()["Slow-Plate.dxf"][0] == "processing", "the slow file is read")
        time.sleep(1.0)
        if scenario == "worker-process":
            [(pid,)] = shop.rows(
                "SELECT worker_pid FROM ingest_fileingest WHERE original_name = 'Slow-Plate.dxf'"
            )
            killed = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            print(f"\n== {scenario}: slow file {squares} squares, {small} small files")
            wait(
                lambda: all(s == "processed" for s, _, _ in shop.files().values()),
                "every file is read",
            )
            print(f"   every file read {time.monotonic() - killed:.1f} s after the kill")
            print(f"   files at the end: {shop.files()}")
            return
        killed = time.monotonic()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        (dead, beat_at), *_ = shop.rows(
            "SELECT name, beat_at FROM laseros_workerheartbeat ORDER BY beat_at DESC"
        )
        last_beat = datetime.fromisoformat(beat_at).replace(tzinfo=UTC).timestamp()
        if scenario in ("other-machine", "down"):
            shop.rows(
                "UPDATE laseros_workerheartbeat SET process_space = 'another-machine', "
                "host = 'elsewhere' WHERE name = ?",
                dead,
            )
        print(f"\n== {scenario}: slow file {squares} squares, {small} small files")
        print(f"   files at the kill: {shop.files()}")
        if scenario == "down":  # nobody restarts it: how soon does /healthz tell?
            status, body = wait(
                lambda: (lambda h: h if h[0] == 503 else None)(shop.health()), "/healthz 503"
            )
            print(
                f"   no worker: /healthz 503 {time.monotonic() - killed:.1f} s after the kill, "
                f"{time.time() - last_beat:.1f} s after the last heartbeat"
            )
            print(f"     worker: {body['checks']['worker'].get('error')}")
            print(f"     files:  {body['checks'].get('files', {}).get('error')}")
        started = time.monotonic()
        shop.start_cluster("second")
        seen: dict[str, float] = {}
        while "read" not in seen or "200" not in seen:
            now = time.monotonic() - started
            if now > LIMIT_S:
                raise SystemExit(f"gave up after {LIMIT_S} s: {seen} {shop.files()}")
            status, body = shop.health()
            if status == 503 and "503" not in seen:
                seen["503"] = now
                print(f"   /healthz 503 at {now:.1f} s: failed {body.get('failed')}")
                for name in body.get("failed", []):
                    print(f"     {name}: {body['checks'][name].get('error')}")
            if status == 200 and "read" in seen:
                seen.setdefault("200", now)
            slow_status, attempts, worker = shop.files()["Slow-Plate.dxf"]
            if slow_status == "queued" or worker not in ("", dead):
                seen.setdefault("back", now)
            if attempts >= 2:
                seen.setdefault("claimed", now)
            if all(s == "processed" for s, _, _ in shop.files().values()):
                seen.setdefault("read", now)
            time.sleep(POLL)
        print(
            f"   after the new cluster started ({started - killed:.1f} s after the kill): "
            f"slow file back in the queue {seen['back']:.1f} s, claimed again (attempt 2) "
            f"{seen['claimed']:.1f} s, every file read {seen['read']:.1f} s, /healthz 200 "
            f"{seen['200']:.1f} s"
        )
        print(f"   files at the end: {shop.files()}")
    finally:
        shop.stop_all()
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squares", type=int, default=3000)
    parser.add_argument("--small", type=int, default=3)
    parser.add_argument(
        "--scenario",
        nargs="+",
        default=["same-machine", "other-machine", "down", "worker-process"],
        choices=["same-machine", "other-machine", "down", "worker-process"],
    )
    args = parser.parse_args(argv)
    for scenario in args.scenario:
        run(scenario, args.squares, args.small)
    return 0


if __name__ == "__main__":
    sys.exit(main())
