"""Benchmark: the floor under load (issue 12, point 6: 30 tablets polling while 5 act at once).

    .venv/bin/python bench/floor_load.py [--size 40] [--tablets 30] [--actors 5]
        [--duration 60] [--poll 30] [--think 1.0] [--workers 2] [--postgres] [--keep]

Goal: gunicorn with 2 workers, 30 tablets polling their machine's queue every 30 s while 5
people act at once, for 60 s: 0 errors and a p95 latency of at most 300 ms, on SQLite and on
PostgreSQL.

What it does, for each database (SQLite always; PostgreSQL with --postgres, or with
DATABASE_URL=postgres://… naming an empty database the bench may fill):
  1. a scratch database and DATA_DIR in a temporary folder: `migrate`, `seed_demo --size SIZE`
     (a queue on every machine, a job in QC), `collectstatic`; for --postgres a private
     PostgreSQL is started in the temporary folder as scripts/test-postgres.sh does
     (initdb, pg_ctl, fsync off), and stopped at the end;
  2. gunicorn as bench/web_load.py starts it (the options of `make run`, --workers WORKERS),
     but with TASKS_RUN_INLINE off as in production: work for the worker is queued, not done
     in the request (no worker runs: the queued tasks wait);
  3. logs every client in through the floor's login form (/floor/login/), the tablets as the
     demo `operator`, the acting clients as `operator` and `manager` in turn; logins are not
     timed;
  4. for --duration seconds, each client in its own thread with its own session cookie:
       tablet   loads its machine's queue page (/floor/queue/<code>/), then polls its rows
                (/floor/queue/<code>/rows/?since=<marker>) every --poll seconds, the way the
                page's hx-trigger does; 204 while unchanged, the fresh rows (and marker) when
                another client moved something; the tablets start spread over the first --poll
                seconds and are shared out round-robin over the active machines;
       actor    in a loop, pausing --think seconds between actions as a person does: loads a
                machine's queue page, drags one row (POST /floor/queue/<code>/move/ with the
                page's marker: the row next to one of the same priority swaps with it), opens
                that row's job card (/floor/jobs/<code>/), and every third round opens QC
                (/floor/qc/) and passes the first job waiting there, if any; the first actor
                (the demo operator) also makes a whole run every other round: the start page
                (/floor/runs/start/?machine=<code>), start on one sheet of the suggested stock
                and preset, the run's page, the sheet recorded (a 1280×960 JPEG, the 5H, parts)
                and finish (skipped when the machine has a run in progress; --no-runs: never);
  5. prints, per kind of request and overall: how many, errors, median and p95 latency; and the
     machine's load average before and after.

Errors: connection errors and timeouts, any status >= 500, and any other status than the one
the page answers by design: a GET of a page 200; the poll 200 or 204; a drag 200, or 422 when
another client changed the queue since this one drew it (the page's own refusal, counted apart
as "refused"); QC's pass 302 (or 422 when another client passed the job first); a run's start
302 (or 422, refused: the stock was taken meanwhile), its sheet and finish 302. A redirect to
the login counts as an error. The exit status is 1 when there were errors, else 0.

With the tablets' starts spread over the first 30 s, each tablet loads its page once and polls
once in the 60 s; the acting clients make most of the requests.

Measured 2026-12-05 with the defaults (`--postgres`), on the shared 2-CPU machine (load average
8.2 at the start, 4.7-4.9 while measuring; other engineers' work on the same CPUs), 0 errors:
  SQLite      352 requests, p50 50 ms, p95 151 ms (drag p95 194, page 117, poll 68, job card
              105, QC pass 578 over 5, run start 334 over 4); 16 drags refused (422: the queue
              had changed on another client's screen)
  PostgreSQL  351 requests, p50 59 ms, p95 116 ms (drag 116, page 100, poll 72, job card 98,
              QC pass 147, run start 377 over 4); the same 16 drags refused

Only 127.0.0.1 is ever a target; the load is bounded by --duration. The machine this was
written on has 2 CPUs shared with other work: the figures are for reading, with the load
average printed beside them.
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# the setup is web_load's: environment, gunicorn, the login's cookies
from bench.web_load import (
    HOST,
    cookie_header,
    cookies_of,
    demo_password,
    environment,
    free_port,
    load_average,
    manage,
    request,
    start_gunicorn,
    stop,
)

GOAL_P95_MS = 300
KINDS = (
    "page", "poll", "move", "job", "qc", "qc_pass", "run_start_page", "run_start", "run_page",
    "run_sheet", "run_finish",
)  # fmt: skip


# --- measures ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies and errors per kind of request, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, what: str, seconds: float | None = None) -> None:
        with self.lock:
            kinds = self.errors.setdefault(kind, {})
            kinds[what] = kinds.get(what, 0) + 1
            if seconds is not None:
                self.latencies.setdefault(kind, []).append(seconds)

    def refusal(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.refused[kind] = self.refused.get(kind, 0) + 1
            self.latencies.setdefault(kind, []).append(seconds)

    def error_count(self, kinds: tuple[str, ...] | None = None) -> int:
        return sum(
            sum(found.values())
            for kind, found in self.errors.items()
            if kinds is None or kind in kinds
        )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


# --- one client -------------------------------------------------------------------------------


class Browser:
    """One tablet's cookies and CSRF token over plain http.client (a new connection each
    request, as gunicorn's sync worker closes it after each answer)."""

    def __init__(self, port: int, tally: Tally, stop_at: float) -> None:
        self.port = port
        self.tally = tally
        self.stop_at = stop_at
        self.jar: dict[str, str] = {}
        self.csrf = ""

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        refused: tuple[int, ...] = (),
        form: dict[str, str] | list[tuple[str, str]] | None = None,
        raw: tuple[bytes, str] | None = None,
        htmx: bool = False,
        timed: bool = True,
    ) -> tuple[int, bytes, dict[str, str]] | None:
        headers = {"Cookie": cookie_header(self.jar)} if self.jar else {}
        body: str | bytes | None = None
        if form is not None or raw is not None:
            if raw is not None:
                body, headers["Content-Type"] = raw
            else:
                body = urllib.parse.urlencode(form or {})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
            if self.csrf:
                headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        started = time.monotonic()
        try:
            status, answer_headers, answer = request(method, self.port, path, body, headers)
        except OSError as exc:
            if timed:
                self.tally.error(kind, type(exc).__name__)
            return None
        seconds = time.monotonic() - started
        self.jar.update(cookies_of(answer_headers))
        token = re.search(rb'"X-CSRFToken": "([^"]+)"', answer)
        if token:
            self.csrf = token.group(1).decode()
        named = {k.lower(): v for k, v in answer_headers}
        if not timed:
            return status, answer, named
        if status in expect:
            self.tally.ok(kind, seconds)
        elif status in refused:
            self.tally.refusal(kind, seconds)
        else:
            self.tally.error(kind, f"HTTP {status}", seconds)
        return status, answer, named

    def log_in(self, username: str, password: str) -> None:
        found = self.call("login", "GET", "/floor/login/", timed=False)
        if not found:
            sys.exit("floor login page: no answer")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', found[1])
        if found[0] != 200 or not match:
            sys.exit(f"floor login page: {found[0]}, no CSRF token")
        form = {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
            "next": "/floor/",
        }
        done = self.call("login", "POST", "/floor/login/", form=form, timed=False)
        if not done or done[0] != 302 or "sessionid" not in self.jar:
            sys.exit(f"floor login refused for {username}: {done and done[0]}")

    def wait(self, seconds: float) -> bool:
        """Sleeps, or not past the end; False when the time is up."""
        left = self.stop_at - time.monotonic()
        time.sleep(max(0.0, min(seconds, left)))
        return time.monotonic() < self.stop_at


