"""Reads of comms used by more than one caller: the outbox's counts and a timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .models import Communication, CommunicationStatus, ConversationNote


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
