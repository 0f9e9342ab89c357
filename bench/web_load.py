"""Benchmark: the web server under load (issue 9, part 8: throughput under load).

    .venv/bin/python bench/web_load.py [--size 300] [--clients 50] [--duration 60]
        [--warmup 3] [--workers 2] [--threads N] [--only api admin bare] [--user admin]
        [--seeded DIR] [--keep]

Goal on the 2-CPU machine, 50 clients, gunicorn with 2 workers on SQLite: p95 of the API's job
list (GET /api/v1/projects/) at most 300 ms, p95 of the admin's job list
(/admin/projects/project/) at most 600 ms, and the API list's requests/s at least half those of a
bare `JsonResponse` of the same 50 rows served by the same gunicorn.

What it does, all in a temporary folder that is removed at the end:
  1. a scratch SQLite database and DATA_DIR (DATABASE_URL, DATA_DIR, MEDIA_ROOT, STATIC_ROOT point
     there): `migrate`, `seed_demo --size SIZE`, `collectstatic`;
  2. gunicorn on 127.0.0.1 and a free port with the options of `make run` (scripts/serve.sh reads
     them from scripts/gunicorn.conf.py too) and --workers WORKERS; DEBUG=0, SECRET_KEY set,
     SITE_HTTPS=0, API_THROTTLE_USER raised (the load is one user) and
     DJANGO_SETTINGS_MODULE=bench.web_settings: the product's settings with bench/web_urls.py,
     which adds the bare view (GET /bench/bare-projects/) to the product's URLs; the product's
     own URLs never have it;
  3. logs in as --user (a demo user; its password is in DATA_DIR/demo-login.txt): the admin's
     login form for a session cookie, POST /api/v1/auth/token/ for the API's token (one call:
     that endpoint allows 10 a minute);
  4. for each URL: --clients clients (asyncio in this process, HTTP/1.1 over plain sockets,
     keep-alive when the server keeps the connection) send requests one after another for
     --warmup seconds (not counted), then for --duration seconds; every answer other than a 200
     with a body of the expected length counts as an error;
  5. prints requests/s, p50/p95/p99/max latency and errors per URL, the API's ratio to the bare
     view, and the machine's load average before and after; gunicorn is stopped at the end
     (also on Ctrl-C or an error).

Seeding 300 jobs takes minutes on a busy machine: --seeded DIR keeps the seeded database and its
DATA_DIR in DIR/size-SIZE after the first run and copies them (then migrates) on the next ones.
--threads N runs gunicorn's gthread worker with N threads (keep-alive), to compare with the
configured worker.

Only 127.0.0.1 is ever a target. The load is bounded: each round stops after its duration.
Asserts nothing; the figures are for reading. Run it on a quiet machine: other work on the
same CPUs slows the server and the clients alike.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"

URLS = {
    "api": "/api/v1/projects/",
    "admin": "/admin/projects/project/",
    "bare": "/bench/bare-projects/",
}
GOALS_MS = {"api": 300, "admin": 600}


@dataclass
class Result:
    name: str
    url: str
    latencies: list[float] = field(default_factory=list)  # seconds, counted requests only
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    client_cpu: float = 0.0  # CPU seconds this process (the clients) used in the round

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=300, help="seed_demo --size (300 jobs)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per URL (60)")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds first (3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--only", nargs="+", choices=list(URLS), default=list(URLS), help="which URLs (all)"
    )
    parser.add_argument("--user", default="admin", help="demo user to log in as (admin)")
    parser.add_argument(
        "--threads",
        type=int,
        help="gunicorn --threads (more than 1: the gthread worker); default: gunicorn.conf.py's",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--seeded",
        type=Path,
        help="folder that keeps a seeded database between runs: copied from when it holds one "
        "of --size, else filled after seeding (seeding 300 jobs takes minutes on a busy machine)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 500 or not 0 < args.duration <= 600 or args.warmup < 0:
        parser.error("--clients 1..500, --duration 0..600 s, --warmup 0 or more")
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- setting up -------------------------------------------------------------------------------


def environment(tmp: Path, port: int) -> dict[str, str]:
    data = tmp / "data"
    data.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "REDIS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.web_settings",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        DATA_DIR=str(data),
        MEDIA_ROOT=str(data / "media"),
        STATIC_ROOT=str(tmp / "static"),
        DEBUG="0",
        SECRET_KEY="bench-web-load-" + "k" * 40,
        SITE_HTTPS="0",
        ALLOWED_HOSTS=f"{HOST},localhost",
        API_THROTTLE_USER="100000000/min",  # one user makes all the load
        TASKS_RUN_INLINE="1",  # seed_demo queues no work for a worker that is not running
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(PY), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        sys.exit(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, log: Path, threads: int | None = None
) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        "laseros.wsgi:application",
        "--config",
        str(ROOT / "scripts" / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",  # as make run does: the cost of a log line per request is part of the measure
    ]
    if threads:
        command += ["--threads", str(threads)]
    handle = log.open("wb")
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn stopped at start:\n{log.read_text()[-4000:]}")
        try:
            if request("GET", port, "/healthz")[0] in (200, 503):
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop(proc)
    sys.exit("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def request(method, port, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def cookies_of(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def admin_session(port: int, username: str, password: str) -> str:
    """Logs in through the admin's login form; returns the Cookie header of the session."""
    status, headers, body = request("GET", port, "/admin/login/")
    jar = cookies_of(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match or "csrftoken" not in jar:
        sys.exit(f"admin login page: {status}, no CSRF token")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    )
    status, headers, _ = request(
        "POST",
        port,
        "/admin/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
            "Referer": f"http://{HOST}:{port}/admin/login/",
        },
    )
    jar.update(cookies_of(headers))
    if status != 302 or "sessionid" not in jar:
        sys.exit(f"admin login refused: {status}")
    return cookie_header(jar)


