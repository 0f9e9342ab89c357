"""The worker clusters (django-q2 `manage.py qcluster`): which are alive, and putting back the
work a dead one had taken.

Each cluster's main process (laseros' own `qcluster` command) keeps a WorkerHeartbeat row named by
the cluster's id: written when it starts, every WORKER_HEARTBEAT_SECONDS while its processes run,
and marked stopped when it stops. Its worker processes inherit the id (LASEROS_WORKER), so a task
can record which cluster ran it (ingest notes it on the file it claims).

A cluster is dead when it stopped, when its last beat is older than
WORKER_HEARTBEAT_STALE_SECONDS, or, on the same machine, when its process is gone (a restart right
after a kill -9 sees it at once). `recover()` runs when a cluster starts and every
WORKER_SWEEP_SECONDS: tasks a dead cluster had taken from the database queue are released so they
are delivered again now (django-q2 would wait Q_RETRY seconds), then each app's declared recovery
runs (`declare_recovery`; ingest puts back the files a dead worker was reading).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKER_ENV = "LASEROS_WORKER"  # the cluster id, inherited by the cluster's processes
CLOCK_SKEW = timedelta(seconds=2)  # between machines that share the database
KEEP_DEAD_FOR = timedelta(days=1)  # a dead cluster's row is shown this long, then removed

# Run by every cluster at its start and every WORKER_SWEEP_SECONDS (name -> dotted path of a
# function(*, alone: bool) -> str). Apps add theirs with `declare_recovery` in AppConfig.ready().
RECOVERIES: dict[str, str] = {}


def declare_recovery(name: str, func: str) -> None:
    RECOVERIES[name] = func


def current_worker() -> str:
    """The id of the cluster this process belongs to; empty outside a cluster (web, tests)."""
    return os.environ.get(WORKER_ENV, "")


def process_space() -> str:
    """Where a process id names the same process: this boot of this machine, this PID namespace
    (a container has its own). Empty where it cannot be told (then only heartbeats count)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"[:200]


def process_start(pid: int | None) -> int | None:
    """When process `pid` started (clock ticks since boot); None when there is no such process
    or it cannot be told."""
    stat = _stat(pid)
    return stat[1] if stat else None


