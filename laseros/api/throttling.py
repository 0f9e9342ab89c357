"""The API's throttles: DRF's (the same scopes, rates and keys: per user, per address, per
scope), counting each client's requests in two counters instead of a list of every request's
time.

DRF's SimpleRateThrottle keeps, per client, the time of each request in the last period and
reads and writes that whole list through the cache on every request: at `1200/min` a busy
integration's list holds up to 1,200 times, unpickled and pickled again each call. Here a client
has a counter per period-long window; the rate is checked against the sliding estimate
`previous window × the part of it still inside the last period + this window`, which is what a
sliding log counts when the previous window's requests were spread evenly (Cloudflare's way).
Two cache keys read at once and one increment, whatever the rate.
"""

from __future__ import annotations

import math

from rest_framework import throttling


class CountingThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle's scopes and keys; a sliding-window counter instead of its log."""

    _counts: tuple[float, int, int] = (0.0, 0, 0)
    num_requests: int  # (set by DRF from the rate)
    duration: int

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        this, last = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        counts = self.cache.get_many([this, last])
        into = self.now / self.duration - window  # how far through this window, 0 to 1
        self._counts = (into, counts.get(last, 0), counts.get(this, 0))
        if self._estimate(*self._counts) + 1 > self.num_requests:
            return self.throttle_failure()
        self.cache.add(this, 0, timeout=2 * self.duration)  # kept while it is the last window
        try:
            self.cache.incr(this)
        except ValueError:  # expired between the add and the incr: start it again
            self.cache.set(this, 1, timeout=2 * self.duration)
        return True

    @staticmethod
    def _estimate(into: float, last: int, this: int) -> float:
        return last * (1 - into) + this

    def wait(self) -> float | None:
        """Seconds until one more request would be let through (Retry-After)."""
        into, last, this = self._counts
        room = self.num_requests - 1  # what the estimate must fall to
        if this <= room and last:
            # within this window, as the last window's share of the period shrinks
            return max(0.0, math.ceil((1 - into - (room - this) / last) * self.duration))
        if this == 0:
            return None
        # in the next window, where this window's count is the one that shrinks
        return math.ceil(((1 - into) + max(0.0, 1 - room / this)) * self.duration)


# DRF's class first: the scoped one finds its scope and rate, then calls on to the count
class AnonRateThrottle(throttling.AnonRateThrottle, CountingThrottle):
    """Anonymous requests, per address (API_THROTTLE_ANON)."""


class UserRateThrottle(throttling.UserRateThrottle, CountingThrottle):
    """Signed-in requests, per user (API_THROTTLE_USER)."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, CountingThrottle):
    """A view's own scope (`throttle_scope`: the token endpoint, the instant quote)."""
