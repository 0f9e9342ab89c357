"""Status moves: one way to check that a move is allowed and to record it.

Each state machine keeps its allowed moves as data beside its model (projects.workflow's MOVES,
ingest's FILE_TRANSITIONS, production's QUEUE_TRANSITIONS, inventory's OFFCUT_TRANSITIONS); its
one service that changes the status calls `check_move` before and `record_move` after. A refused
move is a `TransitionError`: a ValidationError whose `gate` names the rule ("unknown_status",
"not_allowed", or a workflow gate such as "payment"), which the API answers as 400 with the gate.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from .actors import Actor


class TransitionError(ValidationError):
    """A move the rules refuse: `gate` names the rule, `detail` says what to do about it;
    `field` ("status") puts the message on that field for forms and the API."""

    def __init__(
        self,
        gate: str,
        detail: str,
        *,
        failures: list[Any] | None = None,
        field: str | None = None,
    ):
        if field:
            super().__init__({field: [ValidationError(detail, code=gate)]})
        else:
            super().__init__(detail, code=gate)
        self.gate = gate
        self.detail = detail
        self.failures = failures or []
        self.field = field

    def __str__(self) -> str:
        return self.detail


def check_move(
    *,
    allowed: Mapping[Any, Collection[Any]],
    statuses: type[models.TextChoices],
    current: str,
    to: str,
    refused: str,
    field: str = "status",
) -> None:
    """Raise TransitionError unless `to` is one of `statuses` and `current` -> `to` is in
    `allowed`. `refused` is the message for a move the table does not allow."""
    if to not in statuses.values:
        known = ", ".join(statuses.values)
        raise TransitionError(
            "unknown_status", f"{to!r} is not a status; it is one of {known}.", field=field
        )
    if to not in allowed.get(current, ()):
        raise TransitionError("not_allowed", refused, field=field)


def record_move(
    obj: models.Model,
    *,
    source: str,
    to: str,
    by: Actor,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """The audit entry of a move: "source → to: reason", with the changed fields."""
    from laseros.audit import record
    from laseros.models import ActivityLog

    message = f"{source} → {to}" + (f": {reason}" if reason else "")
    record(
        action=ActivityLog.Action.TRANSITION,
        obj=obj,
        changes=changes if changes is not None else {"status": [str(source), str(to)]},
        message=message[:500],
        user=by,
    )
