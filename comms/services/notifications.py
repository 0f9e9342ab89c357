"""In-app notifications: the evaluation that opens one notification per cause present and closes
those whose cause went (idempotent: run it as often as you like), and each person's read state.

The causes come from the sources registered in laseros.notifications (comms' own in
comms.causes; ingest's failed files in ingest.notifications). A notification is a record of its
own (opened_at, closed_at), so opening and closing one writes no audit entry; nor does reading.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from laseros.notifications import Cause, cause_sources

from ..models import (
    Notification,
    NotificationAudience,
    NotificationKind,
    NotificationRead,
    NotificationSeverity,
)
from ..selectors import visible_notifications

logger = logging.getLogger(__name__)

_UPDATED_FIELDS = ("kind", "title", "text", "url", "severity", "audience")


@dataclass
class Evaluation:
    """What one evaluation did: the notifications opened, kept (and refreshed) and closed, and
    the sources that failed (their notifications were left as they were)."""

    opened: int = 0
    kept: int = 0
    closed: int = 0
    failed_sources: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.opened} opened, {self.kept} still open, {self.closed} closed"
        if self.failed_sources:
            text += f"; failed: {', '.join(self.failed_sources)}"
        return text


def _clean(cause: Cause) -> Cause:
    """A cause as the table takes it: known choices, lengths cut to fit."""
    kinds, severities = set(NotificationKind.values), set(NotificationSeverity.values)
    audiences = set(NotificationAudience.values)
    if cause.kind not in kinds:
        raise ValueError(f"unknown notification kind {cause.kind!r} ({cause.key})")
    return Cause(
        key=cause.key[:200],
        kind=cause.kind,
        title=cause.title[:200],
        text=cause.text,
        url=cause.url[:500],
        severity=cause.severity if cause.severity in severities else NotificationSeverity.WARNING,
        audience=cause.audience if cause.audience in audiences else NotificationAudience.MANAGERS,
    )


def _apply(prefix: str, causes: Iterable[Cause], now: dt.datetime, result: Evaluation) -> None:
    """Open, refresh and close the notifications of one source (keys starting with `prefix`)."""
    wanted = {}
    for cause in causes:
        if not cause.key.startswith(prefix):
            raise ValueError(f"cause {cause.key!r} is outside its source's prefix {prefix!r}")
        wanted[cause.key[:200]] = _clean(cause)
    open_rows = {
        row.cause_key: row
        for row in Notification.objects.open().filter(cause_key__startswith=prefix)
    }
    gone = [row.pk for key, row in open_rows.items() if key not in wanted]
    if gone:
        result.closed += Notification.objects.filter(pk__in=gone, closed_at__isnull=True).update(
            closed_at=now
        )
    changed = []
    for key, row in open_rows.items():
        if key not in wanted:
            continue
        cause = wanted[key]
        result.kept += 1
        if any(getattr(row, name) != getattr(cause, name) for name in _UPDATED_FIELDS):
            for name in _UPDATED_FIELDS:
                setattr(row, name, getattr(cause, name))
            changed.append(row)
    if changed:
        Notification.objects.bulk_update(changed, _UPDATED_FIELDS)
    new = [
        Notification(
            cause_key=key,
            opened_at=now,
            **{name: getattr(cause, name) for name in _UPDATED_FIELDS},
        )
        for key, cause in wanted.items()
        if key not in open_rows
    ]
    if new:
        # Another evaluation running at the same time may have opened the same cause: the
        # partial unique constraint keeps one, the other insert is ignored.
        Notification.objects.bulk_create(new, ignore_conflicts=True)
        result.opened += len(new)


def notifications_evaluate(*, now: dt.datetime | None = None) -> Evaluation:
    """Evaluate every cause source: one open notification per cause present, closed when the
    cause goes. Each source in its own transaction; a source that fails closes nothing."""
    now = now or timezone.now()
    result = Evaluation()
    for source in cause_sources():
        try:
            with transaction.atomic():
                _apply(source.prefix, list(source.evaluate(now)), now, result)
        except Exception:  # one broken source must not keep the others' bells silent
            logger.exception("notification source %s failed", source.name)
            result.failed_sources.append(source.name)
    return result


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: Any) -> bool:
    """`user` has read `notification` (only one they may see). False if it was read already."""
    if not visible_notifications(user).filter(pk=notification.pk).exists():
        raise PermissionError("This notification is not for you.")
    _, created = NotificationRead.objects.get_or_create(
        notification=notification, user=user, defaults={"read_at": timezone.now()}
    )
    return created


@transaction.atomic
def notifications_mark_all_read(*, user: Any) -> int:
    """Every open notification `user` may see and has not read is read now; returns how many."""
    unread = (
        visible_notifications(user).open().exclude(reads__user=user).values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = [NotificationRead(notification_id=pk, user=user, read_at=now) for pk in unread]
    NotificationRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
