"""A dead worker's files are read again in minutes: the claim names the cluster, the sweep puts
back what a dead cluster was reading or had fetched, /healthz names stuck files; and for real: a
qcluster killed with kill -9 mid-parse, a new one started, the file ends processed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path

import ezdxf
import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from ingest import services, tasks
from ingest.models import FileIngest, FileStatus
from laseros import workers
from laseros.models import WorkerHeartbeat

from .factories import dxf_file

ROOT = Path(__file__).resolve().parents[2]


def _queued(width: float, *, minutes_ago: float = 0) -> FileIngest:
    file = services.ingest(source_file=dxf_file(width=width), original_name="Bracket.dxf").file
    FileIngest.objects.filter(pk=file.pk).update(
        queued_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    file.refresh_from_db()
    return file


def _reading(width: float, *, worker: str, attempts: int = 1, seconds_ago: float = 10):
    file = _queued(width)
    FileIngest.objects.filter(pk=file.pk).update(
        status=FileStatus.PROCESSING,
        attempts=attempts,
        worker=worker,
        started_at=timezone.now() - timedelta(seconds=seconds_ago),
    )
    file.refresh_from_db()
    return file


def _dead_cluster(name: str = "dead-1", label: str = "") -> None:
    WorkerHeartbeat.objects.create(
        name=name, label=label, host="other-host", beat_at=timezone.now() - timedelta(seconds=90)
    )


def _task_in_queue(file: FileIngest) -> OrmQ:
    payload = SignedPackage.dumps(
        {"id": f"t{file.pk}", "func": services.PROCESS_TASK, "args": (file.pk,), "kwargs": {}}
    )
    return OrmQ.objects.create(key=Conf.CLUSTER_NAME, payload=payload, lock=timezone.now())


@pytest.mark.django_db
class TestSweep:
    def test_a_claim_names_the_worker_cluster(self, monkeypatch):
        file = _queued(60)
        monkeypatch.setenv(workers.WORKER_ENV, "cluster-7")
        assert services.start_processing(file_id=file.pk).worker == "cluster-7"
        file.refresh_from_db()
        assert file.worker == "cluster-7"

    def test_a_file_a_dead_cluster_was_reading_is_read_again_at_once(self, committed):
        """Not Q_TIMEOUT + the margin (12 minutes) later: as soon as the cluster is dead."""
        _dead_cluster()
        workers.register(name="live")
        file = _reading(61, worker="dead-1")
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 1 queued again"
        file.refresh_from_db()
        assert file.status == FileStatus.PROCESSED and file.attempts == 2  # read again, inline

    def test_a_file_a_live_cluster_is_reading_is_left_alone(self, committed):
        workers.register(name="live")
        file = _reading(62, worker="live")
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 0 queued again"
        file.refresh_from_db()
        assert file.status == FileStatus.PROCESSING and file.worker == "live"

    def test_a_file_whose_worker_process_died_under_a_live_cluster_is_read_again(
        self, committed, monkeypatch
    ):
        """The kernel killed the process for memory; django-q2 replaced it and would hand its
        task out again only after Q_RETRY (12 minutes)."""
        if not workers.process_space():
            pytest.skip("no /proc here")
        monkeypatch.setenv(workers.WORKER_ENV, "me")  # this is the cluster's main process
        workers.register(name="me")
        gone = subprocess.Popen(["true"])
        gone.wait()
        file = _reading(75, worker="me")
        FileIngest.objects.filter(pk=file.pk).update(worker_pid=gone.pid)
        task = _task_in_queue(file)
        OrmQ.objects.filter(pk=task.pk).update(lock=timezone.now() + timedelta(seconds=700))
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 1 queued again"
        file.refresh_from_db()
        task.refresh_from_db()
        assert file.status == FileStatus.QUEUED and file.worker == ""
        assert task.lock <= timezone.now()  # handed out again now

    def test_a_worker_process_is_alive_while_it_is_this_clusters(self, monkeypatch):
        if not workers.process_space():
            pytest.skip("no /proc here")
        monkeypatch.setenv(workers.WORKER_ENV, "me")
        # this process stands for the cluster's main process: a worker is a grandchild
        sentinel = subprocess.Popen(
            ["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, text=True
        )
        try:
            worker = int(sentinel.stdout.readline())
            assert not workers.worker_process_gone(cluster="me", pid=worker)
            assert workers.worker_process_gone(cluster="me", pid=os.getpid())  # not a worker
            assert not workers.worker_process_gone(cluster="other", pid=os.getpid())
            os.kill(worker, signal.SIGKILL)
            sentinel.wait(10)
            assert workers.worker_process_gone(cluster="me", pid=worker)
        finally:
            sentinel.kill()
            sentinel.wait()

    def test_a_task_still_in_the_queue_is_not_sent_twice(self, committed):
        """The dead cluster's task was released (laseros.workers): the file waits for it."""
        _dead_cluster()
        file = _reading(63, worker="dead-1")
        _task_in_queue(file)
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 1 queued again"
        file.refresh_from_db()
        assert file.status == FileStatus.QUEUED and file.worker == "" and file.attempts == 1
        assert OrmQ.objects.count() == 1

    def test_a_file_that_used_up_its_attempts_with_a_dead_cluster_fails(self, committed, settings):
        settings.Q_CLUSTER = {**settings.Q_CLUSTER, "max_attempts": 3}
        _dead_cluster()
        file = _reading(64, worker="dead-1", attempts=3)
        with committed():
            assert tasks.sweep_stuck_files() == "1 failed, 0 queued again"
        file.refresh_from_db()
        assert file.status == FileStatus.FAILED
        assert file.failure_reason.startswith("The worker stopped while reading this file")

    def test_a_queued_file_whose_task_is_gone_is_queued_again(self, committed):
        workers.register(name="live")
        lost = _queued(65, minutes_ago=5)
        waiting = _queued(66, minutes_ago=5)
        _task_in_queue(waiting)
        just_in = _queued(67)  # its task is sent right after the commit
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 1 queued again"
        for file in (lost, waiting, just_in):
            file.refresh_from_db()
        assert lost.status == FileStatus.PROCESSED
        assert waiting.status == just_in.status == FileStatus.QUEUED

    def test_with_redis_a_fetched_task_is_put_back_only_when_no_worker_can_hold_it(
        self, committed, monkeypatch
    ):
        """Redis hands a task out once: one missing from it may be in a live worker's hands,
        except when a cluster starts with no other alive."""
        monkeypatch.setattr(workers, "broker_keeps_taken_tasks", lambda: False)
        file = _queued(68, minutes_ago=5)
        with committed():
            assert tasks.sweep_stuck_files() == "0 failed, 0 queued again"
        with committed():
            assert tasks.sweep_stuck_files(alone=True) == "0 failed, 1 queued again"
        file.refresh_from_db()
        assert file.status == FileStatus.PROCESSED


