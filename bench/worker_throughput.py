"""Benchmark: corpus files through the background worker against their bare parse times.

    .venv/bin/python bench/worker_throughput.py [--files 200] [--workers 1 [2 ...]]
        [--timeout 900] [--env NAME=VALUE ...] [--bare-again] [--keep]

Issue 4, item 10: "200 corpus files through the worker take at most 1.3x the sum of their bare
parse times".

Files: the samples under ingest/tests/samples/ (dxf, lightburn, pdf, xlsx, images and the legacy
folder tree; misc/ holds copies and is left out; identical bytes are taken once; empty files are
left out because ingest() refuses them before any worker sees them). The samples that are meant
to fail (a damaged DXF, a broken PNG, a password-protected PDF and workbook) stay in: a real inbox
has a few. The samples are cycled, kinds spread evenly, until there are --files of them, and each
copy is made distinct in its bytes while staying valid (the service stores the same bytes once):
a 999 comment group at the top of a DXF (ASCII or binary), an XML comment after a LightBurn
project, a "%bench" line after a PDF's %%EOF, bytes after an image's end, another archive comment
in an .xlsx (a password-protected workbook is not a zip: bytes appended).

Bare parse: in this process, `ingest.content.pipeline.analyse(path, build_parse_context(original_name=
name))` on every copy, timed one by one, after a warm-up parse of one file of each kind (so
imports are not counted). That is the context the worker builds for a file in a project with no
material or thickness (the legacy tree's files are named by their folder path, as its import does).

Through the worker: a throwaway environment in a temporary folder (its own SQLite DATABASE_URL,
DATA_DIR and MEDIA_ROOT, set before django.setup() and passed on to the worker; DEBUG off,
TASKS_RUN_INLINE off, no REDIS_URL so django-q2's ORM broker is used), `migrate`, a client and a
project made through their services, every copy received with `ingest.services.ingest()` (its
task waits in the ORM queue), then a real `manage.py qcluster` with Q_WORKERS=--workers is
started and the database is polled until every file is processed or failed. The cluster is
stopped with one SIGINT to its main process (it runs in its own session, so a Ctrl-C here does
not reach its children: django-q2 hangs when the whole group gets the signal). Timings come from
the files' own started_at / finished_at, so "inside tasks" runs from the claim to the start of
saving the result, and "between tasks" is the rest (saving, the queue, the result, the claim).

`--workers 0` is a round without a cluster: `ingest.tasks.process_file` called in this process,
one file after another, with the time of each step (claim, parse, progress writes, keeping the
result): the task's own cost, apart from the cluster's. Several values (`--workers 0 1 2`) run
one round each, with their own copies (the marker names the round; same lengths) in their own
project, against the same bare times. `--env NAME=VALUE` sets a variable for the bare parse and
the worker alike (e.g. OMP_THREAD_LIMIT=1 for Tesseract).

A shared machine drifts: every phase also says how much CPU the rest of the machine used meanwhile
(/proc/stat minus this benchmark's and the cluster's processes), and `--bare-again` parses bare a
second time after the rounds and compares with the mean of both passes. OCR dominates the bare
sum and its time varies most (Tesseract's threads suffer first when the CPUs are shared). For a
cluster round the CPU of each of its processes is listed (main, sentinel, workers with their
Tesseract children, monitor, pusher). Prints figures; asserts nothing; the folder is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import os
import secrets
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "ingest" / "tests" / "samples"
LEGACY_ROOT = SAMPLES / "legacy" / "profiles_import"
# Folders of samples, in the order their copies are preferred when two hold the same bytes (the
# legacy tree first: its folder names are read as the import would read them).
SAMPLE_FOLDERS = ("legacy", "dxf", "lightburn", "pdf", "xlsx", "images")
KINDS = {
    ".dxf": "dxf",
    ".lbrn": "lightburn",
    ".lbrn2": "lightburn",
    ".pdf": "pdf",
    ".xlsx": "excel",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}
TARGET = 1.3
BINARY_DXF_SENTINEL = b"AutoCAD Binary DXF\r\n\x1a\x00"
POLL_SECONDS = 0.5  # the database is polled this often while the cluster works
STOP_WAIT_SECONDS = 60
# The task's steps timed in a --workers 0 round: (module, function, label).
TASK_STEPS = (
    ("ingest.services", "start_processing", "claim (start_processing)"),
    ("ingest.content.pipeline", "analyse", "parse (analyse, progress included)"),
    ("ingest.services", "report_progress", "  of which progress writes"),
    ("ingest.services", "record_extraction", "keep the result (record_extraction)"),
    ("ingest.services", "record_failure", "keep a failure (record_failure)"),
)


@dataclass(frozen=True)
class Sample:
    path: Path
    kind: str
    source_path: str  # the path inside the legacy tree, else ""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def context_name(self) -> str:
        """What the worker reads the file's name from: source_path, else the name."""
        return self.source_path or self.name


