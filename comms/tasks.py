"""Background work of comms: thin, it calls the services."""

from __future__ import annotations

from .services import communication_deliver, send_due


def send_communication(pk: int) -> str:
    """Right after a message is queued: its first attempt."""
    return communication_deliver(communication_id=pk).detail


def send_due_messages() -> str:
    """Every minute: the messages whose next attempt is due (retries with backoff)."""
    outcomes = send_due()
    sent = sum(1 for outcome in outcomes if outcome.sent)
    return f"{sent} of {len(outcomes)} due messages sent"