@pytest.mark.django_db
class TestHealth:
    def test_a_file_on_a_dead_worker_is_named(self, client):
        workers.register(name="live")
        _dead_cluster()
        file = _reading(70, worker="dead-1")
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["failed"] == ["files"]
        assert body["checks"]["files"]["files"] == [
            {
                "id": file.pk,
                "kind": "dxf",
                "status": "processing",
                "why": "being read by worker dead-1, which is gone",
            }
        ]
        assert f"file #{file.pk} (dxf): being read" in body["checks"]["files"]["error"]
        assert file.stored_name not in response.content.decode()  # anyone may ask /healthz

    def test_a_dead_worker_is_named_as_django_q_names_it(self, client):
        _dead_cluster("0123456789abcdef", label="kansas-social-nitrogen-river")
        _reading(74, worker="0123456789abcdef")
        files = client.get("/healthz").json()["checks"]["files"]
        assert "worker kansas-social-nitrogen-river (01234567)" in files["files"][0]["why"]

    def test_a_reading_past_its_limit_is_named(self, client, settings):
        settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600}
        settings.INGEST_SWEEP_MARGIN_SECONDS = 120
        workers.register(name="live")
        _reading(71, worker="live", seconds_ago=800)
        files = client.get("/healthz").json()["checks"]["files"]
        assert files["stuck"] == 1 and "(limit 720 s)" in files["files"][0]["why"]

    def test_files_queued_with_no_live_worker_are_named(self, client, settings):
        settings.INGEST_QUEUED_STUCK_SECONDS = 120
        _queued(72, minutes_ago=1)  # not long enough
        old = _queued(73, minutes_ago=5)
        body = client.get("/healthz").json()
        assert body["failed"] == ["worker", "files"]
        [named] = body["checks"]["files"]["files"]
        assert named["id"] == old.pk and "no worker is alive" in named["why"]
        workers.register(name="live")  # a live worker: they are just waiting their turn
        assert client.get("/healthz").json()["checks"]["files"]["ok"]


# --- for real: kill -9 a qcluster mid-parse, start another ----------------------------------------


# Squares in a file the worker must still be reading when it is killed: a few seconds of reading
# (1,500 once took that long; faster nesting made it ~1 s, and the kill could come too late).
SLOW_SQUARES = 8000


