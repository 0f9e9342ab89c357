"""`manage.py qcluster`: django-q2's cluster, with a heartbeat and the recovery after a dead one.

Before the cluster starts, its row is written and `laseros.workers.recover()` puts back what dead
clusters had taken (their tasks in the database queue, the files they were reading). While it runs,
this main process writes the heartbeat every WORKER_HEARTBEAT_SECONDS and recovers again every
WORKER_SWEEP_SECONDS. The worker processes inherit the cluster's id (LASEROS_WORKER). When the
cluster stops (one SIGINT or SIGTERM to this process), its row is marked stopped; when its
processes die under it, this process says so and exits with status 1.
"""

from __future__ import annotations

import logging
import os
import time

from django import db
from django.conf import settings
from django_q.management.commands.qcluster import Command as DjangoQClusterCommand

from laseros import workers

logger = logging.getLogger("laseros.workers")


class Command(DjangoQClusterCommand):
    help = (
        "Starts the worker (a django-q2 cluster) with its heartbeat; first puts back the work "
        "of clusters that died."
    )

    def handle(self, *args, **options):
        from django_q.cluster import Cluster

        settings.SECRET_KEY  # noqa: B018 - as django-q2's: refuse to start without it
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = Cluster()
        me = workers.register(name=cluster.cluster_id.hex, label=cluster.name)
        os.environ[workers.WORKER_ENV] = me.name  # inherited by the processes it starts
        found = workers.recover(me=me, at_start=True)
        logger.info("worker %s (%s) starting; recovery: %s", me.label, me.name, found)
        db.connections.close_all()  # the cluster's processes are forked: no shared connection
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()
            _quietly(workers.stopped, me)
            return
        self.watch(cluster, me)

    def watch(self, cluster, me: workers.Cluster) -> None:
        """Beat and recover while the cluster's processes run; mark it stopped after."""
        beat_every = max(1, int(settings.WORKER_HEARTBEAT_SECONDS))
        sweep_every = max(1, int(settings.WORKER_SWEEP_SECONDS))
        next_sweep = time.monotonic() + sweep_every
        sentinel = cluster.sentinel
        while sentinel.is_alive():
            sentinel.join(beat_every)  # returns at once when the cluster stops
            if not sentinel.is_alive():
                break
            db.close_old_connections()
            _quietly(workers.beat, me)
            if time.monotonic() >= next_sweep:
                _quietly(workers.recover, me=me)
                next_sweep = time.monotonic() + sweep_every
        _quietly(workers.stopped, me)
        code = sentinel.exitcode
        if code not in (0, None):
            logger.error("worker %s: its processes died (exit code %s)", me.label, code)
            raise SystemExit(1)


def _quietly(step, *args, **kwargs) -> None:
    """A heartbeat or recovery that fails (the database away a moment) is logged; the next one
    tries again on a new connection."""
    try:
        step(*args, **kwargs)
    except Exception:
        logger.warning("worker: %s failed", step.__name__, exc_info=True)
        db.connection.close()
