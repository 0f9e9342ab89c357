"""The queue's past, brought over from another system: items that were cut (or taken off) before
Laser OS kept the queue. They hold no position and move no job; they are there to be read."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from laseros.actors import Actor, acting_user
from laseros.audit import record_created
from projects.models import Project

from ..models import QUEUE_ACTIVE, Machine, QueueItem, QueuePriority, QueueStatus


@transaction.atomic
def queue_item_record_past(
    *,
    project: Project,
    machine: Machine,
    status: str,
    by: Actor,
    priority: str = QueuePriority.NORMAL,
    scheduled_date: dt.date | None = None,
    estimated_minutes: int | None = None,
    notes: str = "",
    added_at: dt.datetime | None = None,
    started_at: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
) -> QueueItem:
    """A queue item that is over (done or cancelled) as it was in the system it came from, with
    its dates; an active item goes through `queue_add` instead, which keeps the positions."""
    if status in QUEUE_ACTIVE or status not in QueueStatus.values:
        raise ValidationError(
            {"status": f"{status!r}: only a done or cancelled item is recorded as past."}
        )
    item = QueueItem(
        machine=machine,
        project=project,
        position=None,
        priority=priority,
        status=status,
        scheduled_date=scheduled_date,
        estimated_minutes=estimated_minutes,
        notes=notes,
        added_by=acting_user(by),
        started_at=started_at,
        finished_at=finished_at,
    )
    item.full_clean()
    item.save()
    if added_at is not None:  # auto_now_add set it to now; the old system knew better
        QueueItem.objects.filter(pk=item.pk).update(added_at=added_at)
        item.added_at = added_at
    record_created(item, by=by, message=f"{project.code}: past queue item on {machine.code}")
    return item
