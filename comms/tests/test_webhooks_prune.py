"""The webhook log is kept WEBHOOK_KEEP_DAYS, not forever: every day the deliveries finished
longer ago, and then the events with no delivery left, are deleted; a delivery still waiting for
its endpoint is never deleted, nor its event, however old."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from comms.models import WebhookDelivery, WebhookDeliveryStatus
from comms.services import webhooks as services
from laseros.models import OutboxEvent

pytestmark = pytest.mark.django_db

D = WebhookDeliveryStatus
NOW = timezone.now()


@pytest.fixture
def endpoint(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_KEEP_DAYS = 90
    made, _secret = services.endpoint_create(
        url="http://127.0.0.1:9/hook", events=["stock.low"], by=None
    )
    return made


def event(days_ago: float) -> OutboxEvent:
    at = NOW - dt.timedelta(days=days_ago)
    return OutboxEvent.objects.create(
        type="stock.low", payload={}, occurred_at=at, dispatched_at=at
    )


def delivery(endpoint, days_ago: float, status: str, tried_days_ago: float | None = None):
    made = NOW - dt.timedelta(days=days_ago)
    tried = NOW - dt.timedelta(days=days_ago if tried_days_ago is None else tried_days_ago)
    return WebhookDelivery.objects.create(
        event=event(days_ago),
        endpoint=endpoint,
        status=status,
        created_at=made,
        last_tried_at=tried,
        next_try_at=made,
    )


def test_old_finished_deliveries_and_their_events_are_forgotten(endpoint):
    old_delivered = delivery(endpoint, 100, D.DELIVERED)
    old_failed = delivery(endpoint, 95, D.FAILED)
    recent = delivery(endpoint, 10, D.DELIVERED)
    counts = services.webhook_log_prune(now=NOW)
    assert counts == {"deliveries": 2, "events": 2}
    assert list(WebhookDelivery.objects.all()) == [recent]
    assert set(OutboxEvent.objects.all()) == {recent.event}
    assert not OutboxEvent.objects.filter(pk__in=[old_delivered.event_id, old_failed.event_id])


def test_nothing_still_waiting_is_forgotten_however_old(endpoint):
    waiting = delivery(endpoint, 400, D.PENDING)
    sending = delivery(endpoint, 400, D.SENDING)
    replayed_lately = delivery(endpoint, 400, D.DELIVERED, tried_days_ago=3)
    undispatched = OutboxEvent.objects.create(
        type="stock.low", payload={}, occurred_at=NOW - dt.timedelta(days=400)
    )
    assert services.webhook_log_prune(now=NOW) == {"deliveries": 0, "events": 0}
    assert set(WebhookDelivery.objects.all()) == {waiting, sending, replayed_lately}
    assert OutboxEvent.objects.filter(pk=undispatched.pk).exists()


def test_an_old_event_nobody_wanted_is_forgotten_too(endpoint):
    nobody = event(120)  # dispatched when no endpoint wanted it: no delivery
    lately = event(1)
    assert services.webhook_log_prune(now=NOW) == {"deliveries": 0, "events": 1}
    assert list(OutboxEvent.objects.all()) == [lately]
    assert not OutboxEvent.objects.filter(pk=nobody.pk).exists()


def test_an_event_with_one_delivery_still_waiting_keeps_it(endpoint, settings):
    other, _secret = services.endpoint_create(
        url="http://127.0.0.1:9/other", events=["stock.low"], by=None
    )
    done = delivery(endpoint, 100, D.DELIVERED)
    waiting = WebhookDelivery.objects.create(
        event=done.event, endpoint=other, status=D.PENDING, created_at=done.created_at
    )
    assert services.webhook_log_prune(now=NOW) == {"deliveries": 1, "events": 0}
    assert list(WebhookDelivery.objects.all()) == [waiting]
    assert OutboxEvent.objects.filter(pk=done.event_id).exists()


def test_keep_days_zero_keeps_everything(endpoint, settings):
    settings.WEBHOOK_KEEP_DAYS = 0
    delivery(endpoint, 1000, D.DELIVERED)
    assert services.webhook_log_prune(now=NOW) == {"deliveries": 0, "events": 0}
    assert WebhookDelivery.objects.count() == OutboxEvent.objects.count() == 1


def test_the_daily_task_is_scheduled_and_says_what_it_forgot(endpoint):
    from django_q.models import Schedule

    from comms.tasks import prune_webhook_log

    delivery(endpoint, 100, D.FAILED)
    assert prune_webhook_log() == "1 deliveries and 1 events forgotten"
    schedule = Schedule.objects.get(name="comms.prune_webhook_log")
    assert (schedule.func, schedule.schedule_type) == ("comms.tasks.prune_webhook_log", "D")
