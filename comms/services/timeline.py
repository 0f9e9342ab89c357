"""Calls and messages noted by hand, on the same timeline as the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record_created

from ..models import ConversationNote, NoteKind


@transaction.atomic
def note_record(
    *,
    client: Any,
    summary: str,
    by: Actor,
    job: Any = None,
    kind: str = NoteKind.CALL_IN,
    happened_at: dt.datetime | None = None,
) -> ConversationNote:
    """A call, a visit or a message outside Laser OS, noted on the client's (and the job's)
    timeline beside the messages the outbox sent."""
    note = ConversationNote(
        client=client,
        job=job,
        kind=kind,
        summary=(summary or "").strip(),
        happened_at=happened_at or timezone.now(),
        noted_by=acting_user(by),
    )
    note.full_clean()
    note.save()
    record_created(note, by=by, message=f"{note.get_kind_display()} noted for {client}")
    return note
