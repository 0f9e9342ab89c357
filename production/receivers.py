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
    """The job may be cut now: put it in the default machine's queue. That is when proof of
    payment arrives (the job moved to Paid) or, for a client on account (7 or 30 days), when
    the quote is approved (the job moved to Approved). Any other move (a manager's override
    into Queued, a bulk action, On hold, Cancelled, a resume, QC by hand): the job's queue item
    follows where the job is (services.queue_sync.queue_follow_job).

    Sent after the projects transaction commits. A failure here must not undo the payment or the
    approval, so it is logged and written to the audit trail for a manager to act on, not raised.
    """
    to = str(to_status)
    if to == "paid" and str(from_status) not in _TAKEN_OFF_THE_QUEUE:
        # (a job a manager took off the queue, Queued -> Paid, stays off it)
        _queue_released(project, to="paid", by=by, change=kwargs.get("change"))
    elif to == "approved":
        _queue_released(project, to="approved", by=by, change=kwargs.get("change"))
    else:
        _queue_follows(
            project,
            source=str(from_status),
            to=to,
            by=by,
            reason=str(kwargs.get("reason") or ""),
            change=kwargs.get("change"),
        )


def _queue_released(project: Project, *, to: str, by: Actor, change: Any) -> None:
    """Queue the job that moved `to` Paid or Approved, if it is still there and nothing moved it
    since; a failure is recorded, not raised."""
    from laseros.audit import record
    from laseros.models import ActivityLog

    from .services import queue_approved_on_account, queue_paid_project

    try:
        fresh = Project.objects.select_related("client").get(pk=project.pk)
        on_account = fresh.client_id is not None and fresh.client.on_account
        if fresh.status != to or (to == "approved" and not on_account):
            return  # it moved on in the same transaction (an import walking a job forward)
        if change is not None and fresh.status_changes.filter(pk__gt=change.pk).exists():
            return  # it moved since (queued, then taken off the queue again by a manager)
        if to == "paid":
            queue_paid_project(project=fresh, by=by)
        else:
            queue_approved_on_account(project=fresh, by=by)
    except Exception as exc:
        logger.exception("could not queue %s project %s", to, getattr(project, "code", project))
        said = "Paid" if to == "paid" else "Approved on account"
        with transaction.atomic():
            record(
                action=ActivityLog.Action.OTHER,
                obj=project,
                message=f"{said}, but not queued automatically: {exc}"[:500],
                user=by,
            )


def _queue_follows(
    project: Project, *, source: str, to: str, by: Actor, reason: str, change: Any
) -> None:
    """Any other move (a manager's override into Queued, a bulk action, On hold, Cancelled, a
    resume, QC by hand): the job's queue item follows where the job is now
    (services.queue_follow_job). A move the job has made since is left to its own signal. A
    failure is recorded, not raised: the job's move stands."""
    from laseros.audit import record
    from laseros.models import ActivityLog
    from projects.models import ProjectStatus

    from .services.queue_sync import queue_follow_job

    def label(status: str) -> str:
        return ProjectStatus(status).label if status in ProjectStatus.values else status

    why = f"job {label(source)} → {label(to)}" + (f": {reason}" if reason else "")
    try:
        if (
            change is not None
            and Project.objects.filter(pk=project.pk, status_changes__pk__gt=change.pk).exists()
        ):
            return  # it moved again since: that move's signal puts the queue right
        queue_follow_job(project=project, by=by, reason=why[:250])
    except Exception as exc:
        logger.exception("the queue did not follow %s (%s)", getattr(project, "code", project), why)
        with transaction.atomic():
            record(
                action=ActivityLog.Action.OTHER,
                obj=project,
                message=f"{why}, but its queue item did not follow: {exc}"[:500],
                user=by,
            )


def on_file_processed(sender: Any, event: str = "", payload: dict | None = None, **kwargs: Any):
    """A drawing was measured (again): the job's queue items that carry the drawings' estimate,
    or none, get their minutes worked out again (a manager's typed minutes stay)."""
    code = (payload or {}).get("project_code")
    if not code:
        return
    from .models import QUEUE_ACTIVE, QueueItem
    from .services.queue_sync import queue_estimate_refresh

    project = Project.objects.filter(code=code).first()
    if (
        project is None
        or not QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE).exists()
    ):
        return
    try:
        queue_estimate_refresh(project=project, by=None)
    except Exception:
        logger.exception("could not work out %s's estimate again", code)


def connect() -> None:
    """Listen to projects' `project_status_changed` (sent after the projects transaction commits)."""
    from ingest.signals import file_processed
    from projects.signals import project_status_changed

    project_status_changed.connect(
        on_project_status_changed,
        # paid, and on account approved; every other move: the queue follows the job
        dispatch_uid="production.queue_paid_project",
    )
    file_processed.connect(on_file_processed, dispatch_uid="production.queue_estimate_refresh")
