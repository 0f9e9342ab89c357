"""The queue follows the job: when a job moves in projects (a manager's override, a bulk action,
On hold, Cancelled, resume, QC by hand), its queue item is put where the job now is. The other
way, an item moved by hand moves its job: queue.queue_set_status.

Called by production.receivers on projects' `project_status_changed` (after the move commits);
each call reads where the job is now, so a late or repeated signal does nothing more.
"""

from __future__ import annotations

from django.db import transaction

from laseros.actors import Actor
from laseros.audit import diff_instances, instance_values
from laseros.models import ActivityLog
from projects.models import Project, ProjectStatus

from ..models import QUEUE_ACTIVE, Machine, QueueItem, QueuePriority, QueueStatus
from .estimates import has_estimate_note, job_estimate, notes_with_estimate
from .queue import (
    _add_item,
    _audit_queue,
    _lock_machine,
    _lock_project,
    _set_item_status,
    default_machine,
)

# Where the job is cut: it has exactly one active item, queued or cutting as the job is.
_IN_THE_QUEUE = {
    ProjectStatus.QUEUED: QueueStatus.QUEUED,
    ProjectStatus.CUTTING: QueueStatus.CUTTING,
}
# Past the cutting: its item is done.
_CUT = (ProjectStatus.QC, ProjectStatus.READY, ProjectStatus.COMPLETED)


def machine_for(project: Project, last: QueueItem | None = None) -> Machine | None:
    """Where the job is (re)queued: an active machine that cuts its material and thickness
    (Machine.materials, max_thickness_mm): the machine its last item was on (a job back from On
    hold returns to its machine), else the default machine, else the first able one by code.
    None when no active machine can cut it."""
    able = Machine.objects.active().able_to_cut(project.material_id, project.thickness_mm)
    ids = set(able.values_list("pk", flat=True))
    if last is not None and last.machine_id in ids:
        return last.machine
    default = default_machine()
    if default is not None and default.pk in ids:
        return default
    return able.order_by("code").first()


def cannot_cut(project: Project) -> str:
    """Why no machine takes the job: its material and thickness, named."""
    material = project.material
    what = " ".join(
        part
        for part in (
            material.code if material is not None else "",
            f"{project.thickness_mm.normalize():f} mm" if project.thickness_mm else "",
        )
        if part
    )
    return f"No active machine cuts {what or 'this job'}: choose its materials and thickest plate."


@transaction.atomic
def queue_follow_job(*, project: Project, by: Actor = None, reason: str = "") -> QueueItem | None:
    """Put the job's queue item where the job is now: Queued or Cutting → exactly one active
    item, queued or cutting with it (a job with none is put back on the machine it was last on,
    at the end of its priority); QC, Ready, Completed → its item done; anywhere else (Paid
    again, On hold, Cancelled) → its item taken out of the queue, kept as cancelled with
    `reason`. Idempotent. Returns the job's active item, if it has one."""
    items = list(
        QueueItem.objects.filter(project_id=project.pk)
        .select_related("machine")
        .order_by("-added_at", "-pk")
    )
    last = items[0] if items else None
    queued = Project.objects.filter(pk=project.pk, status__in=list(_IN_THE_QUEUE)).exists()
    target = machine_for(project, last) if queued else None  # only a job to queue needs one
    machines = {i.machine_id for i in items if i.is_active} | ({target.pk} if target else set())
    for machine in Machine.objects.filter(pk__in=machines).order_by("pk"):
        _lock_machine(machine)  # every machine first, in one order; then the job
    current = _lock_project(project)
    active = list(
        QueueItem.objects.filter(project_id=current.pk, status__in=QUEUE_ACTIVE)
        .select_related("machine", "project")
        .order_by("added_at", "pk")
    )
    status = ProjectStatus(current.status)
    why = reason or f"the job is {status.label}"
    if status in _IN_THE_QUEUE:
        target = target or machine_for(current, last)  # (it moved into the queue meanwhile)
        return _one_active_item(current, active, last, target, want=_IN_THE_QUEUE[status], by=by)
    for item in active:
        if status in _CUT:
            if item.status == QueueStatus.QUEUED:
                _set_item_status(item=item, to=QueueStatus.CUTTING, by=by, reason=why)
            _set_item_status(item=item, to=QueueStatus.DONE, by=by, reason=why)
        else:
            _set_item_status(item=item, to=QueueStatus.CANCELLED, by=by, reason=why)
    return None


def _one_active_item(
    project: Project,
    active: list[QueueItem],
    last: QueueItem | None,
    target: Machine | None,
    *,
    want: str,
    by: Actor,
) -> QueueItem:
    """The job's one active item, made (on `target`) when it has none, in status `want`; a
    second active item (rows from before the rule) is taken out."""
    label = ProjectStatus(project.status).label
    for extra in active[1:]:
        _set_item_status(
            item=extra,
            to=QueueStatus.CANCELLED,
            by=by,
            reason=f"{project.code} has another queue item on {active[0].machine.code}",
        )
    if active:
        item = active[0]
    else:
        if target is None:
            raise _no_machine(project)
        item = _add_item(
            project=project,
            machine=target,
            priority=project.priority
            if project.priority in QueuePriority.values
            else QueuePriority.NORMAL,
            by=by,
            scheduled_date=last.scheduled_date if last else None,
            # a manager's minutes come back with the job; the drawings' are worked out again
            estimated_minutes=(
                last.estimated_minutes if last and not has_estimate_note(last.notes) else None
            ),
            notes=f"the job is {label} again",
        )
    if item.status != want:  # queued ⇄ cutting, as the job moved
        item = _set_item_status(item=item, to=want, by=by, reason=f"the job is {label}")
    return item


def _no_machine(project: Project):
    from django.core.exceptions import ValidationError

    if not Machine.objects.active().exists():
        return ValidationError(
            {"machine": f"{project.code} could not be queued: there is no active machine."}
        )
    return ValidationError(
        {"machine": f"{project.code} could not be queued. {cannot_cut(project)}"}
    )


@transaction.atomic
def queue_estimate_refresh(*, project: Project, by: Actor = None) -> list[QueueItem]:
    """Work the job's active items' estimated minutes out again (its drawings were measured
    again): items whose minutes came from the drawings, or have none; a manager's typed minutes
    are kept. Returns the items changed."""
    changed: list[QueueItem] = []
    estimate = None
    for item in QueueItem.objects.select_for_update().filter(
        project_id=project.pk, status__in=QUEUE_ACTIVE
    ):
        if item.estimated_minutes is not None and not has_estimate_note(item.notes):
            continue  # typed by a manager
        estimate = estimate or job_estimate(Project.objects.get(pk=project.pk))
        before = instance_values(item)
        item.estimated_minutes = estimate.minutes
        item.notes = notes_with_estimate(item.notes, estimate.note)
        diff = diff_instances(before, instance_values(item))
        if not diff:
            continue
        item.full_clean()
        item.save(update_fields=["estimated_minutes", "notes"])
        _audit_queue(
            item,
            by=by,
            action=ActivityLog.Action.UPDATE,
            changes=diff,
            message="estimate worked out again from the measured drawings",
        )
        changed.append(item)
    return changed