def _stat(pid: int | None) -> tuple[int, int] | None:
    """(parent pid, start time) of process `pid` from /proc; None when it is not there."""
    if not pid:
        return None
    try:
        text = Path(f"/proc/{int(pid)}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()  # from the 3rd field (state) on
        return int(fields[1]), int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def worker_process_gone(*, cluster: str, pid: int | None) -> bool:
    """Whether worker process `pid` of `cluster` has died while its cluster lives on (django-q2
    replaces it, e.g. after the kernel killed it for memory, and its task waits Q_RETRY). Only
    that cluster's main process can tell (its workers are its sentinel's children); elsewhere,
    or without /proc, False."""
    if not pid or not cluster or cluster != current_worker() or not process_space():
        return False
    stat = _stat(pid)
    if stat is None:
        return True
    sentinel = _stat(stat[0])
    return sentinel is None or sentinel[0] != os.getpid()  # the number is another's now


@dataclass
class Cluster:
    """This process's own cluster, as its main process knows it."""

    name: str
    label: str
    started_at: datetime


def register(*, name: str, label: str = "") -> Cluster:
    """A new cluster: its row, alive from now."""
    now = timezone.now()
    me = Cluster(name=name[:100], label=label[:100], started_at=now)
    WorkerHeartbeat.objects.update_or_create(name=me.name, defaults=_row(me, now))
    return me


def beat(me: Cluster) -> None:
    """Still alive (the row is written again if someone removed it)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=me.name, stopped_at__isnull=True).update(
        beat_at=now
    )
    if not updated:
        WorkerHeartbeat.objects.update_or_create(name=me.name, defaults=_row(me, now))


def stopped(me: Cluster) -> None:
    """The cluster has stopped: nothing it took is still being done."""
    now = timezone.now()
    WorkerHeartbeat.objects.filter(name=me.name).update(beat_at=now, stopped_at=now)


def _row(me: Cluster, now: datetime) -> dict[str, Any]:
    pid = os.getpid()
    return {
        "label": me.label,
        "host": socket.gethostname()[:255],
        "pid": pid,
        "pid_start": process_start(pid),
        "process_space": process_space(),
        "started_at": me.started_at,
        "beat_at": now,
        "stopped_at": None,
    }


def why_dead(row: WorkerHeartbeat, *, now: datetime | None = None) -> str:
    """Why this cluster is taken for dead ("" when it is alive)."""
    now = now or timezone.now()
    stale = int(settings.WORKER_HEARTBEAT_STALE_SECONDS)
    if row.stopped_at is not None:
        return f"stopped at {timezone.localtime(row.stopped_at):%Y-%m-%d %H:%M:%S}"
    age = (now - row.beat_at).total_seconds()
    if age > stale:
        return f"last heartbeat {int(age)} s ago (more than {stale} s)"
    space = process_space()
    same_machine = bool(space) and row.process_space == space
    checkable = same_machine and row.pid and row.pid_start is not None
    if checkable and process_start(row.pid) != row.pid_start:  # gone, or its number reused
        return f"its process {row.pid} on {row.host} has ended"
    return ""


def clusters(*, now: datetime | None = None) -> tuple[list[WorkerHeartbeat], list[WorkerHeartbeat]]:
    """(alive, dead) clusters, newest first; each row has `.dead_because`."""
    now = now or timezone.now()
    alive, dead = [], []
    for row in WorkerHeartbeat.objects.order_by("-beat_at", "-id"):
        row.dead_because = why_dead(row, now=now)
        (dead if row.dead_because else alive).append(row)
    return alive, dead


def labels(names: set[str]) -> dict[str, str]:
    """How to name these clusters to a person: "label (id…)", or the id where no label is known."""
    rows = WorkerHeartbeat.objects.filter(name__in=names).exclude(label="")
    return {name: f"{label} ({name[:8]})" for name, label in rows.values_list("name", "label")}


def live_worker_names() -> set[str]:
    alive, _ = clusters()
    return {row.name for row in alive}


def release_orphaned_tasks(*, alive: list[WorkerHeartbeat], alone: bool = False) -> int:
    """Tasks that a dead cluster took from the database queue, delivered again now.

    django-q2's ORM broker locks a row it hands out until Q_RETRY seconds later and deletes it
    once done; it does not say who took it. A cluster starting with no other alive (`alone`)
    has taken nothing yet: every taken row is a dead cluster's. Otherwise a row taken before
    every live cluster started was taken by one that is gone. (A dead cluster's rows taken after
    a live one started cannot be told from the live one's: Q_RETRY still brings those back.)
    Redis hands a task out once: what a dead cluster took is gone from Redis, and the apps'
    recoveries queue it again."""
    from django_q.conf import Conf
    from django_q.models import OrmQ

    if not Conf.ORM:
        return 0
    now = timezone.now()
    if alone:
        return (
            OrmQ.objects.using(Conf.ORM)
            .filter(lock__gt=now)
            .update(lock=now - timedelta(seconds=1))
        )
    started = min((row.started_at for row in alive if row.started_at), default=now)
    taken_before = started - CLOCK_SKEW
    locks_before = taken_before + timedelta(seconds=int(Conf.RETRY))
    return (
        OrmQ.objects.using(Conf.ORM)
        .filter(lock__gt=now, lock__lt=locks_before)
        .update(lock=now - timedelta(seconds=1))
    )


def waiting_task_args(func: str) -> set[tuple] | None:
    """The arguments of each task for `func` still in the broker (queued, or taken and not
    finished where the broker keeps it: the ORM broker does, Redis does not). None when the
    broker cannot be read."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    try:
        if Conf.ORM:
            payloads = list(OrmQ.objects.using(Conf.ORM).values_list("payload", flat=True))
        elif Conf.REDIS or Conf.DJANGO_REDIS:
            broker = get_broker()
            payloads = broker.connection.lrange(broker.list_key, 0, -1)
        else:
            return None
    except Exception:
        logger.warning("could not read the task queue", exc_info=True)
        return None
    found = set()
    for payload in payloads:
        try:
            task = SignedPackage.loads(payload)
        except Exception:  # another key's, or damaged: not ours to judge
            continue
        if task.get("func") == func:
            found.add(tuple(task.get("args") or ()))
    return found


def release_task(func: str, args: tuple) -> int:
    """Hand out again now the taken tasks for `func(*args)` in the database queue (their worker
    died); 0 with another broker."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    if not Conf.ORM:
        return 0
    now = timezone.now()
    released = 0
    for pk, lock, payload in (
        OrmQ.objects.using(Conf.ORM).filter(lock__gt=now).values_list("pk", "lock", "payload")
    ):
        try:
            task = SignedPackage.loads(payload)
        except Exception:
            continue
        if task.get("func") == func and tuple(task.get("args") or ()) == tuple(args):
            released += (
                OrmQ.objects.using(Conf.ORM)
                .filter(pk=pk, lock=lock)
                .update(lock=now - timedelta(seconds=1))
            )
    return released


def broker_keeps_taken_tasks() -> bool:
    """Whether a task taken by a cluster stays in the broker until it is done (ORM)."""
    from django_q.conf import Conf

    return bool(Conf.ORM)


def recover(*, me: Cluster | None = None, at_start: bool = False) -> dict[str, Any]:
    """Put back what dead clusters had taken; run at a cluster's start and every
    WORKER_SWEEP_SECONDS by its main process. Each step's failure is logged, not raised."""
    alive, dead = clusters()
    results: dict[str, Any] = {"dead": [row.name for row in dead]}
    # Starting with no other cluster alive: no live worker holds any task yet.
    alone = at_start and all(me is not None and row.name == me.name for row in alive)
    try:
        results["released"] = release_orphaned_tasks(alive=alive, alone=alone)
    except Exception:
        logger.exception("could not release the tasks of dead workers")
    for name, path in RECOVERIES.items():
        try:
            results[name] = import_string(path)(alone=alone)
        except Exception:
            logger.exception("recovery %s failed", name)
    try:
        WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - KEEP_DEAD_FOR).delete()
    except Exception:
        logger.exception("could not remove old worker heartbeats")
    return results