@dataclass
class Copy:
    index: int
    sample: Sample
    path: Path


@dataclass
class Round:
    workers: int  # 0: process_file in this process, no cluster
    ingest_s: float = 0.0
    refused: int = 0
    duplicates: int = 0
    file_ids: list[int] = field(default_factory=list)
    copy_of_id: dict[int, int] = field(default_factory=dict)  # file id -> copy index
    started: float = 0.0  # epoch seconds: qcluster launched, or the in-process loop began
    timed_out: bool = False
    stop_note: str = ""
    rows: dict[int, dict] = field(default_factory=dict)
    steps: dict[str, list[float]] = field(default_factory=dict)  # label -> [calls, seconds]
    statements: Counter = field(default_factory=Counter)  # SQL verb -> count (in process)
    others: tuple[float, float] | None = None  # CPU-s the rest of the machine used, wall s
    cpu: list[tuple[str, float, float]] = field(default_factory=list)  # (process, own, children)

    @property
    def label(self) -> str:
        if self.workers == 0:
            return "in this process (process_file, no cluster)"
        return f"qcluster, Q_WORKERS={self.workers}"


class OthersMeter:
    """The CPU the rest of the machine used during a phase (other people's work on a shared
    machine, and a VM's steal): /proc/stat's busy time minus this process's and its children's
    (plus `ours`: processes measured apart, e.g. the cluster). None without /proc/stat."""

    def __init__(self) -> None:
        self.busy, self.own, self.started = machine_busy_s(), own_cpu_s(), time.monotonic()

    def others(self, ours: float = 0.0) -> tuple[float, float] | None:
        busy = machine_busy_s()
        if busy is None or self.busy is None:
            return None
        used = own_cpu_s() - self.own + ours
        return max(0.0, busy - self.busy - used), time.monotonic() - self.started


def machine_busy_s() -> float | None:
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def others_text(others: tuple[float, float] | None) -> str:
    if others is None:
        return "other processes' CPU: unknown (no /proc/stat)"
    cpu, wall = others
    share = 100 * cpu / max(wall * (os.cpu_count() or 1), 1e-9)
    return (
        f"other processes on the machine used {cpu:.1f} CPU-s in these {wall:.0f} s "
        f"({share:.0f}% of {os.cpu_count()} CPUs)"
    )


# --- the files ----------------------------------------------------------------------------------


def find_samples() -> list[Sample]:
    """Every distinct sample (by content) the parsers are meant to read, kinds spread evenly."""
    seen: set[str] = set()
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for folder in SAMPLE_FOLDERS:
        for path in sorted((SAMPLES / folder).rglob("*")):
            kind = KINDS.get(path.suffix.lower())
            if not path.is_file() or kind is None or path.stat().st_size == 0:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            source_path = path.relative_to(LEGACY_ROOT).as_posix() if folder == "legacy" else ""
            by_kind[kind].append(Sample(path, kind, source_path))
    # Even spread: each kind's samples at fractions (j + 0.5) / n of the cycle.
    order = sorted(
        ((j + 0.5) / len(items), kind, j)
        for kind, items in by_kind.items()
        for j in range(len(items))
    )
    return [by_kind[kind][j] for _, kind, j in order]


