"""The webhooks in the admin: the secret on the page after saving only; the delivery log with its
counts per hour and its replays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comms.models import WebhookDelivery, WebhookEndpoint
from comms.services import webhooks as services
from laseros.models import OutboxEvent
from laseros.outbox import record_event

pytestmark = pytest.mark.django_db

STOCK_LOW = {
    "stock_id": 7,
    "stock": "MS 3mm",
    "material": "MS",
    "thickness_mm": "3.00",
    "quantity_on_hand": 1,
    "reorder_level": 2,
    "to_order": 10,
}


@pytest.fixture
def manager(client, make_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    client.force_login(make_user("boss", role="Manager"))
    return client


def test_the_secret_is_shown_once_after_saving(manager):
    add = reverse("admin:comms_webhookendpoint_add")
    answer = manager.post(
        add,
        {"url": "http://127.0.0.1:9/hook", "events": ["invoice.issued"], "description": "ERP"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert endpoint.secret in answer.content.decode()
    page = manager.get(reverse("admin:comms_webhookendpoint_change", args=[endpoint.pk]))
    listing = manager.get(reverse("admin:comms_webhookendpoint_changelist"))
    for seen in (page, listing):
        assert seen.status_code == 200 and endpoint.secret not in seen.content.decode()
    rotated = manager.post(
        reverse("admin:comms_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode() and endpoint.previous_secret


def test_a_private_url_is_refused_in_the_form(manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    answer = manager.post(
        reverse("admin:comms_webhookendpoint_add"),
        {"url": "http://169.254.169.254/latest/", "events": ["invoice.issued"]},
    )
    assert answer.status_code == 200 and "local or private" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_log_counts_per_hour_and_replays(manager, committed):
    services.endpoint_create(url="http://127.0.0.1:9/hook", events=["stock.low"], by=None)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)  # nothing listens on :9: pending
    delivery = WebhookDelivery.objects.get()
    log = manager.get(reverse("admin:comms_webhookdelivery_changelist"))
    text = log.content.decode()
    assert (
        log.status_code == 200 and "Deliveries per hour" in text and "Replay a time range" in text
    )
    manager.post(
        reverse("admin:comms_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 0 and delivery.status == "pending"
    form = manager.get(reverse("admin:comms_webhookdelivery_replay_range"))
    assert form.status_code == 200
    assert OutboxEvent.objects.count() == 1
