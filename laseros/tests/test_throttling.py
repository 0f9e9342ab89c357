"""The API's throttles count each client's requests in a window counter (laseros.api.throttling):
the rate holds over any period-long stretch, not only within fixed windows; a refusal says when
to retry; clients are counted apart; and what is kept per client is two numbers, whatever the
rate (DRF's own kept a list of every request's time)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from laseros.api.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


@pytest.fixture(autouse=True)
def _no_counts():
    cache.clear()
    yield
    cache.clear()


class Clock:
    def __init__(self, now: float = 6_000.0):  # the start of a minute
        self.now = now

    def __call__(self) -> float:
        return self.now


class User:
    def __init__(self, pk: int):
        self.pk = pk
        self.is_authenticated = True


def ask(throttle_class, clock, *, rate="10/min", user=None, ip="203.0.113.5", view=None):
    """One request through a fresh throttle (as DRF makes one per request): allowed or not,
    and the throttle (for its wait)."""

    class Throttle(throttle_class):
        THROTTLE_RATES = {"user": rate, "anon": rate, "quotes": rate}
        timer = clock

    request = APIRequestFactory().get("/api/v1/x/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    throttle = Throttle()
    return throttle.allow_request(request, view or APIView()), throttle


def test_the_rate_is_let_through_and_the_next_is_refused_with_when_to_retry():
    clock = Clock()
    user = User(1)
    answers = []
    for _ in range(10):
        clock.now += 1
        answers.append(ask(UserRateThrottle, clock, user=user)[0])
    assert answers == [True] * 10
    allowed, throttle = ask(UserRateThrottle, clock, user=user)
    assert allowed is False
    # the ten fall out of the last minute from 6,061 s on; it is 6,010 s now
    assert 0 < throttle.wait() <= 60


def test_a_burst_at_a_windows_end_still_counts_just_after_it():
    """Ten requests in the last second of one minute, then more at the start of the next:
    a fixed window would let ten more through at once; the last minute holds ten already."""
    clock = Clock(6_059.0)
    user = User(1)
    assert all(ask(UserRateThrottle, clock, user=user)[0] for _ in range(10))
    clock.now = 6_061.0
    assert ask(UserRateThrottle, clock, user=user)[0] is False
    # half-way through the next minute, half the burst has slid out of the estimate
    clock.now = 6_091.0
    later = [ask(UserRateThrottle, clock, user=user)[0] for _ in range(10)]
    # 31 s into the minute, 10 × 29/60 = 4.8 of the burst still count: room for 5 (4.8 + 5 < 10)
    assert later == [True] * 5 + [False] * 5
    # and a minute after the burst, it has all gone
    clock.now = 6_121.0
    assert ask(UserRateThrottle, clock, user=user)[0] is True


def test_clients_are_counted_apart():
    clock = Clock()
    for _ in range(10):
        ask(UserRateThrottle, clock, user=User(1))
        ask(AnonRateThrottle, clock, ip="203.0.113.5")
    assert ask(UserRateThrottle, clock, user=User(1))[0] is False
    assert ask(UserRateThrottle, clock, user=User(2))[0] is True
    assert ask(AnonRateThrottle, clock, ip="203.0.113.5")[0] is False
    assert ask(AnonRateThrottle, clock, ip="203.0.113.6")[0] is True


def test_a_scoped_throttle_counts_only_its_views():
    clock = Clock()

    class Quotes(APIView):
        throttle_scope = "quotes"

    for _ in range(10):
        ask(ScopedRateThrottle, clock, user=User(1), view=Quotes())
    assert ask(ScopedRateThrottle, clock, user=User(1), view=Quotes())[0] is False
    assert ask(ScopedRateThrottle, clock, user=User(1), view=APIView())[0] is True  # no scope


def test_what_is_kept_per_client_is_a_number_whatever_the_rate():
    clock = Clock()
    user = User(1)
    for _ in range(5_000):
        clock.now += 0.001
        assert ask(UserRateThrottle, clock, rate="100000/min", user=user)[0]
    window = int(clock.now // 60)
    assert cache.get(f"throttle_user_1:{window}") == 5_000  # one number, not 5,000 times
    assert cache.get(f"throttle_user_1:{window - 1}") is None
