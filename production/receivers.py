"""Production listens to the layers below it (ARCHITECTURE.md: lower apps signal upward)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from laseros.actors import Actor
from projects.models import Project

logger = logging.getLogger(__name__)

# Moves into Paid that are not a payment arriving: a job taken back off the queue or production.
_TAKEN_OFF_THE_QUEUE = {"queued", "cutting", "qc", "ready", "completed"}


def on_project_status_changed(
    sender: type[Project],
    project: Project,
    from_status: str,
    to_status: str,
    by: Actor = None,
    **kwargs: Any,
) -> None:
    """Proof of payment arrived (the job moved to Paid): put it in the default machine's queue.

    Sent after the projects transaction commits. A failure here must not undo the payment, so it
    is logged and written to the audit trail for a manager to act on, not raised.
    """
    if str(to_status) != "paid" or str(from_status) in _TAKEN_OFF_THE_QUEUE:
        # A job a manager took off the queue (Queued -> Paid) stays off it.
        return
    from laseros.audit import record
    from laseros.models import ActivityLog

    from .services import queue_paid_project

    change = kwargs.get("change")
    try:
        fresh = Project.objects.get(pk=project.pk)
        if fresh.status != "paid":
            return  # it moved on in the same transaction (an import walking a job forward)
        if change is not None and fresh.status_changes.filter(pk__gt=change.pk).exists():
            return  # it moved since (queued, then taken off the queue again by a manager)
        queue_paid_project(project=fresh, by=by)
    except Exception as exc:
        logger.exception("could not queue paid project %s", getattr(project, "code", project))
        with transaction.atomic():
            record(
                action=ActivityLog.Action.OTHER,
                obj=project,
                message=f"Paid, but not queued automatically: {exc}"[:500],
                user=by,
            )


def connect() -> None:
    """Listen to projects' `project_status_changed` (sent after the projects transaction commits)."""
    from projects.signals import project_status_changed

    project_status_changed.connect(
        on_project_status_changed, dispatch_uid="production.queue_paid_project"
    )
