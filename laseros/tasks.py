"""Background work: the enqueue helper every app uses, and schedules in code.

The workers' heartbeats and the recovery after a dead worker are in laseros.workers (written by
the cluster's own process, every few seconds: a scheduled task runs once a minute at best)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from .request_ids import bound, current_request_id

logger = logging.getLogger(__name__)

# Schedules declared in code (name -> keyword arguments for django_q.models.Schedule).
# Apps add theirs with `declare_schedule` in AppConfig.ready(); `migrate` writes them.
SCHEDULES: dict[str, dict[str, Any]] = {}


def declare_schedule(name: str, **kwargs: Any) -> None:
    SCHEDULES[name] = kwargs


def enqueue_on_commit(func: str, *args: Any, task_name: str | None = None, **kwargs: Any) -> None:
    """Run `func` (a dotted path) in the worker once the current transaction commits.

    Outside a transaction it is enqueued at once. With TASKS_RUN_INLINE (tests, `--sync`), the
    task runs in this process after the commit, exactly as the worker would run it. The task
    carries the id of the request that asked for it (laseros.request_ids), for its log lines.
    """
    request_id = current_request_id()

    def _send() -> None:
        from django_q.tasks import async_task

        options: dict[str, Any] = {}
        if task_name:
            options["task_name"] = task_name
        if getattr(settings, "TASKS_RUN_INLINE", False):
            options["sync"] = True
        with bound(request_id):
            async_task(func, *args, **options, **kwargs)

    transaction.on_commit(_send, robust=False)


def declare_schedules(sender=None, app_config=None, **kwargs) -> None:
    """Create or update the schedules declared in code (runs after `migrate`)."""
    from .apps import is_last_migrated

    if not is_last_migrated(app_config):
        return
    from django_q.models import Schedule

    for name, options in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=options)
