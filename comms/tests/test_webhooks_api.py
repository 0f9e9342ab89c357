"""/api/v1/webhooks/: the secret is in the creating answer only; bad input changes nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from comms import webhooks
from comms.models import WebhookEndpoint

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
