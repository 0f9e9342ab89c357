"""Fixtures of ingest's tests (pytest finds them here; nothing imports them)."""

from __future__ import annotations

import pytest


@pytest.fixture
def events():
    """Every ingest event sent while the test runs: [(event, payload), ...]."""
    from ingest import signals

    seen: list[tuple[str, dict]] = []

    def _remember(sender, event, payload, **kwargs):
        seen.append((event, payload))

    for signal in signals.EVENTS.values():
        signal.connect(_remember, dispatch_uid="ingest-test-events")
    yield seen
    for signal in signals.EVENTS.values():
        signal.disconnect(dispatch_uid="ingest-test-events")