MARKER = re.compile(rb'data-marker="([^"]*)"')
ROW = re.compile(
    rb'<li class="queue-row[^"]*" data-item="(\d+)" data-position="(\d+)" '
    rb'data-priority="([^"]*)">.*?<a class="queue-row__job" href="([^"]+)"'
)
QC_PASS = re.compile(rb'action="(/floor/qc/[^"]+/pass/)"')


def tablet(browser: Browser, machine: str, start_in: float, poll: float) -> None:
    """A tablet on a machine: the queue page once, then its poll every `poll` seconds."""
    if not browser.wait(start_in):
        return
    found = browser.call("page", "GET", f"/floor/queue/{machine}/")
    marker = _marker(found)
    while browser.wait(poll):
        since = urllib.parse.quote(marker)
        found = browser.call(
            "poll",
            "GET",
            f"/floor/queue/{machine}/rows/?since={since}",
            expect=(200, 204),
            htmx=True,
        )
        if found and found[0] == 200:
            marker = _marker(found)


def _marker(found: tuple[int, bytes, dict[str, str]] | None) -> str:
    match = MARKER.search(found[1]) if found else None
    return match.group(1).decode() if match else ""


def actor(
    browser: Browser, machines: list[str], think: float, rng: random.Random, runs: bool
) -> None:
    """A person acting: a drag on a queue, the dragged job's card, now and then a QC pass;
    with `runs`, every other round a whole run on the machine (start, one sheet, finish)."""
    rounds = 0
    while time.monotonic() < browser.stop_at:
        rounds += 1
        machine = rng.choice(machines)
        if runs and rounds % 2 == 0 and not run_cycle(browser, machine, think):
            return
        found = browser.call("page", "GET", f"/floor/queue/{machine}/")
        if not browser.wait(think):
            return
        if found and found[0] == 200:
            rows = ROW.findall(found[1])
            pairs = [
                (a, b) for a, b in zip(rows, rows[1:], strict=False) if a[2] == b[2]
            ]  # neighbours of one priority: the service lets them swap
            if pairs:
                upper, lower = rng.choice(pairs)
                if rng.random() < 0.5:
                    item, position = lower[0], upper[1]  # the lower row up one place
                else:
                    item, position = upper[0], lower[1]  # the upper row down one place
                browser.call(
                    "move",
                    "POST",
                    f"/floor/queue/{machine}/move/",
                    expect=(200,),
                    refused=(422,),
                    form={
                        "item": item.decode(),
                        "position": position.decode(),
                        "marker": _marker(found),
                    },
                    htmx=True,
                )
                if not browser.wait(think):
                    return
                job = html_unescape(rng.choice(rows)[3])
                browser.call("job", "GET", job)
                if not browser.wait(think):
                    return
        if rounds % 3 == 0:
            qc = browser.call("qc", "GET", "/floor/qc/")
            if not browser.wait(think):
                return
            passes = QC_PASS.findall(qc[1]) if qc and qc[0] == 200 else []
            if passes:
                browser.call(
                    "qc_pass",
                    "POST",
                    html_unescape(passes[0]),
                    expect=(302,),
                    refused=(422,),
                    form={"csrfmiddlewaretoken": browser.csrf},
                )
                if not browser.wait(think):
                    return


