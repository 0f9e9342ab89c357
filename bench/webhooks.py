"""Benchmark: webhooks out (issue 14, part 5).

    .venv/bin/python bench/webhooks.py [--events 1000] [--requests 300] [--skip-clusters]
    scripts/with-postgres.sh .venv/bin/python bench/webhooks.py     # on a throwaway PostgreSQL

A throwaway Laser OS in a temporary folder (its own SQLite file, or the empty database
DATABASE_URL names; the ORM broker in the same database), `migrate`, a
receiver on loopback in this process (http.server, answers 200 at once and counts what it got),
one webhook endpoint pointed at it (WEBHOOK_ALLOW_PRIVATE_URLS on for the bench). Printed:

1. Sustained deliveries per second through a real `manage.py qcluster` with Q_WORKERS=1, then 2:
   --events stock.low events are recorded (each in its own transaction, as the apps do; with
   TASKS_RUN_INLINE off their dispatch tasks wait in the queue), then the cluster starts; the
   rate is the events delivered divided by the time from the receiver's first request to its
   last (the cluster's start-up is not counted). Each event is two tasks: its dispatch (making
   the delivery) and the delivery's POST.
2. The extra time an event adds to the request that causes it: `project_create` (a real service
   that records project.created), --requests times with record_event and the same number with it
   replaced by a no-op, each a committed transaction followed by its on-commit work (the signal
   that queues the dispatch task), as a request runs it; medians and the difference. Goal <= 2 ms.

Asserts nothing; the cluster is stopped and the folder removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
LIMIT_S = 600


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.times: list[float] = []

    def reset(self) -> None:
        with self.lock:
            self.ids, self.times = [], []


def start_receiver(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with counter.lock:
                counter.ids.append(self.headers.get("webhook-id", ""))
                counter.times.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def shop_env(folder: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)  # DATABASE_URL, when given, is the database to use (empty)
    env.update(
        DATA_DIR=str(folder / "data"),
        MEDIA_ROOT=str(folder / "media"),
        TASKS_RUN_INLINE="false",
        REDIS_URL="",
        DEBUG="false",
        SECRET_KEY="bench-" + os.urandom(24).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        WEBHOOK_ALLOW_PRIVATE_URLS="true",
        BENCH_RECEIVER=f"http://127.0.0.1:{port}/hook",
        PYTHONUNBUFFERED="1",
    )
    return env


def inner(args: list[str]) -> None:
    """Run inside the shop's environment (a subprocess): set up, record events, or time."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    from comms.services import webhooks
    from laseros.outbox import record_event

    what, count = args[0], int(args[1])
    if what == "endpoint":
        webhooks.endpoint_create(
            url=os.environ["BENCH_RECEIVER"], events=["stock.low", "project.created"], by=None
        )
    elif what == "events":
        payload = {
            "stock_id": 1,
            "stock": "MS 3mm",
            "material": "MS",
            "thickness_mm": "3.00",
            "quantity_on_hand": 1,
            "reorder_level": 2,
            "to_order": 10,
        }
        for n in range(count):
            with transaction.atomic():
                record_event(type="stock.low", payload={**payload, "stock_id": n})
    elif what == "overhead":
        overhead(count)


def overhead(requests: int) -> None:
    from django.db import transaction

    import projects.services.jobs as jobs
    from clients.services import client_create

    client = client_create(name="Bench Steel", by=None)
    real = jobs.record_event

    def timed(n: int) -> list[float]:
        took = []
        for i in range(n):
            started = time.perf_counter()
            with transaction.atomic():  # the request's transaction; on-commit work runs after it
                jobs.project_create(client=client, name=f"Bench job {i}", by=None)
            took.append((time.perf_counter() - started) * 1000)
        return took

    def no_event(**kwargs: Any) -> Any:
        return None

    from comms.services.webhooks import event_recorded as dispatch_after_commit
    from laseros.outbox import event_recorded

    def variant(name: str) -> None:
        """none: no event; outbox: the event row only (comms not listening); dispatch: the row
        and, after the commit, the dispatch task queued (an endpoint exists)."""
        jobs.record_event = no_event if name == "none" else real
        event_recorded.disconnect(dispatch_uid="comms.webhooks.dispatch")
        if name == "dispatch":
            event_recorded.connect(dispatch_after_commit, dispatch_uid="comms.webhooks.dispatch")

    timed(20)  # warm up
    took: dict[str, list[float]] = {"none": [], "outbox": [], "dispatch": []}
    for _round in range(requests):  # one of each in turn, so the machine's load falls on all alike
        for name in took:
            variant(name)
            took[name] += timed(1)
    variant("dispatch")
    jobs.record_event = real
    medians = {name: statistics.median(values) for name, values in took.items()}
    for name, value in medians.items():
        print(f"   project_create, {name:8}: median {value:.2f} ms over {len(took[name])}")
    outbox = medians["outbox"] - medians["none"]
    dispatch = medians["dispatch"] - medians["none"]
    print(f"   the event row adds {outbox:.2f} ms; with the dispatch task queued after the commit")
    print(f"   (an endpoint exists) {dispatch:.2f} ms (goal <= 2 ms)")


def run_cluster(folder: Path, env: dict[str, str], counter: Counter, workers: int, events: int):
    subprocess.run([PY, __file__, "--inner", "events", str(events)], cwd=ROOT, env=env, check=True)
    counter.reset()
    log = (folder / f"qcluster-{workers}.log").open("wb")
    cluster = subprocess.Popen(
        [PY, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_WORKERS": str(workers)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    try:
        while len(counter.ids) < events:
            if time.monotonic() - started > LIMIT_S:
                print(f"   gave up: {len(counter.ids)} of {events} delivered in {LIMIT_S} s")
                return
            time.sleep(0.1)
    finally:
        cluster.send_signal(signal.SIGINT)
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
    span = counter.times[-1] - counter.times[0]
    unique = len(set(counter.ids))
    print(
        f"   Q_WORKERS={workers}: {events} events delivered ({unique} distinct ids) in "
        f"{span:.1f} s from the first to the last: {events / span:.1f} deliveries/s "
        f"(cluster start to first delivery {counter.times[0] - started:.1f} s)"
    )
    whole = counter.times[-1] - started
    print(
        f"   Q_WORKERS={workers}: end to end, dispatch tasks and the cluster's start-up included: "
        f"{events / whole:.1f} events/s ({whole:.1f} s)"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        inner(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-clusters", action="store_true", help="only the request's cost")
    options = parser.parse_args()
    counter = Counter()
    server = start_receiver(counter)
    folder = Path(tempfile.mkdtemp(prefix="laseros-webhooks-"))
    (folder / "data").mkdir()
    env = shop_env(folder, server.server_address[1])
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run([PY, __file__, "--inner", "endpoint", "0"], cwd=ROOT, env=env, check=True)
        database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
        print(
            f"== sustained deliveries to a local receiver ({database}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f})"
        )
        for workers in () if options.skip_clusters else (1, 2):
            run_cluster(folder, env, counter, workers, options.events)
        print("== what recording an event adds to the request that causes it")
        subprocess.run(
            [PY, __file__, "--inner", "overhead", str(options.requests)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
