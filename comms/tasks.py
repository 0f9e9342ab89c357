"""Background work of comms: thin, it calls the services."""

from __future__ import annotations

from .services import communication_deliver, quote_reminders, send_due
from .services.notifications import notifications_evaluate


def send_communication(pk: int) -> str:
    """Right after a message is queued: its first attempt."""
    return communication_deliver(communication_id=pk).detail


def send_due_messages() -> str:
    """Every minute: the messages whose next attempt is due (retries with backoff)."""
    outcomes = send_due()
    sent = sum(1 for outcome in outcomes if outcome.sent)
    return f"{sent} of {len(outcomes)} due messages sent"


def send_quote_reminders() -> str:
    """Daily: the quote-expiry reminders whose day has come (once per quote)."""
    return f"{len(quote_reminders())} quote reminders queued"


def evaluate_notifications() -> str:
    """Every few minutes: one open notification per cause present, closed when the cause goes."""
    return str(notifications_evaluate())


def dispatch_event(pk: int) -> str:
    """After an event's transaction commits: its webhook deliveries, one per endpoint."""
    from .services import webhooks

    return f"event {pk}: {len(webhooks.event_dispatch(event_id=pk))} deliveries"


def deliver_webhook(pk: int) -> str:
    """One attempt at a webhook delivery (the first, a retry or a replay)."""
    from .services import webhooks

    return webhooks.delivery_attempt(delivery_id=pk).detail


def send_due_webhooks() -> str:
    """Every minute: events whose dispatch was lost, and the webhook retries that are due."""
    from .services import webhooks

    counts = webhooks.webhooks_send_due()
    return ", ".join(f"{count} {what}" for what, count in counts.items())


def prune_webhook_log() -> str:
    """Daily: the webhook deliveries and events older than WEBHOOK_KEEP_DAYS, once finished."""
    from .services import webhooks

    counts = webhooks.webhook_log_prune()
    return f"{counts['deliveries']} deliveries and {counts['events']} events forgotten"
