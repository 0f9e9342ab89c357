"""A draft invoice's own words: the client's order number and the notes printed under the lines.

Its lines go through `invoice_line_add`; once issued, nothing on it changes (invoices.py): the
same refusal, "never changed or deleted; make a credit note", answers an edit of an issued one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from laseros.actors import Actor
from laseros.audit import record
from laseros.models import ActivityLog

from ..models import Invoice
from .invoices import _copy, _locked_draft
from .quotes import refuse

DRAFT_FIELDS = ("reference", "notes")


@transaction.atomic
def invoice_draft_update(*, invoice: Invoice, by: Actor, **changes: Any) -> Invoice:
    """Change a draft's reference or notes (audited); an issued invoice is refused, unchanged."""
    current = _locked_draft(invoice)
    for name in changes:
        if name not in DRAFT_FIELDS:
            raise refuse(name, f"A draft's {name} is not changed here (only its reference, notes).")
    diff: dict[str, list[Any]] = {}
    for name, value in changes.items():
        value = str(value or "").strip() if name == "reference" else str(value or "")
        if getattr(current, name) != value:
            diff[name] = [getattr(current, name), value]
            setattr(current, name, value)
    if diff:
        current.full_clean(exclude=["number"])
        current.save(update_fields=list(diff))
        record(
            action=ActivityLog.Action.UPDATE,
            obj=current,
            changes=diff,
            message=f"{current.label}: {', '.join(diff)} changed",
            user=by,
        )
    _copy(invoice, current)
    return current
