"""Webhooks out: the endpoints (made, changed, their secret rotated) and the delivery of what the
event outbox (laseros.outbox) holds.

    event recorded in the app's transaction (OutboxEvent)
      -> after the commit, `event_dispatch` (a task): one WebhookDelivery per endpoint that wants
         the event's type; each delivery's first attempt is enqueued after that commits
      -> `delivery_attempt` (a task): claimed (never two workers on one delivery), signed, POSTed
         outside any transaction; 2xx: delivered; else pending again after the next step of
         WEBHOOK_RETRY_SCHEDULE (plus jitter), and failed after the last
      -> `webhooks_send_due` (every minute): events whose dispatch was lost, deliveries a dead
         worker left sending, and the retries that are due
      -> `webhook_log_prune` (daily): deliveries finished (delivered or given up) more than
         WEBHOOK_KEEP_DAYS ago, then the events with no delivery left; nothing waiting is touched

An endpoint that has failed for WEBHOOK_DISABLE_AFTER_HOURS without a success is switched off,
recorded in the audit trail and the managers get a notification; its deliveries wait (nothing is
dropped) and go out when it is switched on again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record
from laseros.event_types import EVENT_TYPES
from laseros.models import ActivityLog, OutboxEvent
from laseros.tasks import enqueue_on_commit

from .. import webhooks
from ..models import (
    Notification,
    NotificationAudience,
    NotificationKind,
    NotificationSeverity,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

D = WebhookDeliveryStatus
DELIVER_TASK = "comms.tasks.deliver_webhook"
DISPATCH_TASK = "comms.tasks.dispatch_event"
# A delivery claimed longer ago than this is taken to be lost with its worker (the POST itself
# gives up after WEBHOOK_TIMEOUT_SECONDS).
STALE_SENDING = dt.timedelta(minutes=2)
# An event not dispatched this long after it happened lost its signal (a worker died): the sweep
# dispatches it.
DISPATCH_GRACE = dt.timedelta(seconds=10)
JITTER = 0.10
_SECRET_FIELDS = {"secret", "previous_secret"}


# --- endpoints ------------------------------------------------------------------------------------


def retry_schedule() -> list[float]:
    """WEBHOOK_RETRY_SCHEDULE as seconds: the waits before the 2nd, 3rd, … attempt."""
    raw = settings.WEBHOOK_RETRY_SCHEDULE
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        waits = [float(item) for item in items if str(item).strip()]
    except ValueError:
        raise ValueError(
            f"WEBHOOK_RETRY_SCHEDULE is seconds separated by commas, not {raw!r}."
        ) from None
    if any(wait < 0 for wait in waits):
        raise ValueError("WEBHOOK_RETRY_SCHEDULE cannot wait a negative time.")
    return waits


def clean_events(events: Any) -> list[str]:
    """The event types asked for: a non-empty list of known types (each once, in order)."""
    if isinstance(events, str) or not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": 'List the event types to send, e.g. ["invoice.issued"].'})
    unknown = [str(name) for name in events if name not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {
                "events": f"Unknown event type(s): {', '.join(unknown)}. "
                f"The types are: {', '.join(EVENT_TYPES)}."
            }
        )
    return list(dict.fromkeys(events))


def clean_url(url: Any) -> str:
    """The URL, checked by the guard (comms.webhooks.check_url) as it resolves now."""
    text = str(url or "").strip()
    try:
        webhooks.check_url(text)
    except webhooks.UnsafeURL as exc:
        raise ValidationError({"url": str(exc)}) from None
    return text


def _clean_both(url: Any, events: Any) -> tuple[str, list[str]]:
    """The URL and the events checked, every problem with either said at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, clean, value in (("url", clean_url, url), ("events", clean_events, events)):
        try:
            cleaned[name] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned["url"], cleaned["events"]


def _audit_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit trail keeps of an endpoint: everything but its secrets."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
    }


