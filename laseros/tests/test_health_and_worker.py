"""/healthz tells the truth about the database, storage, the workers and stuck files; a dead
cluster's work is handed out again; tasks run after commit."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from laseros import workers
from laseros.models import WorkerHeartbeat
from laseros.tasks import enqueue_on_commit

pytestmark = pytest.mark.django_db


def _alive(name: str = "cluster-a") -> WorkerHeartbeat:
    workers.register(name=name, label="alpha-bravo")
    return WorkerHeartbeat.objects.get(name=name)


def _beat(name: str, seconds_ago: float, **fields) -> WorkerHeartbeat:
    """A cluster on another machine whose last beat was `seconds_ago`."""
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    defaults = {"label": f"{name}-label", "host": "other-host", "pid": 4242, "started_at": at}
    return WorkerHeartbeat.objects.create(name=name, beat_at=at, **{**defaults, **fields})


def test_healthy_when_worker_beat_recently(client):
    _alive()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert [c["label"] for c in body["checks"]["worker"]["alive"]] == ["alpha-bravo"]
    assert body["checks"]["files"] == {"ok": True, "stuck": 0, "files": []}


def test_503_names_a_worker_that_never_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["worker"]
    assert "qcluster" in response.json()["checks"]["worker"]["error"]


def test_503_names_a_stale_worker(client):
    _beat("old", 600)
    body = client.get("/healthz").json()
    error = body["checks"]["worker"]["error"]
    assert body["failed"] == ["worker"] and re.search(r"\b(600|601|602) s ago", error), error


def test_a_worker_silent_for_more_than_a_minute_is_dead_and_named(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 60
    _beat("quiet", 45)
    assert client.get("/healthz").status_code == 200
    WorkerHeartbeat.objects.filter(name="quiet").update(
        beat_at=timezone.now() - dt.timedelta(seconds=61)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    error = response.json()["checks"]["worker"]["error"]
    assert "worker quiet-label on other-host pid 4242" in error
    assert "(more than 60 s)" in error


def test_a_worker_whose_process_ended_on_this_machine_is_dead_at_once(client):
    """A kill -9 of the cluster seen before its heartbeat goes stale (pid gone, or reused)."""
    finished = subprocess.Popen(["true"])
    finished.wait()
    space = workers.process_space()
    if not space:
        pytest.skip("no /proc here: only heartbeats tell a dead worker")
    _beat("killed", 5, host="here", pid=finished.pid, pid_start=1, process_space=space)
    body = client.get("/healthz").json()
    assert body["failed"] == ["worker"]
    assert f"its process {finished.pid} on here has ended" in body["checks"]["worker"]["error"]
    # the same pid with another start time is another process (a restarted container)
    _beat("reused", 5, host="here", pid=os.getpid(), pid_start=1, process_space=space)
    assert "reused" in [
        c["name"] for c in client.get("/healthz").json()["checks"]["worker"]["dead"]
    ]


def test_a_stopped_worker_is_not_alive(client):
    _beat("done", 1, stopped_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["failed"] == ["worker"] and "stopped at" in body["checks"]["worker"]["error"]


def test_one_live_worker_is_enough(client):
    _beat("old", 600)
    _alive("new")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert [c["name"] for c in body["checks"]["worker"]["dead"]] == ["old"]


def test_503_names_unwritable_storage(client, settings, tmp_path):
    _alive()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


def test_the_worker_command_is_laseros_own():
    """`manage.py qcluster` is the wrapper with the heartbeat, not django-q2's bare one."""
    assert get_commands()["qcluster"] == "laseros"
    assert not Schedule.objects.filter(name="laseros.heartbeat").exists()


def test_a_cluster_beats_and_stops():
    me = workers.register(name="c1", label="one")
    WorkerHeartbeat.objects.filter(name="c1").update(beat_at=timezone.now() - dt.timedelta(30))
    workers.beat(me)
    row = WorkerHeartbeat.objects.get(name="c1")
    assert (timezone.now() - row.beat_at).total_seconds() < 5 and row.started_at == me.started_at
    WorkerHeartbeat.objects.all().delete()  # removed by someone: written again
    workers.beat(me)
    assert WorkerHeartbeat.objects.get(name="c1").started_at == me.started_at
    workers.stopped(me)
    assert workers.live_worker_names() == set()


# --- releasing what a dead cluster took from the database queue -------------------------------


