"""The causes the bell rings for: apps add a source from their AppConfig.ready() with
`register_cause_source`, so the core imports no app and comms (which evaluates them) imports
none above it or beside it (ingest's failed files are ingest's source).

A source owns the cause keys that start with its prefix ("file_failed:") and returns the causes
present now; comms opens one notification per cause and closes those of its prefix that are gone.
A source that fails closes nothing (its error is logged, its notifications stay as they were).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Who sees a notification (comms.models.NotificationAudience's values).
MANAGERS, OPERATORS, EVERYONE = "managers", "operators", "everyone"


@dataclass(frozen=True)
class Cause:
    """Something present now that a person should look at; `key` is stable while it lasts,
    e.g. "low_stock:sheet:7" or "escalation:quoting:job:42"."""

    key: str
    kind: str  # comms.models.NotificationKind's values
    title: str
    text: str = ""
    url: str = ""
    severity: str = "warning"  # info, warning, critical
    audience: str = MANAGERS


@dataclass(frozen=True)
class CauseSource:
    name: str
    prefix: str  # the cause keys it owns start with this
    evaluate: Callable[[dt.datetime], Iterable[Cause]]


_SOURCES: dict[str, CauseSource] = {}


def register_cause_source(
    name: str, *, prefix: str, evaluate: Callable[[dt.datetime], Iterable[Cause]]
) -> None:
    """Add (or replace) a source of causes; `evaluate(now)` returns the causes present now."""
    if not prefix.endswith(":"):
        raise ValueError(f"a cause prefix ends with ':' ({prefix!r})")
    _SOURCES[name] = CauseSource(name=name, prefix=prefix, evaluate=evaluate)


def cause_sources() -> list[CauseSource]:
    return sorted(_SOURCES.values(), key=lambda source: source.name)
