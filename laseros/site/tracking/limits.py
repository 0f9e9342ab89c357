"""The tracking pages' rate limit: requests per client address in a fixed window, counted in the
cache (TRACKING_RATE_LIMIT, "30/min"), as DRF's throttles count the API's. Every request counts,
a bad link too, so guessing links is as slow as reading them."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
KEY = "tracking-rate:{address}:{window}"


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/min" -> (30, 60): how many requests in how many seconds."""
    try:
        count, period = str(rate).strip().split("/")
        allowed, seconds = int(count), PERIODS[period.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"TRACKING_RATE_LIMIT={rate!r}: write it as a number per s, min, hour or day, "
            "e.g. 30/min."
        ) from None
    if allowed < 1:
        raise ImproperlyConfigured(f"TRACKING_RATE_LIMIT={rate!r}: allow at least 1 request.")
    return allowed, seconds


def over_limit(address: str | None) -> int:
    """0 when this request from `address` is within the limit (and it is counted), else the
    seconds until the window ends (the Retry-After)."""
    allowed, seconds = parse_rate(settings.TRACKING_RATE_LIMIT)
    now = time.time()
    window = int(now // seconds)
    key = KEY.format(address=address or "unknown", window=window)
    if cache.add(key, 1, timeout=seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.set(key, 1, timeout=seconds + 1)
            count = 1
    if count <= allowed:
        return 0
    return max(1, int((window + 1) * seconds - now))
