"""Writes on QC at the end of the floor: a job's cut parts pass (the job is Ready) or fail with
a reason (back to Queued, noted, and back on the queue)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from laseros.actors import Actor
from laseros.moves import TransitionError
from projects.models import Project

from ..models import QUEUE_ACTIVE, QueueItem, QueuePriority, QueueStatus
from .queue import default_machine, queue_add, queue_set_status


@transaction.atomic
def qc_pass(*, project: Project, by: Actor = None, note: str = "") -> Project:
    """QC passed: the job is Ready (a job already Ready is left as it is)."""
    from projects import services as project_services

    current = Project.objects.get(pk=project.pk)
    if current.status == "ready":
        return current
    if current.status != "qc":
        raise ValidationError(
            f"{current.code} is {current.get_status_display()}, not in QC: nothing to pass."
        )
    reason = "QC passed" + (f": {note.strip()}" if note.strip() else "")
    try:
        return project_services.project_transition(
            project=current, to="ready", by=by, reason=reason, from_status="qc"
        )
    except TransitionError as exc:
        raise ValidationError(f"{current.code}: {exc.detail}") from exc


QC_FAILED = "QC failed"


@transaction.atomic
def qc_fail(*, project: Project, reason: str, by: Actor = None) -> Project:
    """QC failed: the job goes back to Queued with the reason (in its history, the audit trail
    and its queue item's notes) and back on the queue, on the machine that cut it last. A job
    that failed QC and is on the queue already is left as it is."""
    from projects import services as project_services

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what is wrong with the parts."})
    current = Project.objects.get(pk=project.pk)
    last = current.status_changes.order_by("-changed_at", "-pk").first()
    if current.status == "queued" and last is not None and last.reason.startswith(QC_FAILED):
        return current
    if current.status != "qc":
        raise ValidationError(
            f"{current.code} is {current.get_status_display()}, not in QC: nothing to fail."
        )
    why = f"{QC_FAILED}: {reason}"
    try:
        project_services.project_transition(
            project=current, to="cutting", by=by, reason=why, from_status="qc"
        )
        current = project_services.project_transition(
            project=current, to="queued", by=by, reason=f"{why}; back on the queue"
        )
    except TransitionError as exc:
        raise ValidationError(f"{current.code}: {exc.detail}") from exc
    _back_on_the_queue(current, why=why, by=by)
    return current


def _back_on_the_queue(project: Project, *, why: str, by: Actor) -> QueueItem | None:
    """The job's active item goes back to Queued, or it gets a new one on the machine that cut
    it last (the default machine when none did)."""
    active = list(QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE))
    for item in active:
        if item.status == QueueStatus.CUTTING:
            queue_set_status(item=item, to=QueueStatus.QUEUED, by=by, reason=why)
    if active:
        return active[0]
    last = QueueItem.objects.filter(project=project).select_related("machine").order_by("-pk")
    machine = next((i.machine for i in last if i.machine.is_active), None) or default_machine()
    if machine is None:
        return None
    priority = project.priority if project.priority in QueuePriority.values else None
    return queue_add(
        project=project,
        machine=machine,
        priority=priority or QueuePriority.NORMAL,
        by=by,
        notes=why[:2000],
    )