def api_token(port: int, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password})
    status, _, answer = request(
        "POST", port, "/api/v1/auth/token/", body, {"Content-Type": "application/json"}
    )
    if status != 200:
        sys.exit(f"POST /api/v1/auth/token/: {status} {answer[:300]!r}")
    return json.loads(answer)["token"]


def demo_password(data_dir: Path) -> str:
    text = (data_dir / "demo-login.txt").read_text()
    match = re.search(r"password:\s*(\S+)", text)
    if not match:
        sys.exit("no password in demo-login.txt")
    return match.group(1)


# --- the load ---------------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body length, server keeps the connection) of one HTTP/1.1 answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        return status, len(body), keep
    if headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if chunk == 0:
                await reader.readuntil(b"\r\n")
                return status, size, keep
            size += len(await reader.readexactly(chunk + 2)) - 2
    body = await reader.read()  # to the end of the connection
    return status, len(body), False


async def client(port, raw_request, expected_len, warm_until, stop_at, result: Result):
    reader = writer = None
    while True:
        now = time.monotonic()
        if now >= stop_at:
            break
        started = now
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(raw_request)
            status, length, keep = await asyncio.wait_for(read_response(reader), 60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if writer is not None:
                writer.close()
            reader = writer = None
            if time.monotonic() >= warm_until:
                result.error(type(exc).__name__)
            continue
        finished = time.monotonic()
        if not keep:
            writer.close()
            reader = writer = None
        if started < warm_until or finished > stop_at:
            continue  # the warm-up, and a request still running at the end, are not counted
        if status != 200:
            result.error(f"HTTP {status}")
        elif expected_len is not None and abs(length - expected_len) > expected_len // 10:
            result.error("short body")
        else:
            result.latencies.append(finished - started)
    if writer is not None:
        writer.close()


async def drive(port, name, path, headers, clients, warmup, duration) -> Result:
    result = Result(name, path)
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept: */*"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    status, _, body = request("GET", port, path, headers=headers)
    if status != 200:
        sys.exit(f"GET {path}: {status} {body[:300]!r}")
    cpu = time.process_time()
    start = time.monotonic()
    warm_until = start + warmup
    stop_at = warm_until + duration
    await asyncio.gather(
        *(client(port, raw, len(body), warm_until, stop_at, result) for _ in range(clients))
    )
    result.seconds = duration
    result.client_cpu = (time.process_time() - cpu) * duration / (duration + warmup)
    return result


def report(results: list[Result], args) -> None:
    print()
    print(
        f"{args.clients} clients, {args.duration:.0f} s per URL after {args.warmup:.0f} s of "
        f"warm-up; gunicorn --workers {args.workers}"
        + (f" --threads {args.threads}" if args.threads else " (threads: gunicorn.conf.py)")
        + f"; seed_demo --size {args.size}"
    )
    header = f"{'URL':32} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(header + f" {'errors':>6}  goal")
    for r in results:
        goal = GOALS_MS.get(r.name)
        verdict = ""
        if goal:
            verdict = f"p95 <= {goal} ms: {'met' if r.pct(95) <= goal else 'NOT met'}"
        print(
            f"{r.url:32} {r.rate:7.1f} {r.pct(50):7.0f} {r.pct(95):7.0f} {r.pct(99):7.0f} "
            f"{max(r.latencies, default=0) * 1000:7.0f} {r.errors:6d}  {verdict}"
        )
        if r.error_kinds:
            print(f"{'':32} errors: {r.error_kinds}")
    print(
        "CPU of the clients (this process), share of one CPU: "
        + ", ".join(f"{r.name} {r.client_cpu / r.seconds:.0%}" for r in results)
    )
    by = {r.name: r for r in results}
    if "api" in by and "bare" in by and by["bare"].rate:
        ratio = by["api"].rate / by["bare"].rate
        print(
            f"API list / bare JsonResponse, requests/s: {ratio:.2f} "
            f"(goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})"
        )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="laseros-web-load-"))
    port = free_port()
    env = environment(tmp, port)
    proc = None
    try:
        print(f"load average at start: {load_average()}")
        t = time.monotonic()
        seeded = args.seeded / f"size-{args.size}" if args.seeded else None
        if seeded and (seeded / "bench.sqlite3").exists():
            shutil.copy2(seeded / "bench.sqlite3", tmp / "bench.sqlite3")
            shutil.rmtree(tmp / "data")
            shutil.copytree(seeded / "data", tmp / "data")
            manage(env, "migrate", "--noinput")  # the code may have new migrations since
            print(f"scratch database copied from {seeded}")
        else:
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo", "--size", str(args.size))
            print(f"scratch database seeded (--size {args.size}) in {time.monotonic() - t:.0f} s")
            if seeded:
                seeded.mkdir(parents=True, exist_ok=True)
                manage(
                    env,
                    "shell",
                    "-c",
                    "from django.db import connection as c; "
                    "c.cursor().execute('PRAGMA wal_checkpoint(TRUNCATE)')",
                )
                shutil.copy2(tmp / "bench.sqlite3", seeded / "bench.sqlite3.part")
                shutil.copytree(tmp / "data", seeded / "data", dirs_exist_ok=True)
                (seeded / "bench.sqlite3.part").rename(seeded / "bench.sqlite3")
        manage(env, "collectstatic", "--noinput")
        proc = start_gunicorn(env, port, args.workers, tmp / "gunicorn.log", args.threads)
        password = demo_password(Path(env["DATA_DIR"]))
        headers = {
            "api": {"Authorization": f"Token {api_token(port, args.user, password)}"},
            "admin": {"Cookie": admin_session(port, args.user, password)},
            "bare": {},
        }
        results = []
        for name in args.only:
            print(f"{URLS[name]}: {args.clients} clients for {args.duration:.0f} s ...", flush=True)
            results.append(
                asyncio.run(
                    drive(
                        port,
                        name,
                        URLS[name],
                        headers[name],
                        args.clients,
                        args.warmup,
                        args.duration,
                    )
                )
            )
        report(results, args)
        print(f"load average at the end: {load_average()}")
    finally:
        if proc is not None:
            stop(proc)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
