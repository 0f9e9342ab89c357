"""The hash chain behind ActivityLog: how an entry's hash is computed and how the chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder


def compute_hash(entry, prev_hash: str) -> str:
    """The sha256 of the entry's content and the hash of the entry before it."""
    payload = {
        "prev": prev_hash,
        "id": entry.pk,
        "at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor": entry.actor_name,
        "action": entry.action,
        "ct": entry.content_type_id,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "changes": entry.changes,
        "message": entry.message,
        "ip": entry.ip_address,
    }
    text = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else "the chain's end"
        return f"{where}: {self.reason}"


def verify_chain(entries: Iterable | None = None, head=None) -> ChainBreak | None:
    """Walk the chain oldest first; return the first broken link, or None when it is whole."""
    from laseros.models import ActivityLog, AuditChainHead

    if entries is None:
        entries = ActivityLog.objects.order_by("id").iterator(chunk_size=2000)
    prev_hash = ""
    last = None
    for entry in entries:
        if entry.prev_hash != prev_hash:
            reason = (
                "the entry before it was removed or altered (its recorded previous hash does not "
                "match the entry before it)"
            )
            return ChainBreak(entry.pk, reason)
        if compute_hash(entry, prev_hash) != entry.entry_hash:
            return ChainBreak(entry.pk, "its content was altered after it was written")
        prev_hash = entry.entry_hash
        last = entry
    if head is None:
        head = AuditChainHead.objects.first()
    if head is not None and head.last_hash != prev_hash:
        last_id = last.pk if last else None
        return ChainBreak(
            last_id,
            f"the newest entries after #{last_id} were removed (the chain head expects "
            f"entry #{head.last_entry_id})",
        )
    return None