def _slow_dxf(path: Path, squares: int) -> None:
    """Many separate squares, each with a hole: seconds of chaining and measuring."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    side = int(squares**0.5) + 1
    for i in range(squares):
        x, y = (i % side) * 20.0, (i // side) * 20.0
        msp.add_lwpolyline([(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)], close=True)
        msp.add_circle((x + 5, y + 5), 2)
    doc.saveas(path)


class Scratch:
    """A throwaway Laser OS driven through manage.py: its own media and its own database, a
    SQLite file, or a scratch database beside the suite's when DATABASE_URL is PostgreSQL."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.postgres = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            import psycopg

            base = url.rpartition("/")[0]
            name = f"laseros_recovery_{os.getpid()}"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
                admin.execute(f"CREATE DATABASE {name}")
            self.postgres = (f"{base}/postgres", name, f"{base}/{name}")
            self.env["DATABASE_URL"] = self.postgres[2]
        self.env.update(
            DATA_DIR=str(folder / "data"),
            MEDIA_ROOT=str(folder / "media"),
            TASKS_RUN_INLINE="false",
            REDIS_URL="",
            Q_WORKERS="1",
            # a dead worker process is found by the sweep, run between heartbeats: every 2 s
            # here, not every 30 s (a wait the test spent idle)
            WORKER_HEARTBEAT_SECONDS="1",
            WORKER_SWEEP_SECONDS="2",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.database = folder / "data" / "laseros.sqlite3"
        self.database.parent.mkdir(parents=True, exist_ok=True)
        self.clusters: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start_cluster(self, log_name: str) -> subprocess.Popen:
        log = (self.folder / log_name).open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches all of it
        )
        self.clusters.append(process)
        return process

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.postgres[2], autocommit=True) as db:
                return db.execute(sql.replace("?", "%s"), params).fetchall()
        params = tuple(
            p.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if hasattr(p, "astimezone") else p
            for p in params
        )
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            url, name, _ = self.postgres
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def files(self) -> dict[str, tuple]:
        rows = self.rows("SELECT original_name, status, attempts, worker FROM ingest_fileingest")
        return {name: (status, attempts, worker) for name, status, attempts, worker in rows}

    def wait_for(self, condition, seconds: float, what: str):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if any(p.poll() not in (None, 0) for p in self.clusters[-1:]):
                break
            time.sleep(0.2)
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in self.folder.glob("*.log"))
        pytest.fail(f"{what}: not within {seconds:.0f} s; files {self.files()}\n{logs}")

    def stop_all(self) -> None:
        for process in self.clusters:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # one signal to the main process
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.mark.slow
def test_a_file_a_killed_worker_was_reading_is_read_by_the_next_one(tmp_path):
    scratch = Scratch(tmp_path)
    slow, queued = tmp_path / "in" / "Slow-Plate.dxf", tmp_path / "in" / "Small-Bracket.dxf"
    slow.parent.mkdir()
    _slow_dxf(slow, SLOW_SQUARES)
    _slow_dxf(queued, 4)
    try:
        scratch.manage("migrate", "--noinput", "-v", "0")
        scratch.manage("ingest", str(slow))
        scratch.manage("ingest", str(queued))  # fetched by the cluster while reading the slow one
        first = scratch.start_cluster("first.log")
        scratch.wait_for(
            lambda: scratch.files()["Slow-Plate.dxf"][0] == "processing", 120, "reading starts"
        )
        time.sleep(0.5)  # well into the parse
        os.killpg(first.pid, signal.SIGKILL)  # the cluster and all its processes
        first.wait()
        status, attempts, dead_worker = scratch.files()["Slow-Plate.dxf"]
        assert (status, attempts) == ("processing", 1) and dead_worker
        # the task it had taken stays locked for Q_RETRY (720 s) unless released
        now = timezone.now()
        assert scratch.rows("SELECT count(*) FROM django_q_ormq WHERE lock > ?", now)[0][0] >= 1

        scratch.start_cluster("second.log")
        done = scratch.wait_for(
            lambda: (
                all(s == "processed" for s, _, _ in scratch.files().values()) and scratch.files()
            ),
            150,
            "both files read by the new worker",
        )
        status, attempts, worker = done["Slow-Plate.dxf"]
        assert attempts == 2 and worker not in ("", dead_worker)
        beats = dict(scratch.rows("SELECT name, stopped_at FROM laseros_workerheartbeat"))
        assert set(beats) == {dead_worker, worker} and beats[dead_worker] is None

        # one worker process killed (the kernel, out of memory): its cluster lives on
        again = tmp_path / "in" / "Slow-Plate-2.dxf"
        _slow_dxf(again, SLOW_SQUARES + 1)
        scratch.manage("ingest", str(again))
        [(pid,)] = scratch.wait_for(
            lambda: scratch.rows(
                "SELECT worker_pid FROM ingest_fileingest WHERE original_name = ? "
                "AND status = 'processing' AND worker_pid IS NOT NULL",
                "Slow-Plate-2.dxf",
            ),
            120,
            "the second slow file is read",
        )
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        scratch.wait_for(
            lambda: scratch.files()["Slow-Plate-2.dxf"][0] == "processed",
            150,
            "the file read again after its worker process died",
        )
        assert scratch.files()["Slow-Plate-2.dxf"][1:] == (2, worker)
        scratch.stop_all()
        beats = dict(scratch.rows("SELECT name, stopped_at FROM laseros_workerheartbeat"))
        assert beats[worker] is not None  # stopped cleanly, and said so
    finally:
        scratch.stop_all()
        scratch.drop()