HIDDEN = re.compile(rb'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FIRST_OPTION = r'<select name="{}"[^>]*>\s*<option value="([^"]*)"(?! disabled)'
NUMBER = re.compile(rb'<input type="number" name="([^"]+)"[^>]*value="([^"]*)"')
CHECKS = ("check_head", "check_height", "check_hold_downs", "check_hardware", "check_hazards")


def run_cycle(browser: Browser, machine: str, think: float) -> bool:
    """A run as the operator makes it: the start page, start on one sheet of the suggested
    stock, the run's page, the sheet recorded (a photo, the 5H, parts), finish. Skipped when
    the machine is busy or nothing fits. False when the time is up."""
    page = browser.call("run_start_page", "GET", f"/floor/runs/start/?machine={machine}")
    if not browser.wait(think):
        return False
    if not page or page[0] != 200 or b"in progress. <a" in page[1]:
        return True
    form = [(k.decode(), html_unescape(v)) for k, v in HIDDEN.findall(page[1])]
    form = [(k, v) for k, v in form if k != "csrfmiddlewaretoken"]
    for name in ("preset", "stock"):
        chosen = re.search(FIRST_OPTION.format(name).encode(), page[1])
        if chosen:
            form.append((name, html_unescape(chosen.group(1))))
    if not dict(form).get("stock") or not dict(form).get("lead"):
        return True
    form.append(("sheets", "1"))
    started = browser.call(
        "run_start", "POST", "/floor/runs/start/go/", form=form, expect=(302,), refused=(422,)
    )
    match = re.search(r"/floor/runs/(\d+)/", started[2].get("location", "")) if started else None
    if not started or started[0] != 302 or not match:
        return browser.wait(think)
    run = f"/floor/runs/{match.group(1)}/"
    browser.call("run_page", "GET", run)
    if not browser.wait(think):
        return False
    fields = [(name, "1") for name in CHECKS] + [("parts_cut", "1"), ("scrap_parts", "0")]
    browser.call(
        "run_sheet",
        "POST",
        f"{run}sheets/1/",
        raw=multipart(fields, "photo", "sheet.jpg", PHOTO),
        expect=(302,),
    )
    if not browser.wait(think):
        return False
    page = browser.call("run_page", "GET", run)
    if not page or page[0] != 200:
        return browser.wait(think)
    finish = page[1].split(b'/finish/"', 1)[-1].split(b"</form>", 1)[0]
    numbers = {k.decode(): v.decode() for k, v in NUMBER.findall(finish)}
    numbers["minutes"] = str(max(1, int(numbers.get("minutes") or 0)))
    numbers = {k: v for k, v in numbers.items() if v != ""}
    browser.call("run_finish", "POST", f"{run}finish/", form=numbers, expect=(302,))
    return browser.wait(think)


