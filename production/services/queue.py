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
from laseros.moves import TransitionError, check_move, record_move
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
from .estimates import job_estimate, notes_with_estimate

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


# Where a job stands when it may be queued by hand: from Approved (on account, or with a
# manager's release) and Paid it moves to Queued; a job already Queued or Cutting (with no
# active item) gets its item back.
_QUEUEABLE = ("approved", "paid", "queued", "cutting")


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
    """Put a job in a machine's queue, at the end of its priority (or at `position`, shifting
    the rest down), and move the job to Queued (from Approved or Paid, through projects'
    transition and its gates: an unpaid cash client's job is refused with the gate's message).

    One active item per job, on any machine. Estimated minutes left empty are worked out from
    the job's measured drawings and its preset (services.estimates); typed ones are kept."""
    item = _add_item(
        project=project,
        machine=machine,
        priority=priority,
        by=by,
        scheduled_date=scheduled_date,
        estimated_minutes=estimated_minutes,
        notes=notes,
    )
    _job_follows_item(
        item,
        to=QueueStatus.QUEUED,
        by=by,
        reason="",
        words=f"queued on {item.machine.code} at position {item.position}",
    )
    if item.project.status == "cutting":
        item = _set_item_status(
            item=item, to=QueueStatus.CUTTING, by=by, reason="the job is cutting"
        )
    if position is not None and position != item.position:
        item = queue_move(item=item, to_position=position, by=by)
    return item


def _add_item(
    *,
    project: Project,
    machine: Machine,
    priority: str = QueuePriority.NORMAL,
    by: Actor = None,
    scheduled_date: dt.date | None = None,
    estimated_minutes: int | None = None,
    notes: str = "",
) -> QueueItem:
    """The queue item alone (the job's status is the caller's): locks the machine, then the
    job; refuses a job that is not ready for the queue or already has an active item."""
    machine = _lock_machine(machine)
    if not machine.is_active:
        raise ValidationError({"machine": f"Machine {machine.code} is not active."})
    items = _active_items(machine)
    project = _lock_project(project)
    if project.status not in _QUEUEABLE:
        raise ValidationError({"project": _not_queueable(project)})
    elsewhere = (
        QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE)
        .select_related("machine")
        .first()
    )
    if elsewhere is not None:
        raise ValidationError(
            {"project": f"{project.code} is already in the queue of {elsewhere.machine.code}."}
        )
    if estimated_minutes is None:
        estimate = job_estimate(project)
        estimated_minutes = estimate.minutes
        notes = notes_with_estimate(notes, estimate.note)
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
    return item


def _lock_project(project: Project) -> Project:
    """The job, locked (after the machine: every queue write takes the machine first)."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("material")
        .get(pk=project.pk)
    )


def _not_queueable(project: Project) -> str:
    label = ProjectStatus(project.status).label
    if project.status == ProjectStatus.ON_HOLD:
        why = f" ({project.status_reason})" if project.status_reason else ""
        return f"{project.code} is on hold{why}: resume it and it goes back in the queue."
    return (
        f"{project.code} is {label}: a job is queued once it is paid (or approved for a client "
        "on account, or released by a manager)."
    )


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
    """Move a queue item along QUEUE_TRANSITIONS and its job with it, in one transaction:
    started → the job into Cutting, done → QC, back in the queue → Queued, taken out → back to
    Paid (see _JOB_FOLLOWS). A job move the workflow refuses (its gates, on hold...) refuses the
    item's move too, with the gate's message; nothing changes."""
    _lock_machine(item.machine)
    _lock_project(item.project)  # machine, job, then the audit chain: the order every write keeps
    current = _set_item_status(item=item, to=to, by=by, reason=reason)
    _job_follows_item(current, to=to, by=by, reason=reason)
    return current


def _set_item_status(*, item: QueueItem, to: str, by: Actor, reason: str) -> QueueItem:
    """The queue item's move alone (its job is the caller's); leaving the queue closes its
    position's gap."""
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
    elif current.position is None:  # cannot happen: an active item always has its place
        fields["position"] = len(items) + 1
    QueueItem.objects.filter(pk=current.pk).update(**fields)
    changes = {name: [getattr(current, name), value] for name, value in fields.items()}
    for name, value in fields.items():
        setattr(current, name, value)
        setattr(item, name, value)
    if to not in QUEUE_ACTIVE:
        _renumber([i for i in items if i.pk != current.pk])
    record_move(current, source=was, to=to, by=by, changes=changes, reason=reason)
    return current


