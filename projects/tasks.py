"""Background work of the projects app: thin, it calls the services."""

from __future__ import annotations

from .services import quotes_expire


def expire_quotes() -> str:
    """Daily: cancel jobs whose quote expired (reinstatable). Returns the summary for the log."""
    return quotes_expire().summary()