def _photo() -> bytes:
    """A small JPEG, as a phone's photo would be after the tablet shrinks it (the server
    resizes and turns it upright all the same)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1280, 960), (90, 110, 130)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PHOTO = _photo()


def multipart(
    fields: list[tuple[str, str]], file_field: str, filename: str, content: bytes
) -> tuple[bytes, str]:
    boundary = "----floorload" + "7" * 16
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def html_unescape(raw: bytes) -> str:
    return html.unescape(raw.decode())


# --- one database -----------------------------------------------------------------------------


def machines_of(env: dict[str, str]) -> list[str]:
    out = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from production.models import Machine; "
        "print(' '.join(Machine.objects.active().order_by('code').values_list('code', flat=True)))",
    )
    codes = out.strip().splitlines()[-1].split() if out.strip() else []
    if not codes:
        sys.exit("seed_demo left no active machine")
    return codes


def run_load(env: dict[str, str], port: int, args: argparse.Namespace, tmp: Path) -> Tally:
    manage(env, "migrate", "--noinput")
    t = time.monotonic()
    manage(env, "seed_demo", "--size", str(args.size))
    print(f"  seeded (--size {args.size}) in {time.monotonic() - t:.0f} s", flush=True)
    manage(env, "collectstatic", "--noinput")
    machines = machines_of(env)
    # seed_demo ran its tasks inline (no worker here); the server queues them for the worker,
    # as in production (TASKS_RUN_INLINE off), so an action costs what it costs on the shop's
    # server: a job passing QC queues its client's notice rather than sending it in the request
    served = {**env, "TASKS_RUN_INLINE": "0"}
    proc = start_gunicorn(served, port, args.workers, tmp / f"gunicorn-{port}.log")
    try:
        password = demo_password(Path(env["DATA_DIR"]))
        tally = Tally()
        browsers = []
        for n in range(args.tablets + args.actors):
            browser = Browser(port, tally, stop_at=0.0)
            acting = n >= args.tablets
            # the first actor is the operator who makes runs; the others take turns
            name = "manager" if acting and (n - args.tablets) % 2 else "operator"
            browser.log_in(name, password)
            browsers.append(browser)
        print(
            f"  {args.tablets} tablets on {', '.join(machines)} and {args.actors} acting "
            f"clients logged in; {args.duration:.0f} s of load ...",
            flush=True,
        )
        start = time.monotonic()
        stop_at = start + args.duration
        threads = []
        rng = random.Random(12)
        for n, browser in enumerate(browsers):
            browser.stop_at = stop_at
            target: Callable[..., None]
            if n < args.tablets:
                target = tablet
                call_args: tuple = (
                    browser,
                    machines[n % len(machines)],
                    n * args.poll / args.tablets,
                    args.poll,
                )
            else:
                target = actor
                runs = n == args.tablets and args.runs  # one operator makes the runs
                call_args = (browser, machines, args.think, random.Random(rng.random()), runs)
            threads.append(threading.Thread(target=target, args=call_args, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.duration + 120)
        return tally
    finally:
        stop(proc)


# --- PostgreSQL -------------------------------------------------------------------------------


def start_postgres(tmp: Path) -> tuple[str, Callable[[], None]]:
    """A private PostgreSQL in tmp/pg, as scripts/test-postgres.sh starts one; its URL and a
    function that stops it."""
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    bindir = next((d for d in reversed(bindirs) if (d / "initdb").exists()), None)
    if bindir is None:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql); run without --postgres")
    folder = tmp / "pg"
    folder.mkdir()
    as_pg: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the instance belongs to the postgres user
        shutil.chown(tmp, "postgres")
        shutil.chown(folder, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"

    def run(*command: str) -> None:
        done = subprocess.run([*as_pg, *command], capture_output=True, text=True, timeout=120)
        if done.returncode:
            sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "laseros", "--auth=trust", "-E", "UTF8")
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
        "-o", options, "start",
    )  # fmt: skip

    def halt() -> None:
        subprocess.run(
            [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
        )

    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "laseros",
            "laseros")  # fmt: skip
    except SystemExit:
        halt()
        raise
    return f"postgres://laseros@127.0.0.1:{port}/laseros", halt


# --- report -----------------------------------------------------------------------------------


def report(name: str, tally: Tally) -> bool:
    """Prints one database's figures; True when the goal is met."""
    everything = [s for kind, found in tally.latencies.items() for s in found if kind != "login"]
    print(f"\n{name}")
    print(f"  {'kind':14} {'requests':>8} {'errors':>6} {'refused':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for kind in KINDS:
        found = tally.latencies.get(kind, [])
        errors = sum(tally.errors.get(kind, {}).values())
        if not found and not errors:
            continue
        print(
            f"  {kind:14} {len(found):8d} {errors:6d} {tally.refused.get(kind, 0):7d} "
            f"{pct(found, 50):7.0f} {pct(found, 95):7.0f}"
        )
    errors = tally.error_count()
    median = statistics.median(everything) * 1000 if everything else float("nan")
    p95 = pct(everything, 95)
    print(
        f"  {'all':14} {len(everything):8d} {errors:6d} {sum(tally.refused.values()):7d} "
        f"{median:7.0f} {p95:7.0f}"
    )
    for kind, kinds in tally.errors.items():
        print(f"  errors on {kind}: {kinds}")
    met = errors == 0 and p95 <= GOAL_P95_MS
    print(
        f"  goal (0 errors, p95 <= {GOAL_P95_MS} ms): {'met' if met else 'NOT met'}"
        f" ({errors} errors, p95 {p95:.0f} ms)"
    )
    return errors == 0


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=40, help="seed_demo --size (40)")
    parser.add_argument("--tablets", type=int, default=30, help="polling tablets (30)")
    parser.add_argument("--actors", type=int, default=5, help="acting clients (5)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (60)")
    parser.add_argument("--poll", type=float, default=30, help="seconds between polls (30)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="an actor's pause between actions, s (1.0)"
    )
    parser.add_argument(
        "--runs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the first acting client also starts, records and finishes runs (on)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also on a private PostgreSQL started in the temporary folder "
        "(or on DATABASE_URL when it is a postgres:// URL)",
    )
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if not 0 < args.tablets + args.actors <= 200 or not 0 < args.duration <= 600:
        parser.error("1..200 clients, --duration 0..600 s")
    if args.poll <= 0 or args.think < 0:
        parser.error("--poll more than 0, --think 0 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    given = os.environ.get("DATABASE_URL", "")
    on_postgres = args.postgres or given.startswith(("postgres://", "postgresql://"))
    tmp = Path(tempfile.mkdtemp(prefix="laseros-floor-load-"))
    halt_pg: Callable[[], None] | None = None
    ok = True
    try:
        print(f"load average at start: {load_average()}", flush=True)
        rounds: list[tuple[str, str | None]] = []
        if args.sqlite:
            rounds.append(("SQLite", None))
        if on_postgres:
            rounds.append(("PostgreSQL", given if given.startswith("postgres") else ""))
        for name, url in rounds:
            folder = tmp / name.lower()
            folder.mkdir()
            port = free_port()
            env = environment(folder, port)
            if url is not None:
                if not url:
                    url, halt_pg = start_postgres(tmp)
                env["DATABASE_URL"] = url
            print(f"{name}:", flush=True)
            tally = run_load(env, port, args, folder)
            ok = report(f"{name} (gunicorn --workers {args.workers}, load average now "
                        f"{load_average()})", tally) and ok  # fmt: skip
            print(
                f"  {args.tablets} tablets polling every {args.poll:.0f} s, {args.actors} acting "
                f"(pause {args.think:.1f} s), {args.duration:.0f} s; seed_demo --size {args.size}"
            )
        print(f"\nload average at the end: {load_average()}")
    finally:
        if halt_pg is not None:
            halt_pg()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
