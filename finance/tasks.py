"""Background work of finance: thin, it calls the services."""

from __future__ import annotations

from .services import quotes_expire


def expire_quotes() -> str:
    """Daily: sent quotes past their last valid day expire. Returns the summary for the log."""
    return quotes_expire().summary()
