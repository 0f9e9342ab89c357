"""The webhooks endpoint's generated tests (laseros.api_testing): managers only (admins too),
create, update, delete and its filter proven on two rows; and the notifications' (each person's
own: every role that receives them reads them)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from comms.models import Notification, NotificationAudience, WebhookEndpoint
from comms.services import webhooks as services
from comms.tests.test_notifications_api import notification
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER

MANAGERS = (ADMIN, MANAGER)


@pytest.fixture(autouse=True)
def _private_urls(settings):
    """The endpoints point at loopback (nothing resolves a public name in a test)."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


class TestWebhooks(EndpointTests):
    prefix = "webhooks"
    model = WebhookEndpoint
    readers = writers = deleters = MANAGERS
    filters = (
        Filter("is_active", lambda e: "false", arrange=lambda m, o: set_fields(m, is_active=False)),
        Filter("created_by", lambda e: e.created_by.username),
        *dates("created_at"),
        *dates("disabled_at"),
        *dates("failing_since", "failing_since"),
        *dates("previous_secret_expires_at"),
    )

    def make(self, n):
        endpoint, _secret = services.endpoint_create(
            url=f"http://127.0.0.1:9/hook-{n}", events=["stock.low"], by=someone(f"integrator-{n}")
        )
        return endpoint

    def create_data(self):
        return {"url": "http://127.0.0.1:9/new", "events": ["invoice.issued", "payment.received"]}

    def update_data(self, obj):
        return {"description": "the accounting system", "events": ["project.created"]}


class TestNotifications(EndpointTests):
    prefix = "notifications"
    model = Notification
    filters = (
        Filter("open", lambda n: "false", lambda m, o: set_fields(m, closed_at=timezone.now())),
        Filter("kind", lambda n: "overdue", lambda m, o: set_fields(m, kind="overdue")),
        Filter("severity", lambda n: "critical", lambda m, o: set_fields(m, severity="critical")),
        *dates("opened_at"),
        Filter(
            "audience",
            lambda n: "operators",
            lambda m, o: set_fields(m, audience=NotificationAudience.OPERATORS),
        ),
    )
    # read or not is per person: proven below, by the person who reads
    unproven_filters = {"read": "each person's own: test_notifications_api.py"}

    def make(self, n):
        return notification(n)
