"""The top wiring's background work: the scheduled reports."""

from __future__ import annotations


def make_due_reports() -> list[str]:
    """Every 15 minutes: make and send each report that is due and not made (with catch-up)."""
    from laseros.site.reports.schedule import make_due_reports as make

    return make()
