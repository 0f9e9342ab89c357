"""Telling the apps above: one way to send a signal after the transaction commits.

Every app's `signals.py` sends its signals through `send_after_commit`, so a receiver never
hears of a change that was rolled back, and a receiver that raises is logged with its traceback
and stops neither the other receivers nor the change (ARCHITECTURE.md: upward by signal).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def send_now(signal: Signal, sender: Any, *, label: str = "", **kwargs: Any) -> None:
    """Send `signal` to every receiver now; log (never raise) a receiver's failure."""
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error(
                "receiver %r of %s failed: %s",
                receiver,
                label or signal,
                result,
                exc_info=(type(result), result, result.__traceback__),
            )


def send_after_commit(signal: Signal, sender: Any, *, label: str = "", **kwargs: Any) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: send_now(signal, sender, label=label, **kwargs))
