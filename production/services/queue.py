"""Writes on machines, operators and the queue.

Queue positions: each machine's active items hold 1..n, unique and gap-free, in the queue's
order (priority, then the manager's order within it). Every queue write locks the machine row
first (the per-machine mutex), then that machine's items in position order, and renumbers with
a two-phase update so the partial unique constraint is never violated midway.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, record_created, save_audited
from laseros.models import ActivityLog
from laseros.moves import check_move, record_move
from projects.models import Project, ProjectStatus

from ..models import (
    QUEUE_ACTIVE,
    QUEUE_TRANSITIONS,
    Machine,
    Operator,
    QueueItem,
    QueuePriority,
    QueueStatus,
    priority_rank,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def machine_save(*, machine: Machine, by: Actor = None) -> Machine:
    """Create or change a machine, with its audit entry."""
    machine.code = (machine.code or "").strip().upper()
    return save_audited(machine, by=by)


@transaction.atomic
def operator_save(*, operator: Operator, by: Actor = None) -> Operator:
    """Create or change an operator, with its audit entry."""
    return save_audited(operator, by=by)


def default_machine() -> Machine | None:
    """Where paid jobs are queued: settings.PRODUCTION_DEFAULT_MACHINE (a code) if it names an
    active machine, else the active machine with the lowest code."""
    code = getattr(settings, "PRODUCTION_DEFAULT_MACHINE", "") or ""
    active = Machine.objects.active()
    if code:
        found = active.filter(code=code.strip().upper()).first()
        if found is not None:
            return found
    return active.order_by("code").first()


# --- the queue ------------------------------------------------------------------------------------


def _lock_machine(machine: Machine) -> Machine:
    return Machine.objects.select_for_update().get(pk=machine.pk)


def _active_items(machine: Machine, *, last: int | None = None) -> list[QueueItem]:
    """The machine's active items, locked, in queue order: by priority (Urgent, High, Normal,
    Low), then position; the item `last` (a pk) goes to the end of its priority. Positions that
    do not follow that order (rows from before the rule) are put right here, under the lock."""
    items = sorted(
        QueueItem.objects.select_for_update().filter(
            machine_id=machine.pk, status__in=QUEUE_ACTIVE
        ),
        key=lambda i: (priority_rank(i.priority), i.pk == last, i.position or 0, i.pk),
    )
    _renumber(items)
    return items


def _priority_band(items: list[QueueItem], item: QueueItem) -> tuple[int, int]:
    """The first and last positions the items of `item`'s priority hold in `items`."""
    rank = priority_rank(item.priority)
    places = [n for n, i in enumerate(items, start=1) if priority_rank(i.priority) == rank]
    return places[0], places[-1]


def _renumber(ordered: list[QueueItem]) -> None:
    """Give `ordered` positions 1..n. Two phases: first lift every item that must move above all
    current positions, then set the final ones, so no statement ever sees two equal positions."""
    moving = [(i, item) for i, item in enumerate(ordered, start=1) if item.position != i]
    if not moving:
        return
    lift = max((item.position or 0) for item in ordered) + len(ordered) + 1
    ids = [item.pk for _, item in moving]
    QueueItem.objects.filter(pk__in=ids).update(position=F("position") + lift)
    QueueItem.objects.filter(pk__in=ids).update(
        position=Case(*(When(pk=item.pk, then=Value(i)) for i, item in moving))
    )
    for i, item in moving:
        item.position = i


def _audit_queue(item: QueueItem, *, by: Actor, action: str, changes: dict, message: str) -> None:
    record(action=action, obj=item, changes=changes, user=by, message=message)