@transaction.atomic
def endpoint_create(
    *, url: str, events: list[str], by: Actor, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret. The secret is returned here, once, to show to the person
    who made it; nothing else ever shows it."""
    url, events = _clean_both(url, events)
    endpoint = WebhookEndpoint(
        url=url,
        events=events,
        description=(description or "").strip()[:255],
        secret=webhooks.new_secret(),
        created_at=timezone.now(),
        created_by=acting_user(by),
    )
    endpoint.full_clean()
    endpoint.save()
    record(
        action=ActivityLog.Action.CREATE,
        obj=endpoint,
        changes={name: [None, value] for name, value in _audit_values(endpoint).items()},
        message="webhook endpoint made (its secret shown once)",
        user=by,
    )
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, by: Actor, **fields: Any) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description or active switch. Switching one on again
    forgets its failures and closes the notification its switching off opened."""
    unknown = set(fields) - {"url", "events", "description", "is_active"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = _audit_values(current)
    if "url" in fields:
        current.url = clean_url(fields["url"])
    if "events" in fields:
        current.events = clean_events(fields["events"])
    if "description" in fields:
        current.description = (fields["description"] or "").strip()[:255]
    if "is_active" in fields:
        current.is_active = bool(fields["is_active"])
        if current.is_active and not before["is_active"]:
            current.failing_since = current.disabled_at = None
            current.disabled_reason = ""
            _close_notification(current)
    current.full_clean()
    current.save()
    after = _audit_values(current)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        record(action=ActivityLog.Action.UPDATE, obj=current, changes=changes, user=by)
    if current.is_active:
        enqueue_on_commit("comms.tasks.send_due_webhooks")  # what waited goes now
    return current


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, by: Actor, overlap_hours: float | None = None
) -> str:
    """A new secret, returned once; the old one goes on signing too for `overlap_hours`
    (WEBHOOK_SECRET_OVERLAP_HOURS), so the receiver can change over without a failed delivery."""
    hours = settings.WEBHOOK_SECRET_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    if hours < 0:
        raise ValidationError({"overlap_hours": "The overlap cannot be negative."})
    current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    current.previous_secret = current.secret
    current.previous_secret_expires_at = timezone.now() + dt.timedelta(hours=hours)
    current.secret = webhooks.new_secret()
    current.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        message=f"webhook secret rotated; the previous one signs too until "
        f"{current.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC",
        user=by,
    )
    endpoint.secret, endpoint.previous_secret = current.secret, current.previous_secret
    endpoint.previous_secret_expires_at = current.previous_secret_expires_at
    return current.secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, by: Actor) -> None:
    """Delete an endpoint with its delivery log (switch it off instead to keep them)."""
    record(
        action=ActivityLog.Action.DELETE,
        obj=endpoint,
        changes={name: [value, None] for name, value in _audit_values(endpoint).items()},
        message="webhook endpoint deleted with its deliveries",
        user=by,
    )
    _close_notification(endpoint)
    endpoint.delete()


# --- from the outbox to deliveries ----------------------------------------------------------------


def event_body(event: OutboxEvent) -> bytes:
    """What a receiver is sent for an event (laseros.event_types describes it)."""
    document = {
        "id": str(event.event_id),
        "type": event.type,
        "version": event.version,
        "timestamp": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def event_recorded(sender: Any, event: OutboxEvent, **kwargs: Any) -> None:
    """laseros.outbox's signal, after the commit: dispatch the event in the worker (nothing to do
    while no endpoint exists; the sweep marks those events dispatched)."""
    if WebhookEndpoint.objects.exists():
        enqueue_on_commit(DISPATCH_TASK, event.pk)


@transaction.atomic
def event_dispatch(*, event_id: int) -> list[int]:
    """Make the event's deliveries, once: one per endpoint that wants its type and existed when
    it happened (an inactive endpoint's wait for it to be switched on). Their first attempts are
    enqueued after the commit. Returns the deliveries' ids ([] if dispatched already)."""
    now = timezone.now()
    if not OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=now
    ):
        return []
    event = OutboxEvent.objects.get(pk=event_id)
    endpoints = WebhookEndpoint.objects.filter(created_at__lte=event.occurred_at)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_try_at=now, created_at=now)
        for endpoint in endpoints
        if endpoint.wants(event.type)
    )
    active = {endpoint.pk for endpoint in endpoints if endpoint.is_active}
    for row in rows:
        if row.endpoint_id in active:
            enqueue_on_commit(DELIVER_TASK, row.pk)
    return [row.pk for row in rows]


# --- one attempt ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    detail: str