# The job's moves that follow an item's move by hand, by where the job stands. A job not listed
# under the item's new status refuses the move (on hold, not paid yet, long cut); None: the job
# is past the queue (QC, Ready...) or not in it, and stays where it is.
_JOB_FOLLOWS: dict[str, dict[str, list[str] | None]] = {
    QueueStatus.QUEUED: {
        "approved": ["queued"],
        "paid": ["queued"],
        "queued": [],
        "cutting": ["queued"],
    },
    QueueStatus.CUTTING: {
        "approved": ["queued", "cutting"],
        "paid": ["queued", "cutting"],
        "queued": ["cutting"],
        "cutting": [],
    },
    QueueStatus.DONE: {
        "approved": ["queued", "cutting", "qc"],
        "paid": ["queued", "cutting", "qc"],
        "queued": ["cutting", "qc"],
        "cutting": ["qc"],
        "qc": [],
        "ready": [],
        "completed": [],
    },
    QueueStatus.CANCELLED: {"queued": ["paid"], "cutting": ["queued", "paid"]},
}
_ITEM_WORDS = {
    QueueStatus.QUEUED: "back in the queue",
    QueueStatus.CUTTING: "started cutting",
    QueueStatus.DONE: "cut",
    QueueStatus.CANCELLED: "taken off the queue",
}


def _job_follows_item(item: QueueItem, *, to: str, by: Actor, reason: str, words: str = "") -> None:
    """Move the item's job where the item went (_JOB_FOLLOWS), through projects' transition;
    a refusal is a TransitionError naming the job, the gate and that the item did not move."""
    from projects import services as project_services

    project = _lock_project(item.project)
    follows = _JOB_FOLLOWS[QueueStatus(to)]
    path = follows.get(project.status, None)
    if path is None and to == QueueStatus.CANCELLED:
        path = []  # a job out of production keeps its status when its item is taken out
    if path is None:
        raise TransitionError(
            "not_allowed",
            _refused_for(project, to) + " The queue item was not changed.",
            field="status",
        )
    said = _ITEM_WORDS[QueueStatus(to)]
    why = words or f"{said} on {item.machine.code}"
    why += f": {reason}" if reason and reason != said else ""
    for status in path:
        try:
            project_services.project_transition(project=project, to=status, by=by, reason=why)
        except TransitionError as exc:
            raise TransitionError(
                exc.gate,
                f"{project.code}: {exc.detail} The queue item was not changed.",
                failures=exc.failures,
                field="status",
            ) from exc
    item.project = project


def _refused_for(project: Project, to: str) -> str:
    label = ProjectStatus(project.status).label
    if project.status == ProjectStatus.ON_HOLD:
        why = f" ({project.status_reason})" if project.status_reason else ""
        return f"{project.code} is on hold{why}: resume it first."
    if to == QueueStatus.DONE or project.status in ("qc", "ready", "completed"):
        return f"{project.code} is {label}: its queue item cannot be {_ITEM_WORDS[QueueStatus(to)]} now."
    return (
        f"{project.code} is {label}: a job is cut once it is paid (or approved for a client on "
        "account, or released by a manager)."
    )


def queue_start(*, item: QueueItem, by: Actor = None) -> QueueItem:
    """The operator starts cutting the job (it keeps its place until done); the job goes into
    Cutting."""
    return queue_set_status(item=item, to=QueueStatus.CUTTING, by=by, reason="started cutting")


def queue_complete(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """The job is cut: it leaves the queue, the items after it move up, and the job goes to
    QC."""
    return queue_set_status(item=item, to=QueueStatus.DONE, by=by, reason=reason or "cut")


def queue_remove(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """Take a job out of the queue (cancelled, kept for the record); the rest move up and a job
    that was Queued or Cutting goes back to Paid (projects' "Take off the queue")."""
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
    if "estimated_minutes" in changes and changes["estimated_minutes"] != before.get(
        "estimated_minutes"
    ):
        # a manager's minutes: the drawings' line goes, and a new measurement leaves them alone
        locked.notes = notes_with_estimate(locked.notes, "")
        changes = {**changes, "notes": locked.notes}
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
    """Queue a job released for production on a machine that cuts it (the default one when it
    can) and move it to Queued, with `why` ("paid") in its history; None when there is no active
    machine or it is queued already. A job no active machine can cut is refused, saying why."""
    from .queue_sync import cannot_cut, machine_for

    if not Machine.objects.active().exists():
        logger.warning("no active machine: project %s (%s) was not queued", project.code, why)
        return None
    machine = machine_for(project)
    if machine is None:
        raise ValidationError({"machine": cannot_cut(project)})
    _lock_machine(machine)  # a second signal for the same job waits here, then finds the item
    # Lock the job before the audit chain is held (queue_add writes an entry), the same order as
    # projects' own services, so the transition below never waits in a cycle.
    Project.objects.select_for_update(of=("self",)).filter(pk=project.pk).first()
    if QueueItem.objects.filter(project=project).exclude(status=QueueStatus.CANCELLED).exists():
        return None
    priority = getattr(project, "priority", "") or QueuePriority.NORMAL
    if priority not in QueuePriority.values:
        priority = QueuePriority.NORMAL
    item = _add_item(project=project, machine=machine, priority=priority, by=by)
    from projects import services as project_services

    project_services.project_transition(
        project=project,
        to="queued",
        by=by,
        reason=f"{why}: queued on {machine.code} at position {item.position}",
    )
    return item
