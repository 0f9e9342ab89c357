"""Background work: the enqueue helper every app uses, the heartbeat, and schedules in code."""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Schedules declared in code (name -> keyword arguments for django_q.models.Schedule).
# Apps add theirs with `declare_schedule` in AppConfig.ready(); `migrate` writes them.
SCHEDULES: dict[str, dict[str, Any]] = {
    "laseros.heartbeat": {
        "func": "laseros.tasks.heartbeat",
        "schedule_type": "I",  # minutes
        "minutes": 1,
    },
}


def declare_schedule(name: str, **kwargs: Any) -> None:
    SCHEDULES[name] = kwargs


def enqueue_on_commit(func: str, *args: Any, task_name: str | None = None, **kwargs: Any) -> None:
    """Run `func` (a dotted path) in the worker once the current transaction commits.

    Outside a transaction it is enqueued at once. With TASKS_RUN_INLINE (tests, `--sync`), the
    task runs in this process after the commit, exactly as the worker would run it.
    """

    def _send() -> None:
        from django_q.tasks import async_task

        options: dict[str, Any] = {}
        if task_name:
            options["task_name"] = task_name
        if getattr(settings, "TASKS_RUN_INLINE", False):
            options["sync"] = True
        async_task(func, *args, **options, **kwargs)

    transaction.on_commit(_send, robust=False)


def heartbeat() -> str:
    """Written every minute by the worker; /healthz reads it."""
    from .models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name="qcluster", defaults={"beat_at": now, "host": socket.gethostname()[:255]}
    )
    return now.isoformat()


def declare_schedules(sender=None, app_config=None, **kwargs) -> None:
    """Create or update the schedules declared in code (runs after `migrate`)."""
    from django.apps import apps

    if app_config is not None and app_config.label != list(apps.get_app_configs())[-1].label:
        return
    from django_q.models import Schedule

    for name, options in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=options)