def _claim(pk: int) -> WebhookDelivery | None:
    """Take a pending delivery that is due, for an active endpoint (None: not due, not pending,
    or another worker has it)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=pk, status=D.PENDING, next_try_at__lte=now, endpoint__is_active=True
    ).update(status=D.SENDING, attempts=F("attempts") + 1, last_tried_at=now)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=pk)


def delivery_attempt(*, delivery_id: int) -> DeliveryOutcome:
    """One attempt at a delivery (the worker's task): signed now, POSTed outside any transaction,
    and the answer recorded: delivered, pending with its next try, or failed after the last."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return DeliveryOutcome(False, f"delivery {delivery_id}: not due, or not pending")
    endpoint, event = delivery.endpoint, delivery.event
    body = event_body(event)
    headers = webhooks.signed_headers(
        msg_id=str(event.event_id),
        body=body,
        secrets_=endpoint.signing_secrets(timezone.now()),
    )
    answer = webhooks.post(endpoint.url, body=body, headers=headers)
    return _record_answer(delivery, answer)


def _next_wait(attempts: int) -> float | None:
    """Seconds before the next attempt after `attempts` tries (None: that was the last)."""
    waits = retry_schedule()
    if attempts > len(waits):
        return None
    wait = waits[attempts - 1]
    return wait + random.uniform(0, JITTER * wait)  # spreads the retries


@transaction.atomic
def _record_answer(delivery: WebhookDelivery, answer: webhooks.Answer) -> DeliveryOutcome:
    now = timezone.now()
    delivery.status_code = answer.status_code
    delivery.latency_ms = answer.latency_ms
    delivery.response_excerpt = answer.excerpt
    delivery.error = answer.error[:500]
    fields = ["status", "status_code", "latency_ms", "response_excerpt", "error", "next_try_at"]
    if answer.delivered:
        delivery.status, delivery.next_try_at, delivery.delivered_at = D.DELIVERED, None, now
        delivery.save(update_fields=[*fields, "delivered_at"])
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, failing_since__isnull=False).update(
            failing_since=None
        )
        return DeliveryOutcome(True, f"delivery {delivery.pk}: {answer.status_code}")
    wait = _next_wait(delivery.attempts)
    if wait is None:
        delivery.status, delivery.next_try_at = D.FAILED, None
    else:
        delivery.status, delivery.next_try_at = D.PENDING, now + dt.timedelta(seconds=wait)
    delivery.save(update_fields=fields)
    _endpoint_failed(delivery.endpoint, now)
    when = "gave up" if wait is None else f"next try at {delivery.next_try_at:%H:%M:%S}"
    return DeliveryOutcome(False, f"delivery {delivery.pk}: {answer.error} ({when})")