def marked(sample: Sample, marker: str) -> bytes:
    """The sample's bytes, made distinct by `marker` in a way its format ignores."""
    data = sample.path.read_bytes()
    text = marker.encode("ascii")
    if sample.kind == "dxf":
        if data.startswith(BINARY_DXF_SENTINEL):  # a 999 group: 2-byte code, NUL-ended string
            cut = len(BINARY_DXF_SENTINEL)
            return data[:cut] + struct.pack("<h", 999) + text + b"\x00" + data[cut:]
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        newline = b"\r\n" if b"\r\n" in data[:256] else b"\n"
        return bom + b"999" + newline + text + newline + data[len(bom) :]
    if sample.kind == "lightburn":
        return data + b"\n<!-- " + text + b" -->\n"
    if sample.kind == "pdf":
        return data + (b"" if data.endswith(b"\n") else b"\n") + b"%" + text + b"\n"
    return data + text  # images: after the end; a workbook that is not a zip: the same


def write_copy(sample: Sample, marker: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if sample.kind == "excel" and zipfile.is_zipfile(sample.path):
        shutil.copyfile(sample.path, dest)
        with zipfile.ZipFile(dest, "a") as archive:  # rewrites the end records only
            archive.comment = marker.encode("ascii")
        return
    dest.write_bytes(marked(sample, marker))


def make_copies(samples: list[Sample], n: int, round_no: int, folder: Path) -> list[Copy]:
    copies = []
    for index in range(n):
        sample = samples[index % len(samples)]
        dest = folder / f"r{round_no}" / f"{index:05d}" / sample.name
        write_copy(sample, f"bench {round_no:02d}-{index:05d}", dest)
        copies.append(Copy(index, sample, dest))
    return copies


# --- the environment ----------------------------------------------------------------------------


def environment(folder: Path) -> dict[str, str]:
    """The throwaway environment, for this process and the worker."""
    return {
        "DJANGO_SETTINGS_MODULE": "laseros.settings",
        "DATA_DIR": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "TASKS_RUN_INLINE": "false",
        "REDIS_URL": "",
        "STORAGE_BACKEND": "local",
        "DEBUG": "false",  # as in production: no query log in the worker
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def setup_django(folder: Path, extra: dict[str, str]) -> None:
    os.environ.update(environment(folder))
    os.environ.update(extra)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    name = str(settings.DATABASES["default"]["NAME"])
    if not name.startswith(str(folder)):  # never run against a real database
        raise SystemExit(f"refusing to run: the database is {name}, not in {folder}")


def migrate() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


# --- bare parse ---------------------------------------------------------------------------------


def bare_parse(copies: list[Copy], samples: list[Sample]) -> tuple[list[float], list[bool]]:
    """Seconds and success of analyse() on each copy, in this process, one after another."""
    from ingest.content.pipeline import analyse
    from ingest.parsers.base import ParseError
    from ingest.services import build_parse_context

    warm = {}
    for sample in samples:  # the first of each kind, to import the parsers before timing
        warm.setdefault(sample.kind, sample)
    started = time.perf_counter()
    for sample in warm.values():
        with contextlib.suppress(ParseError):
            analyse(sample.path, build_parse_context(original_name=sample.context_name))
    print(
        f"   warm-up: one file of each kind ({len(warm)}) in {time.perf_counter() - started:.1f} s"
    )

    seconds, ok = [], []
    report_at = time.perf_counter() + 15
    for copy in copies:
        context = build_parse_context(original_name=copy.sample.context_name)
        started = time.perf_counter()
        try:
            analyse(copy.path, context)
            success = True
        except ParseError:
            success = False
        seconds.append(time.perf_counter() - started)
        ok.append(success)
        if time.perf_counter() > report_at:
            print(f"   {len(seconds)}/{len(copies)} parsed, {sum(seconds):.1f} s so far")
            report_at = time.perf_counter() + 15
    return seconds, ok


# --- through the worker -------------------------------------------------------------------------


def receive(copies: list[Copy], round_: Round) -> None:
    """A client and a project through their services, and every copy through ingest()."""
    from django.core.exceptions import ValidationError

    from clients.services import client_create
    from ingest.models import FileSource
    from ingest.services import ingest
    from projects.services import project_create

    client = client_create(name=f"Worker bench, {round_.label}", by=None)
    project = project_create(client=client, name="Worker throughput", by=None)
    started = time.perf_counter()
    for copy in copies:
        try:
            outcome = ingest(
                source_file=copy.path,
                original_name=copy.sample.name,
                project=project,
                source=FileSource.CLI,
                source_path=copy.sample.source_path,
            )
        except ValidationError as exc:
            round_.refused += 1
            print(f"   refused {copy.sample.name}: {'; '.join(exc.messages)}")
            continue
        if not outcome.created:
            round_.duplicates += 1
            continue
        round_.file_ids.append(outcome.file.pk)
        round_.copy_of_id[outcome.file.pk] = copy.index
    round_.ingest_s = time.perf_counter() - started


def queued_tasks() -> int:
    from django_q.models import OrmQ

    return OrmQ.objects.count()


def drop_queued_tasks() -> int:
    """The in-process round runs the tasks itself: their queue entries must not reach a later
    round's cluster."""
    from django_q.models import OrmQ

    return OrmQ.objects.all().delete()[0]


def collect_rows(round_: Round) -> None:
    from ingest.models import FileIngest

    round_.rows = {
        row["pk"]: row
        for row in FileIngest.objects.filter(pk__in=round_.file_ids).values(
            "pk", "status", "started_at", "finished_at", "attempts", "kind"
        )
    }


def run_cluster(folder: Path, round_: Round, timeout_s: float) -> None:
    """Start qcluster, wait until every file is done (or the timeout), stop it with SIGINT."""
    from ingest.models import FileIngest, FileStatus

    env = dict(os.environ, Q_WORKERS=str(round_.workers))
    log_path = folder / f"qcluster-{round_.workers}.log"
    done_states = (FileStatus.PROCESSED, FileStatus.FAILED)
    ids = round_.file_ids
    with log_path.open("wb") as log:
        meter = OthersMeter()
        round_.started = time.time()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        polling_cpu = time.process_time()
        try:
            deadline = time.monotonic() + timeout_s
            report_at = time.monotonic() + 15
            while True:
                done = FileIngest.objects.filter(pk__in=ids, status__in=done_states).count()
                if done >= len(ids):
                    break
                if process.poll() is not None:
                    round_.stop_note = f"exited early (code {process.returncode})"
                    break
                if time.monotonic() > deadline:
                    round_.timed_out = True
                    break
                if time.monotonic() > report_at:
                    print(f"   {done}/{len(ids)} done after {time.time() - round_.started:.0f} s")
                    report_at = time.monotonic() + 15
                time.sleep(POLL_SECONDS)
            round_.cpu = cluster_cpu(process.pid, round_.workers)
            round_.others = meter.others(sum(own + kids for _, own, kids in round_.cpu))
            round_.cpu.append(("this benchmark, polling", time.process_time() - polling_cpu, 0.0))
        finally:
            round_.stop_note = round_.stop_note or stop_cluster(process)
    if round_.timed_out or "early" in round_.stop_note:
        print("   qcluster log (last lines):")
        for line in log_path.read_text(errors="replace").splitlines()[-20:]:
            print(f"     {line}")
    collect_rows(round_)


def cluster_cpu(root_pid: int, workers: int) -> list[tuple[str, float, float]]:
    """CPU seconds of the cluster's processes so far, from /proc: (role, own, its finished
    children's, e.g. Tesseract). django-q2's sentinel starts the workers, then the monitor, then
    the pusher; the roles are told apart by that order. Empty where /proc cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, int, float, float]] = {}  # pid -> (ppid, start, own, children)
    try:
        entries = [e for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
        own = (int(fields[11]) + int(fields[12])) / tick
        children = (int(fields[13]) + int(fields[14])) / tick
        stats[int(entry.name)] = (int(fields[1]), int(fields[19]), own, children)
    if root_pid not in stats:
        return []

    def kids(pid: int) -> list[int]:
        return sorted((p for p, s in stats.items() if s[0] == pid), key=lambda p: stats[p][1])

    rows = [("qcluster main process", stats[root_pid][2], stats[root_pid][3])]
    for sentinel in kids(root_pid):
        rows.append(("sentinel (guard, scheduler)", stats[sentinel][2], stats[sentinel][3]))
        children = kids(sentinel)
        roles = [f"worker {n + 1}" for n in range(workers)] + ["monitor", "pusher"]
        if len(children) != len(roles):
            roles = [f"process {n + 1}" for n in range(len(children))]
        for role, pid in zip(roles, children, strict=True):
            rows.append((role, stats[pid][2], stats[pid][3]))
    return rows


def stop_cluster(process: subprocess.Popen) -> str:
    """One SIGINT to the cluster's main process; escalate only if it does not stop."""
    if process.poll() is not None:
        return f"had exited (code {process.returncode})"
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        process.wait(STOP_WAIT_SECONDS)
        return f"stopped by one SIGINT in {time.monotonic() - started:.1f} s"
    except subprocess.TimeoutExpired:
        pass
    process.terminate()
    try:
        process.wait(10)
        return f"did not stop on SIGINT within {STOP_WAIT_SECONDS} s; SIGTERM stopped it"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only what it started
        process.wait()
        return "did not stop on SIGINT or SIGTERM; killed"


def run_in_process(round_: Round) -> None:
    """process_file on every file in this process, each step of the task timed."""
    from django.db import connection

    from ingest.tasks import process_file

    def count(execute, sql, params, many, context):
        round_.statements[sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"] += 1
        return execute(sql, params, many, context)

    originals = []
    for module_name, name, label in TASK_STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        originals.append((module, name, original))
        totals = round_.steps.setdefault(label, [0, 0.0])
        setattr(module, name, _timed(original, totals))
    try:
        meter = OthersMeter()
        round_.started = time.time()
        report_at = time.monotonic() + 15
        for done, file_id in enumerate(round_.file_ids, start=1):
            with connection.execute_wrapper(count):
                process_file(file_id)
            if time.monotonic() > report_at:
                print(
                    f"   {done}/{len(round_.file_ids)} done after {time.time() - round_.started:.0f} s"
                )
                report_at = time.monotonic() + 15
        round_.others = meter.others()
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    collect_rows(round_)


def _timed(function, totals: list):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[0] += 1
            totals[1] += time.perf_counter() - started

    return timed


# --- figures ------------------------------------------------------------------------------------


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    return f"min {min(values):.3f}  median {statistics.median(values):.3f}  max {max(values):.3f}"


def report_bare(
    copies: list[Copy],
    passes: list[tuple[list[float], tuple[float, float] | None]],
    seconds: list[float],
    ok: list[bool],
) -> None:
    print()
    print(f"bare parse: {len(copies)} files, {sum(ok)} read, {len(ok) - sum(ok)} failed")
    for number, (values, others) in enumerate(passes, start=1):
        when = "before the rounds" if number == 1 else "after the rounds"
        print(f"   pass {number} ({when}): sum {sum(values):.1f} s; {others_text(others)}")
    if len(passes) > 1:
        print("   reference below: the mean of the passes, file by file")
    print(f"   sum {sum(seconds):.1f} s; per file {_stats(seconds)} s")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for copy, value in zip(copies, seconds, strict=True):
        by_kind[copy.sample.kind].append(value)
    print(f"   {'kind':10s} {'files':>6s} {'sum s':>8s} {'median s':>9s} {'max s':>7s}")
    for kind, values in sorted(by_kind.items()):
        print(
            f"   {kind:10s} {len(values):6d} {sum(values):8.1f} {statistics.median(values):9.3f} "
            f"{max(values):7.2f}"
        )


def report_round(round_: Round, copies: list[Copy], bare: list[float], bare_ok: list[bool]) -> dict:
    rows = [round_.rows[pk] for pk in round_.file_ids if pk in round_.rows]
    finished = [
        r
        for r in rows
        if r["status"] in ("processed", "failed") and r["finished_at"] and r["started_at"]
    ]
    statuses = Counter(r["status"] for r in rows)
    print()
    print(f"== {round_.label}")
    print(
        f"   received {len(round_.file_ids)} files with ingest() in {round_.ingest_s:.1f} s "
        f"({1000 * round_.ingest_s / max(1, len(copies)):.0f} ms each; {round_.refused} refused, "
        f"{round_.duplicates} duplicates)"
    )
    print(
        f"   {statuses.get('processed', 0)} processed, {statuses.get('failed', 0)} failed, "
        f"{len(rows) - len(finished)} not done" + (" (timed out)" if round_.timed_out else "")
    )
    if round_.workers:
        print(f"   cluster {round_.stop_note}")
    print(f"   {others_text(round_.others)}")
    if not finished:
        return {}

    def span(r: dict) -> float:
        return r["finished_at"].timestamp() - r["started_at"].timestamp()

    def bare_of(r: dict) -> float:
        return bare[round_.copy_of_id[r["pk"]]]

    bare_sum = max(sum(bare_of(r) for r in rows), 1e-9)
    first_pick = min(r["started_at"].timestamp() for r in finished) - round_.started
    wall = max(r["finished_at"].timestamp() for r in finished) - round_.started
    after_startup = wall - first_pick
    in_task = sum(span(r) for r in finished)
    extra = [span(r) - bare_of(r) for r in finished]
    mismatched = sum(
        1 for r in finished if (r["status"] == "processed") != bare_ok[round_.copy_of_id[r["pk"]]]
    )
    retried = sum(1 for r in rows if (r["attempts"] or 0) > 1)
    start = "cluster start" if round_.workers else "loop start"

    def line(label: str, value: str) -> None:
        print(f"   {label:47s} {value}")

    line("bare parse sum of these files", f"{bare_sum:8.1f} s")
    line(f"wall: {start} -> last file done", f"{wall:8.1f} s")
    line(f"start-up: {start} -> first file claimed", f"{first_pick:8.1f} s")
    line("wall minus start-up", f"{after_startup:8.1f} s")
    line("per file (wall / files)", f"{wall / len(rows):8.3f} s")
    line("per file (wall minus start-up / files)", f"{after_startup / len(rows):8.3f} s")
    line("inside tasks (claimed -> result being saved), sum", f"{in_task:8.1f} s")
    line("  of which above the bare parse", f"{sum(extra):8.1f} s")
    line("  above the bare parse, per file", _stats(extra) + " s")
    if round_.workers <= 1:
        line("between tasks (saving, queue, result, claim)", f"{after_startup - in_task:8.1f} s")
        line("  per file", f"{1000 * (after_startup - in_task) / len(finished):8.0f} ms")
    if mismatched:
        line("files whose outcome differs from the bare parse", str(mismatched))
    if retried:
        line("files read more than once", str(retried))
    ratio = wall / bare_sum
    ratio_warm = after_startup / bare_sum
    verdict = "meets" if ratio <= TARGET else "misses"
    line(f"RATIO wall / bare sum (target <= {TARGET})", f"{ratio:8.2f}  ({verdict} the target)")
    line("ratio without the start-up", f"{ratio_warm:8.2f}")

    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in finished:
        by_kind[r["kind"]].append(span(r) - bare_of(r))
    print(
        f"   inside tasks above the bare parse, by kind   {'files':>6s} {'sum s':>7s} {'median s':>9s}"
    )
    for kind, values in sorted(by_kind.items()):
        print(
            f"     {kind:43s} {len(values):6d} {sum(values):7.1f} {statistics.median(values):9.3f}"
        )
    first_of_kind: dict[str, dict] = {}
    for r in sorted(finished, key=lambda r: r["started_at"]):
        first_of_kind.setdefault(r["kind"], r)
    if round_.workers == 1:
        first_extra = sum(span(r) - bare_of(r) for r in first_of_kind.values())
        print(
            f"   of that, the first file of each kind: {first_extra:.1f} s (a fresh worker's imports)"
        )
    if round_.cpu:
        print(f"   CPU used while the files were read           {'own s':>6s} {'children s':>11s}")
        for role, own, children in round_.cpu:
            print(f"     {role:43s} {own:6.1f} {children:11.1f}")
    if round_.steps:
        print(
            f"   the task's steps                             {'calls':>6s} {'sum s':>7s} {'mean ms':>9s}"
        )
        for label, (calls, seconds) in round_.steps.items():
            mean = f"{1000 * seconds / calls:9.1f}" if calls else f"{'-':>9s}"
            print(f"     {label:43s} {calls:6d} {seconds:7.1f} {mean}")
    if round_.statements:
        total = sum(round_.statements.values())
        verbs = ", ".join(
            f"{verb} {n / len(rows):.1f}" for verb, n in round_.statements.most_common()
        )
        print(f"   SQL statements per file: {total / len(rows):.1f} ({verbs})")
    return {
        "label": "in process" if round_.workers == 0 else f"{round_.workers} worker(s)",
        "files": len(rows),
        "bare": bare_sum,
        "wall": wall,
        "startup": first_pick,
        "ratio": ratio,
        "ratio_warm": ratio_warm,
        "processed": statuses.get("processed", 0),
        "failed": statuses.get("failed", 0),
    }


def print_summary(summary: list[dict]) -> None:
    print()
    print(
        f"{'round':>12s} {'files':>6s} {'processed':>9s} {'failed':>6s} {'bare s':>8s} "
        f"{'wall s':>8s} {'start-up s':>10s} {'ratio':>6s} {'w/o start':>9s}"
    )
    for s in summary:
        print(
            f"{s['label']:>12s} {s['files']:6d} {s['processed']:9d} {s['failed']:6d} "
            f"{s['bare']:8.1f} {s['wall']:8.1f} {s['startup']:10.1f} {s['ratio']:6.2f} "
            f"{s['ratio_warm']:9.2f}"
        )
    print(f"target: wall / bare sum <= {TARGET}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="files to push through (200)")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="Q_WORKERS of the cluster (1); 0 runs the task in this process; several values "
        "run one round each",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per round (900)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the bare parse and the worker alike (repeatable)",
    )
    parser.add_argument(
        "--bare-again",
        action="store_true",
        help="parse bare again after the rounds and compare with the mean of both passes "
        "(a shared machine drifts)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.env if "=" in item)
    if args.files < 1 or any(w < 0 for w in args.workers) or len(extra) != len(args.env):
        print("--files must be 1 or more, --workers 0 or more, --env NAME=VALUE", file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="laseros-worker-bench-"))
    try:
        setup_django(folder, extra)
        print(f"== throwaway environment in {folder}")
        if extra:
            print(f"   extra environment: {' '.join(f'{k}={v}' for k, v in extra.items())}")
        print(f"   migrate: {migrate():.1f} s")
        samples = find_samples()
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(Counter(s.kind for s in samples).items()))
        print(f"   {len(samples)} distinct samples ({kinds}), cycled to {args.files} files")

        first = make_copies(samples, args.files, 1, folder / "files")
        print(f"== bare parse, in this process, {args.files} files one after another")
        meter = OthersMeter()
        bare, bare_ok = bare_parse(first, samples)
        passes = [(bare, meter.others())]

        results = []
        for round_no, workers in enumerate(args.workers, start=1):
            copies = first
            if round_no > 1:
                copies = make_copies(samples, args.files, round_no, folder / "files")
            round_ = Round(workers=workers)
            print(f"== round {round_no}: ingest() {args.files} files, then {round_.label}")
            receive(copies, round_)
            if workers:
                print(f"   {queued_tasks()} tasks waiting in the ORM queue")
                run_cluster(folder, round_, args.timeout)
            else:
                drop_queued_tasks()
                run_in_process(round_)
            results.append((round_, copies))

        if args.bare_again:
            print(f"== bare parse again, {args.files} files")
            meter = OthersMeter()
            again, _ = bare_parse(first, samples)
            passes.append((again, meter.others()))
            bare = [statistics.fmean(values) for values in zip(bare, again, strict=True)]
        report_bare(first, passes, bare, bare_ok)
        summary = [report_round(r, c, bare, bare_ok) for r, c in results]
        summary = [s for s in summary if s]
        if summary:
            print_summary(summary)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
