"""The event outbox: every app records what happened here, in its own transaction.

    record_event(type="project.created", payload={...})

writes an OutboxEvent row in the caller's transaction (no network, no task: one INSERT), so a
change that is rolled back leaves no event and a committed change always has its event. Once the
transaction commits, `event_recorded` is sent (laseros.events.send_after_commit); comms listens
and delivers the event to the webhooks that want it, and comms' sweep every minute picks up any
event whose signal was lost (a worker that died between the commit and the signal).

The types and their payload fields are listed in laseros.event_types.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import Signal
from django.utils import timezone

from .event_types import event_type
from .events import send_after_commit
from .models import OutboxEvent

# Sent once the transaction that recorded the event commits: receiver(sender=OutboxEvent,
# event=OutboxEvent, **kwargs).
event_recorded = Signal()


def record_event(*, type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record that `type` happened, with its payload, in the caller's transaction.

    The type must be listed in laseros.event_types and the payload must carry the type's fields
    (ValueError otherwise: a programming error, caught by the app's tests). Decimals, dates and
    times are stored as JSON strings, as the receiver will read them.
    """
    spec = event_type(type)
    missing = [name for name in spec.fields if name not in payload]
    if missing:
        raise ValueError(f"The {type} payload lacks {', '.join(missing)}.")
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = OutboxEvent.objects.create(
        type=type, version=spec.version, payload=data, occurred_at=timezone.now()
    )
    send_after_commit(event_recorded, OutboxEvent, label=f"event_recorded {type}", event=event)
    return event