@transaction.atomic
def queue_add(
    *,
    project: Project,
    machine: Machine,
    priority: str = QueuePriority.NORMAL,
    by: Actor = None,
    scheduled_date: dt.date | None = None,
    estimated_minutes: int | None = None,
    notes: str = "",
    position: int | None = None,
) -> QueueItem:
    """Put a job in a machine's queue, at the end (or at `position`, shifting the rest down)."""
    machine = _lock_machine(machine)
    if not machine.is_active:
        raise ValidationError({"machine": f"Machine {machine.code} is not active."})
    items = _active_items(machine)
    if any(item.project_id == project.pk for item in items):
        raise ValidationError(
            {"project": f"{project.code} is already in the queue of {machine.code}."}
        )
    item = QueueItem(
        machine=machine,
        project=project,
        position=len(items) + 1,  # then to the end of its priority (below)
        priority=priority,
        scheduled_date=scheduled_date,
        estimated_minutes=estimated_minutes,
        notes=notes,
        added_by=acting_user(by),
    )
    item.full_clean()
    item.save()
    ahead = sum(1 for i in items if priority_rank(i.priority) <= priority_rank(item.priority))
    if ahead < len(items):
        _renumber([*items[:ahead], item, *items[ahead:]])
    record_created(item, by=by, message=f"queued on {machine.code} at {item.position}")
    if position is not None and position != item.position:
        item = queue_move(item=item, to_position=position, by=by)
    return item


@transaction.atomic
def queue_move(*, item: QueueItem, to_position: int, by: Actor = None) -> QueueItem:
    """Move an active item to `to_position` (1 = next) in its machine's queue; the items between
    shift by one. Safe under concurrent moves: the machine row is the mutex."""
    _lock_machine(item.machine)
    items = _active_items(item.machine)
    current = next((i for i in items if i.pk == item.pk), None)
    if current is None:
        raise ValidationError({"position": "Only queued or cutting items have a position."})
    try:
        to_position = int(to_position)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"position": "The position is a whole number."}) from exc
    if not 1 <= to_position <= len(items):
        raise ValidationError(
            {"position": f"The position must be between 1 and {len(items)} on {item.machine}."}
        )
    first, last = _priority_band(items, current)
    if not first <= to_position <= last:
        label = QueuePriority(current.priority).label
        raise ValidationError(
            {
                "position": f"The queue goes by priority: a {label} job stays among the {label} "
                f"jobs (positions {first}–{last} on {item.machine.code}). Change its priority "
                "to move it past them."
            }
        )
    before = current.position
    if before == to_position:
        item.position = before
        return current
    items.remove(current)
    items.insert(to_position - 1, current)
    _renumber(items)
    item.position = current.position
    _audit_queue(
        current,
        by=by,
        action=ActivityLog.Action.UPDATE,
        changes={"position": [before, current.position]},
        message=f"moved from {before} to {current.position}",
    )
    return current


@transaction.atomic
def queue_set_status(*, item: QueueItem, to: str, by: Actor = None, reason: str = "") -> QueueItem:
    """Move a queue item along QUEUE_TRANSITIONS; leaving the queue closes its position's gap."""
    _lock_machine(item.machine)
    items = _active_items(item.machine)
    current = next((i for i in items if i.pk == item.pk), None) or QueueItem.objects.get(pk=item.pk)
    was = QueueStatus(current.status)
    check_move(
        allowed=QUEUE_TRANSITIONS,
        statuses=QueueStatus,
        current=was,
        to=to,
        refused=f"A {was.label.lower()} item cannot become {QueueStatus(to).label.lower()}."
        if to in QueueStatus.values
        else "",
    )
    fields: dict[str, Any] = {"status": to}
    now = timezone.now()
    if to == QueueStatus.CUTTING:
        fields["started_at"] = current.started_at or now
    if to not in QUEUE_ACTIVE:
        fields["position"] = None
        fields["finished_at"] = now
    QueueItem.objects.filter(pk=current.pk).update(**fields)
    changes = {name: [getattr(current, name), value] for name, value in fields.items()}
    for name, value in fields.items():
        setattr(current, name, value)
        setattr(item, name, value)
    if to not in QUEUE_ACTIVE:
        _renumber([i for i in items if i.pk != current.pk])
    record_move(current, source=was, to=to, by=by, changes=changes, reason=reason)
    return current