def _endpoint_failed(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    """Note the endpoint's failure; switch it off when it has failed for too long."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    since = WebhookEndpoint.objects.values_list("failing_since", flat=True).get(pk=endpoint.pk)
    limit = dt.timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    if since is not None and now - since >= limit:
        endpoint_disable(endpoint=endpoint, since=since, now=now)


def endpoint_disable(*, endpoint: WebhookEndpoint, since: dt.datetime, now: dt.datetime) -> bool:
    """Switch off an endpoint that has failed since `since`: audit entry, warning in the log and
    a notification for the managers. False if it was off already."""
    hours = (now - since).total_seconds() / 3600
    reason = (
        f"Switched off: every delivery has failed for {hours:.0f} hours "
        f"(since {since:%Y-%m-%d %H:%M} UTC)."
    )
    with transaction.atomic():
        if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason
        ):
            return False
        endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
        record(
            action=ActivityLog.Action.UPDATE,
            obj=endpoint,
            changes={"is_active": [True, False]},
            message=reason,
        )
        _open_notification(endpoint, reason, now)
    logger.warning("webhook endpoint %s (%s) %s", endpoint.pk, endpoint.url, reason)
    return True


def _notification_key(endpoint: WebhookEndpoint) -> str:
    return f"webhook_disabled:endpoint:{endpoint.pk}"


def _open_notification(endpoint: WebhookEndpoint, reason: str, now: dt.datetime) -> None:
    """The managers' notification that the endpoint was switched off (one while it lasts)."""
    from django.urls import reverse

    key = _notification_key(endpoint)
    if Notification.objects.open().filter(cause_key=key).exists():
        return
    Notification.objects.create(
        cause_key=key,
        kind=NotificationKind.MESSAGE_FAILED,
        severity=NotificationSeverity.CRITICAL,
        audience=NotificationAudience.MANAGERS,
        title=f"Webhook switched off: {endpoint}"[:200],
        text=f"{endpoint.url}\n{reason} Put the receiver right, then switch it on again: "
        "what waited is sent then.",
        url=reverse("admin:comms_webhookendpoint_change", args=[endpoint.pk]),
        opened_at=now,
    )


def _close_notification(endpoint: WebhookEndpoint) -> None:
    Notification.objects.open().filter(cause_key=_notification_key(endpoint)).update(
        closed_at=timezone.now()
    )


# --- the sweep, replays ---------------------------------------------------------------------------


def webhooks_send_due() -> dict[str, int]:
    """Every minute: dispatch the events whose signal was lost, put back what a dead worker left
    sending, and enqueue the deliveries that are due."""
    now = timezone.now()
    counts = {"dispatched": 0, "released": 0, "due": 0}
    undispatched = OutboxEvent.objects.filter(
        dispatched_at__isnull=True, occurred_at__lte=now - DISPATCH_GRACE
    )
    if not WebhookEndpoint.objects.exists():
        undispatched.update(dispatched_at=now)  # nobody to tell
    else:
        for event_id in undispatched.order_by("pk").values_list("pk", flat=True)[:5000]:
            counts["dispatched"] += bool(event_dispatch(event_id=event_id))
    counts["released"] = WebhookDelivery.objects.filter(
        status=D.SENDING, last_tried_at__lt=now - STALE_SENDING
    ).update(status=D.PENDING, next_try_at=now, error="The worker stopped while sending it.")
    due = WebhookDelivery.objects.filter(
        status=D.PENDING, next_try_at__lte=now, endpoint__is_active=True
    )
    for delivery_id in due.order_by("next_try_at", "pk").values_list("pk", flat=True):
        enqueue_on_commit(DELIVER_TASK, delivery_id)
        counts["due"] += 1
    return counts


@transaction.atomic
def deliveries_replay(*, deliveries: Iterable[WebhookDelivery], by: Actor) -> int:
    """Send these deliveries again (whatever became of them), from their first attempt."""
    ids = [delivery.pk for delivery in deliveries]
    now = timezone.now()
    replayed = list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .exclude(status=D.SENDING)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=replayed).update(
        status=D.PENDING, attempts=0, next_try_at=now, delivered_at=None, error=""
    )
    if replayed:
        record(
            action=ActivityLog.Action.OTHER,
            message=f"replayed {len(replayed)} webhook deliveries: "
            + ", ".join(str(pk) for pk in replayed[:50])
            + (" …" if len(replayed) > 50 else ""),
            user=by,
        )
    for delivery_id in replayed:
        enqueue_on_commit(DELIVER_TASK, delivery_id)
    return len(replayed)


def deliveries_replay_range(
    *,
    since: dt.datetime,
    until: dt.datetime,
    by: Actor,
    endpoint: WebhookEndpoint | None = None,
) -> int:
    """Replay every delivery made between `since` and `until` (of one endpoint, or all)."""
    if until <= since:
        raise ValidationError("The end of the range must come after its start.")
    rows = WebhookDelivery.objects.filter(created_at__gte=since, created_at__lt=until)
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    return deliveries_replay(deliveries=rows.only("pk"), by=by)


# --- forgetting the old log -----------------------------------------------------------------------

PRUNE_BATCH = 1000  # rows deleted a statement: SQLite's writers are not held up for long


def webhook_log_prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the deliveries finished (delivered or failed, not tried since) more than
    WEBHOOK_KEEP_DAYS ago, then the events dispatched that long ago that have no delivery left.
    A delivery still pending or sending is never deleted, nor its event, however old: nothing an
    endpoint waits for is lost. WEBHOOK_KEEP_DAYS = 0 keeps everything."""
    counts = {"deliveries": 0, "events": 0}
    days = int(settings.WEBHOOK_KEEP_DAYS)
    if days <= 0:
        return counts
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deliveries = WebhookDelivery.objects.filter(
        Q(last_tried_at__isnull=True) | Q(last_tried_at__lt=cutoff),
        status__in=(D.DELIVERED, D.FAILED),
        created_at__lt=cutoff,
    )
    counts["deliveries"] = _delete_in_batches(deliveries)
    events = OutboxEvent.objects.filter(dispatched_at__lt=cutoff).exclude(
        Exists(WebhookDelivery.objects.filter(event=OuterRef("pk")))
    )
    counts["events"] = _delete_in_batches(events)
    if any(counts.values()):
        logger.info(
            "webhook log pruned: %(deliveries)s deliveries, %(events)s events",
            counts,
            extra={"kept_days": days},
        )
    return counts


def _delete_in_batches(rows: Any) -> int:
    deleted = 0
    while True:
        batch = list(rows.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return deleted
        deleted += rows.model.objects.filter(pk__in=batch).delete()[0]