def _ormq(args: tuple, *, taken_seconds_ago: float | None) -> OrmQ:
    """A task in django-q2's database queue; taken by a cluster `taken_seconds_ago` (its lock
    runs until then + Q_RETRY), or waiting (None)."""
    from django_q.conf import Conf
    from django_q.signing import SignedPackage

    now = timezone.now()
    payload = SignedPackage.dumps({"id": f"t{args}", "func": "x.y", "args": args, "kwargs": {}})
    lock = now
    if taken_seconds_ago is not None:
        lock = now - dt.timedelta(seconds=taken_seconds_ago) + dt.timedelta(seconds=Conf.RETRY)
    return OrmQ.objects.create(key=Conf.CLUSTER_NAME, payload=payload, lock=lock)


def test_tasks_a_dead_cluster_took_are_handed_out_again_at_once():
    _beat("dead", 300)
    taken_by_dead = _ormq((1,), taken_seconds_ago=200)
    waiting = _ormq((2,), taken_seconds_ago=None)
    me = workers.register(name="me")
    result = workers.recover(me=me, at_start=True)
    assert result["released"] == 1 and result["dead"] == ["dead"]
    now = timezone.now()
    for task in (taken_by_dead, waiting):
        task.refresh_from_db()
    assert taken_by_dead.lock <= now  # deliverable now, not Q_RETRY seconds after it was taken
    assert workers.waiting_task_args("x.y") == {(1,), (2,)}


def test_a_cluster_starting_alone_releases_what_was_taken_a_moment_before():
    """A worker killed a second after it took its tasks, and restarted at once (a fast start):
    the new cluster, alone, has taken nothing yet, so every taken task is the dead one's."""
    _beat("dead", 1)
    WorkerHeartbeat.objects.filter(name="dead").update(stopped_at=timezone.now())
    taken_just_now = _ormq((1,), taken_seconds_ago=0.5)
    me = workers.register(name="me")
    assert workers.recover(me=me, at_start=True)["released"] == 1
    taken_just_now.refresh_from_db()
    assert taken_just_now.lock <= timezone.now()


def test_a_running_cluster_keeps_the_tasks_it_took():
    _beat("dead", 300)
    me = workers.register(name="me")
    taken_by_me = _ormq((3,), taken_seconds_ago=-1)  # after this cluster started
    workers.recover(me=me)  # the sweep while it runs
    taken_by_me.refresh_from_db()
    assert taken_by_me.lock > timezone.now()  # a live cluster's task stays its own


def test_tasks_taken_before_a_live_cluster_started_are_not_released_while_it_lives():
    _beat("older", 5, started_at=timezone.now() - dt.timedelta(seconds=600))
    taken = _ormq((1,), taken_seconds_ago=100)  # by "older" or by a dead one: cannot tell
    workers.recover(me=workers.register(name="me"), at_start=True)
    taken.refresh_from_db()
    assert taken.lock > timezone.now()


def test_recovery_runs_the_declared_sweeps_and_forgets_long_dead_clusters(monkeypatch):
    monkeypatch.setitem(
        workers.RECOVERIES, "test", "laseros.tests.test_health_and_worker.remember_sweep"
    )
    SWEEPS.clear()
    _beat("ancient", 3 * 24 * 3600)
    me = workers.register(name="me")
    result = workers.recover(me=me, at_start=True)
    assert result["test"] == "swept"
    workers.recover(me=me)  # while running: a live worker may hold tasks
    _beat("other", 5)
    workers.recover(me=workers.register(name="late"), at_start=True)
    # starting with no other cluster alive: nothing is in a live worker's hands
    assert SWEEPS == [{"alone": True}, {"alone": False}, {"alone": False}]
    assert not WorkerHeartbeat.objects.filter(name="ancient").exists()


SWEEPS = []


def remember_sweep(**kwargs):
    SWEEPS.append(kwargs)
    return "swept"


CALLS = []


def remember(value):
    CALLS.append(value)


def test_enqueue_runs_after_commit_and_not_on_rollback(django_capture_on_commit_callbacks):
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit("laseros.tests.test_health_and_worker.remember", "kept")
        assert CALLS == []  # not before the commit
    assert CALLS == ["kept"]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue_on_commit("laseros.tests.test_health_and_worker.remember", "lost")
                raise RuntimeError
        except RuntimeError:
            pass
    assert CALLS == ["kept"]


def test_a_heartbeat_slower_than_half_the_dead_limit_is_refused_at_start(tmp_path):
    """Else every live cluster would be taken for dead between two beats."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=str(tmp_path), WORKER_HEARTBEAT_SECONDS="30")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "WORKER_HEARTBEAT_STALE_SECONDS must be at least twice" in result.stderr