def queue_start(*, item: QueueItem, by: Actor = None) -> QueueItem:
    """The operator starts cutting the job (it keeps its place until done)."""
    return queue_set_status(item=item, to=QueueStatus.CUTTING, by=by, reason="started cutting")


def queue_complete(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """The job is cut: it leaves the queue and the items after it move up."""
    return queue_set_status(item=item, to=QueueStatus.DONE, by=by, reason=reason or "cut")


def queue_remove(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """Take a job out of the queue (cancelled, kept for the record); the rest move up."""
    return queue_set_status(item=item, to=QueueStatus.CANCELLED, by=by, reason=reason)


@transaction.atomic
def queue_item_update(*, item: QueueItem, by: Actor = None, **changes: Any) -> QueueItem:
    """Change an item's priority, scheduled date, estimate or notes (not its place or status)."""
    allowed = {"priority", "scheduled_date", "estimated_minutes", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "Change this through the queue's move and status actions.")
        )
    if "priority" in changes:
        _lock_machine(item.machine)  # the queue's order may change: the machine's mutex first
    locked = QueueItem.objects.select_for_update().get(pk=item.pk)
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(changes) or None)
    if before.get("priority") != locked.priority and locked.is_active:
        # to the end of its new priority, the rest closing up (the queue goes by priority)
        _active_items(locked.machine, last=locked.pk)
        locked.position = QueueItem.objects.values_list("position", flat=True).get(pk=locked.pk)
        item.position = locked.position
    diff = diff_instances(before, instance_values(locked))
    if diff:
        _audit_queue(locked, by=by, action=ActivityLog.Action.UPDATE, changes=diff, message="")
    for name in changes:
        setattr(item, name, getattr(locked, name))
    return locked


@transaction.atomic
def queue_paid_project(*, project: Project, by: Actor = None) -> QueueItem | None:
    """A paid job goes into the default machine's queue, once, and its status moves to Queued.

    Idempotent: a job that already has a queue item (other than a cancelled one) is left alone.
    """
    return _queue_released_project(project=project, by=by, why="paid")


@transaction.atomic
def queue_approved_on_account(*, project: Project, by: Actor = None) -> QueueItem | None:
    """A client on account (7 or 30 days) may be cut before paying: its job goes into the default
    machine's queue when the quote is approved, as a cash client's does when paid, once.

    A cash client's job, or one no longer Approved, is left alone (None)."""
    client = project.client if project.client_id else None
    if client is None or not client.on_account or project.status != ProjectStatus.APPROVED:
        return None
    # the move's history adds the gate's note: "<client> is on account (30 days): production
    # may start before payment"
    return _queue_released_project(project=project, by=by, why="approved on account")


def _queue_released_project(*, project: Project, by: Actor, why: str) -> QueueItem | None:
    """Queue a job released for production on the default machine and move it to Queued, with
    `why` ("paid") in its history; None when there is no active machine or it is queued already."""
    machine = default_machine()
    if machine is None:
        logger.warning("no active machine: project %s (%s) was not queued", project.code, why)
        return None
    _lock_machine(machine)  # a second signal for the same job waits here, then finds the item
    # Lock the job before the audit chain is held (queue_add writes an entry), the same order as
    # projects' own services, so the transition below never waits in a cycle.
    Project.objects.select_for_update(of=("self",)).filter(pk=project.pk).first()
    if QueueItem.objects.filter(project=project).exclude(status=QueueStatus.CANCELLED).exists():
        return None
    priority = getattr(project, "priority", "") or QueuePriority.NORMAL
    if priority not in QueuePriority.values:
        priority = QueuePriority.NORMAL
    item = queue_add(project=project, machine=machine, priority=priority, by=by)
    from projects import services as project_services

    project_services.project_transition(
        project=project,
        to="queued",
        by=by,
        reason=f"{why}: queued on {machine.code} at position {item.position}",
    )
    return item
