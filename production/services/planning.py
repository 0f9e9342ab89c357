"""Writes of the planner: a manager pins a queue item to a start time or a day, with a reason.

A pin is one QueueSlotOverride row per item (changed in place, removed when cleared); every
change is an audit entry on the queue item that carries the reason, so the trail keeps each one.
A start pin must fall in the machine's working hours and must not overlap another item's start
pin on the same machine (the machine row is locked, as every queue write does).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record
from laseros.models import ActivityLog

from ..models import Machine, QueueItem, QueueSlotOverride, QueueStatus
from ..planning import DEFAULT_MINUTES, ShopCalendar, machine_calendar


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b %H:%M")


def _pin_text(pin: QueueSlotOverride | None) -> str | None:
    if pin is None:
        return None
    return _when(pin.start_at) if pin.start_at else f"{pin.day:%a %-d %b}"


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the planner's slot is overridden."})
    if len(reason) > 255:
        raise ValidationError({"reason": "Keep the reason to 255 characters."})
    return reason


def _check_item(item: QueueItem) -> None:
    if item.status == QueueStatus.CUTTING:
        raise ValidationError(
            {"item": f"{item.project.code} is being cut already: its slot is where it is."}
        )
    if item.status != QueueStatus.QUEUED:
        raise ValidationError({"item": f"{item.project.code} is no longer in the queue."})


def _check_start(calendar: ShopCalendar, start_at: dt.datetime, now: dt.datetime) -> None:
    if start_at < now:
        raise ValidationError({"start_at": f"{_when(start_at)} has passed: choose a later time."})
    day = timezone.localtime(start_at).date()
    window = calendar.window(day)
    if window is None:
        raise ValidationError({"start_at": f"{day:%a %-d %b} is not a working day."})
    if not window[0] <= start_at < window[1]:
        hours = f"{timezone.localtime(window[0]):%H:%M}–{timezone.localtime(window[1]):%H:%M}"
        raise ValidationError(
            {"start_at": f"{_when(start_at)} is outside the working hours ({hours})."}
        )


def _check_day(calendar: ShopCalendar, day: dt.date, now: dt.datetime) -> None:
    if day < timezone.localtime(now).date():
        raise ValidationError({"day": f"{day:%a %-d %b} has passed: choose a later day."})
    if calendar.window(day) is None:
        raise ValidationError({"day": f"{day:%a %-d %b} is not a working day."})


def _check_overlap(item: QueueItem, calendar: ShopCalendar, start_at: dt.datetime) -> None:
    """Refuse a start pin whose stretch overlaps another start-pinned item on the machine."""
    end = calendar.advance(start_at, item.estimated_minutes or DEFAULT_MINUTES)
    others = (
        QueueSlotOverride.objects.filter(
            item__machine_id=item.machine_id,
            item__status=QueueStatus.QUEUED,
            start_at__isnull=False,
        )
        .exclude(item_id=item.pk)
        .select_related("item__project")
    )
    for other in others:
        assert other.start_at is not None
        other_end = calendar.advance(
            other.start_at, other.item.estimated_minutes or DEFAULT_MINUTES
        )
        if other.start_at < end and start_at < other_end:
            raise ValidationError(
                {
                    "start_at": f"{_when(start_at)}–{_when(end)} overlaps "
                    f"{other.item.project.code}, pinned {_when(other.start_at)}–"
                    f"{_when(other_end)} ({other.reason}). Choose another time, or move that "
                    "pin first."
                }
            )


@transaction.atomic
def slot_override_set(
    *,
    item: QueueItem,
    reason: str,
    start_at: dt.datetime | None = None,
    day: dt.date | None = None,
    by: Actor = None,
) -> QueueSlotOverride:
    """Pin a queued item to a start time or to a day (one of them), with the reason."""
    Machine.objects.select_for_update().get(pk=item.machine_id)  # the machine's queue mutex
    item = QueueItem.objects.select_related("project", "machine").get(pk=item.pk)
    reason = _check_reason(reason)
    _check_item(item)
    if (start_at is None) == (day is None):
        raise ValidationError({"start_at": "Pin the item to a start time or to a day (one)."})
    now = timezone.now()
    calendar = machine_calendar(item.machine)
    if start_at is not None and timezone.is_naive(start_at):
        start_at = timezone.make_aware(start_at)  # the shop's clock
    if start_at is not None:
        _check_start(calendar, start_at, now)
        _check_overlap(item, calendar, start_at)
    else:
        assert day is not None
        _check_day(calendar, day, now)
    pin = QueueSlotOverride.objects.filter(item=item).first()
    before = _pin_text(pin)
    pin = pin or QueueSlotOverride(item=item)
    pin.start_at, pin.day, pin.reason, pin.by = start_at, day, reason, acting_user(by)
    pin.full_clean()
    pin.save()
    after = _pin_text(pin)
    record(
        action=ActivityLog.Action.UPDATE,
        obj=item,
        changes={"slot_override": [before, after], "reason": [None, reason]},
        message=f"slot pinned to {after}: {reason}",
        user=by,
    )
    return pin


@transaction.atomic
def slot_override_clear(*, item: QueueItem, reason: str, by: Actor = None) -> None:
    """Take an item's pin away (the planner places it again); the reason is recorded."""
    Machine.objects.select_for_update().get(pk=item.machine_id)
    reason = _check_reason(reason)
    pin = QueueSlotOverride.objects.filter(item_id=item.pk).first()
    if pin is None:
        raise ValidationError({"item": "This item has no pinned slot."})
    before = _pin_text(pin)
    pin.delete()
    record(
        action=ActivityLog.Action.UPDATE,
        obj=item,
        changes={"slot_override": [before, None], "reason": [None, reason]},
        message=f"slot pin removed: {reason}",
        user=by,
    )
