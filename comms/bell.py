"""The bell's answer (how many unread, the newest few) kept per person for NOTIFY_BELL_SECONDS
in the web process's cache, so a manager paging through the admin does not query it on every
page (it was a tenth of the job list's time).

What a person does to their own bell shows on their next page whichever web process serves it:
marking read stamps their session (`mark_fresh`), which every process reads with the request,
and an answer kept from before the stamp is read again. What changes for others (the worker
opening or closing notifications every NOTIFY_EVERY_MINUTES) shows within the seconds kept.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from . import selectors

SESSION_KEY = "comms_bell_fresh_after"


def bell_for(request: Any, user: Any, *, limit: int) -> tuple[int, list]:
    seconds = int(getattr(settings, "NOTIFY_BELL_SECONDS", 0))
    if seconds <= 0:
        return selectors.bell(user, limit=limit)
    session = getattr(request, "session", None)
    fresh_after = session.get(SESSION_KEY, 0.0) if session is not None else 0.0
    key = f"comms:bell:{user.pk}:{limit}"
    kept = cache.get(key)
    if kept is not None and kept[0] >= fresh_after:
        return kept[1]
    answer = selectors.bell(user, limit=limit)
    cache.set(key, (time.time(), answer), seconds)
    return answer


def mark_fresh(request: Any) -> None:
    """The person changed their bell (marked read): read it again on their next page."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key is not None:  # signed in by the browser
        session[SESSION_KEY] = time.time()
