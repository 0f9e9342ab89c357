"""/api/v1/webhooks/: the secret is in the creating answer only; bad input changes nothing; a
request that causes an event does not call the endpoint."""

from __future__ import annotations

import socket

import pytest
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from clients.tests.factories import ClientFactory
from comms import webhooks
from comms.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from comms.services import webhooks as services
from comms.tasks import dispatch_event
from laseros.models import OutboxEvent
from laseros.roles import MANAGER

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def manager_api(make_user):
    client = APIClient()
    client.force_authenticate(make_user("boss", role="Manager"))
    return client


def test_the_secret_is_in_the_creating_answer_only(manager_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    created = manager_api.post(
        URL, {"url": "http://127.0.0.1:9/hook", "events": ["project.created"]}, format="json"
    )
    assert created.status_code == 201, created.data
    secret = created.data["secret"]
    assert secret.startswith("whsec_") and WebhookEndpoint.objects.get().secret == secret
    Webhook(secret)  # the reference library takes it
    listed = manager_api.get(URL)
    one = manager_api.get(f"{URL}{created.data['id']}/")
    changed = manager_api.patch(
        f"{URL}{created.data['id']}/", {"description": "ERP"}, format="json"
    )
    for answer in (listed, one, changed):
        assert answer.status_code == 200 and secret not in answer.content.decode()
    for shown in (listed.data["results"][0], one.data, changed.data):
        assert "secret" not in shown and "previous_secret" not in shown
    rotated = manager_api.post(f"{URL}{created.data['id']}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.data["secret"] != secret
    assert rotated.data["previous_secret_expires_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://169.254.169.254/latest/meta-data/", "events": ["stock.low"]}, "url"),
        ({"url": "http://localhost:8000/x", "events": ["stock.low"]}, "url"),
        ({"url": "file:///etc/passwd", "events": ["stock.low"]}, "url"),
        ({"url": "https://hooks.example.com/x", "events": []}, "events"),
        ({"url": "https://hooks.example.com/x", "events": ["file.exploded"]}, "events"),
        ({"url": "https://hooks.example.com/x", "events": "stock.low"}, "events"),
    ],
)
def test_bad_input_is_refused_naming_the_field(manager_api, body, field):
    answer = manager_api.post(URL, body, format="json")
    assert answer.status_code == 400 and field in answer.data, answer.data
    assert not WebhookEndpoint.objects.exists()


def test_viewers_and_operators_do_not_see_the_endpoints(make_user):
    for role in ("Viewer", "Operator"):
        client = APIClient()
        client.force_authenticate(make_user(role.lower(), role=role))
        assert client.get(URL).status_code == 403


def test_the_guard_is_used_by_the_api_when_private_urls_are_off(manager_api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    answer = manager_api.post(
        URL, {"url": "http://[::1]:8000/x", "events": ["stock.low"]}, format="json"
    )
    assert answer.status_code == 400 and "local or private" in str(answer.data["url"])
    assert webhooks.check_url("http://[::1]:8000/x", allow_private=True).addresses == ("::1",)


def test_the_request_that_causes_an_event_does_not_call_the_endpoint(
    api, settings, django_capture_on_commit_callbacks
):
    """Deliveries do not slow the request that caused them: with an active endpoint whose
    receiver takes connections and never answers, POST /api/v1/projects/ (project.created)
    answers while the receiver has had no connection at all, and the delivery waits, pending,
    for the worker (which is another process in the shop: no task runs in the request here)."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.TASKS_RUN_INLINE = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2  # were the request to call it, this test fails quickly
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(8)  # the kernel completes a connection; nothing reads or answers it
        hanging.setblocking(False)
        port = hanging.getsockname()[1]
        endpoint, _secret = services.endpoint_create(
            url=f"http://127.0.0.1:{port}/hook", events=["project.created"], by=None
        )
        with django_capture_on_commit_callbacks(execute=True):
            answer = api(MANAGER).post(
                "/api/v1/projects/",
                {"client": ClientFactory().pk, "name": "Gate brackets"},
                format="json",
            )
        assert answer.status_code == 201, answer.data
        event = OutboxEvent.objects.get(type="project.created")
        # the worker's first task makes the deliveries and queues each attempt: it sends nothing
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_event(event.pk)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint, delivery.event) == (endpoint, event)
        assert delivery.status == WebhookDeliveryStatus.PENDING and delivery.attempts == 0
        with pytest.raises(BlockingIOError):
            hanging.accept()  # nobody connected: nothing in the request called the endpoint
