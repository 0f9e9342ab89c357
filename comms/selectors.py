"""Reads of comms used by more than one caller: the outbox's counts, a timeline, and the
notifications a person sees (the bell's count and the list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, When, Window

from laseros.roles import OPERATOR

from .models import (
    Communication,
    CommunicationStatus,
    ConversationNote,
    Notification,
    NotificationAudience,
    NotificationQuerySet,
    NotificationRead,
    NotificationSeverity,
)


def failed_count() -> int:
    return Communication.objects.filter(status=CommunicationStatus.FAILED).count()


def by_hand_count() -> int:
    return Communication.objects.filter(status=CommunicationStatus.BY_HAND).count()


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a client's or a job's timeline: a message the outbox holds, or a note."""

    at: dt.datetime
    kind: str
    summary: str
    status: str
    record: Any


def timeline(*, client: Any = None, job: Any = None, limit: int = 200) -> list[TimelineEntry]:
    """The messages sent and the calls noted by hand for a client (or one job), newest first.
    Two queries whatever the length."""
    if client is None and job is None:
        raise ValueError("timeline needs a client or a job")
    where = {"job": job} if job is not None else {"client": client}
    messages = Communication.objects.filter(**where).select_related("template")[:limit]
    notes = ConversationNote.objects.filter(**where).select_related("noted_by")[:limit]
    entries = [
        TimelineEntry(
            at=m.sent_at or m.created_at,
            kind=m.get_channel_display(),
            summary=m.subject or m.body[:120],
            status=m.get_status_display(),
            record=m,
        )
        for m in messages
    ] + [
        TimelineEntry(
            at=n.happened_at,
            kind=n.get_kind_display(),
            summary=n.summary[:200],
            status=f"noted by {n.noted_by}" if n.noted_by else "noted",
            record=n,
        )
        for n in notes
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


# --- in-app notifications ---------------------------------------------------------------------

ALL_AUDIENCES = frozenset(NotificationAudience.values)
MANAGE_NOTIFICATIONS = "comms.change_notification"  # Admins and Managers (laseros.roles)
OFFICE_NOTIFICATIONS = "comms.view_notification"  # Viewers too: the office's notifications


def audiences_for(user: Any) -> frozenset[str]:
    """The notifications a person sees: managers and admins every one; viewers (the office)
    the managers' ones; operators the floor's. Read once per request (cached on the user)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_notification_audiences", None)
    if cached is not None:
        return cached
    found: set[str] = set()
    if user.has_perm(MANAGE_NOTIFICATIONS):
        found |= ALL_AUDIENCES
    else:
        if user.has_perm(OFFICE_NOTIFICATIONS):
            found |= {NotificationAudience.MANAGERS, NotificationAudience.EVERYONE}
        if user.groups.filter(name=OPERATOR).exists():
            found |= {NotificationAudience.OPERATORS, NotificationAudience.EVERYONE}
    audiences = frozenset(found)
    user._notification_audiences = audiences
    return audiences


def visible_notifications(user: Any) -> NotificationQuerySet:
    """The notifications `user` may see, open and closed."""
    audiences = audiences_for(user)
    if not audiences:
        return Notification.objects.none()
    return Notification.objects.for_audiences(audiences)


def unread_count(user: Any) -> int:
    """The bell's number: open notifications `user` may see and has not read. One query."""
    if not audiences_for(user):
        return 0
    return visible_notifications(user).open().exclude(reads__user=user).count()


def bell(user: Any, *, limit: int = 5) -> tuple[int, list[Notification]]:
    """The bell's number and its dropdown: how many open notifications `user` has not read, and
    the newest `limit` of them. One query (the count is a window over the same rows)."""
    if not audiences_for(user):
        return 0, []
    rows = list(
        visible_notifications(user)
        .open()
        .exclude(reads__user=user)
        .annotate(unread_total=Window(Count("pk")))
        .order_by("-opened_at", "-pk")[:limit]
    )
    return (rows[0].unread_total if rows else 0), rows


def notification_list(user: Any, *, limit: int | None = 200) -> list[Notification]:
    """The notifications `user` may see, open ones first (the critical ones, such as a sheet
    with none on hand, before the warnings; newest first within each), then the ones closed;
    each with `is_read` for this user. One query whatever the length."""
    if not audiences_for(user):
        return []
    queryset = (
        visible_notifications(user)
        .annotate(
            is_read=Exists(NotificationRead.objects.filter(notification=OuterRef("pk"), user=user)),
            is_closed=Case(When(closed_at__isnull=True, then=0), default=1),
            urgency=Case(
                When(severity=NotificationSeverity.CRITICAL, then=0),
                When(severity=NotificationSeverity.WARNING, then=1),
                default=2,
            ),
        )
        .order_by("is_closed", "urgency", "-opened_at", "-pk")
    )
    return list(queryset[:limit] if limit else queryset)


@dataclass(frozen=True)
class DeliveryHour:
    """The webhook deliveries made in one hour, by what became of them."""

    hour: dt.datetime
    pending: int
    failed: int
    delivered: int


def webhook_delivery_counts(*, hours: int = 48) -> list[DeliveryHour]:
    """Pending (and sending), failed and delivered webhook deliveries per hour they were made,
    newest first, over the last `hours` hours (one query)."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncHour
    from django.utils import timezone

    from .models import WebhookDelivery, WebhookDeliveryStatus

    S = WebhookDeliveryStatus
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = (
        WebhookDelivery.objects.filter(created_at__gte=since)
        .annotate(hour=TruncHour("created_at"))
        .values("hour")
        .annotate(
            pending=Count("id", filter=Q(status__in=[S.PENDING, S.SENDING])),
            failed=Count("id", filter=Q(status=S.FAILED)),
            delivered=Count("id", filter=Q(status=S.DELIVERED)),
        )
        .order_by("-hour")
    )
    return [DeliveryHour(**row) for row in rows]
