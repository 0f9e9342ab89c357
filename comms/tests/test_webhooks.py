"""Webhooks out: signed by the Standard Webhooks spec (checked with its reference library),
guarded against server-side request forgery, delivered from the event outbox to a real receiver
on loopback (http.server in a thread) with retries, nothing lost while it is down."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from comms import webhooks
from comms.models import (
    Notification,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from comms.selectors import webhook_delivery_counts
from comms.services import webhooks as services
from comms.tests.conftest import free_port
from laseros.models import ActivityLog, OutboxEvent
from laseros.outbox import record_event

pytestmark = pytest.mark.django_db

D = WebhookDeliveryStatus
STOCK_LOW = {
    "stock_id": 7,
    "stock": "MS 3mm 2450x1225",
    "material": "MS",
    "thickness_mm": "3.00",
    "quantity_on_hand": 1,
    "reorder_level": 2,
    "to_order": 10,
}


# --- a real receiver on loopback ------------------------------------------------------------------


@dataclass
class Receiver:
    """What the receiver got ([(path, headers, body)]) and how it answers."""

    port: int
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/laseros"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                data = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers), data))
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                # the caller may stop reading (a huge answer is cut off)
                with contextlib.suppress(OSError):
                    self.wfile.write(receiver.body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for _path, headers, _body in self.received]


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1 (not started: a test starts it, or leaves it down); private URLs
    allowed for it, as a test must."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    found = Receiver(port=free_port())
    yield found
    found.stop()


def _endpoint(url, events=("stock.low",)):
    endpoint, secret = services.endpoint_create(url=url, events=list(events), by=None)
    return endpoint, secret


def tasks_run_directly(monkeypatch):
    """The webhook tasks run after the commit as plain calls of comms.tasks (the worker's task
    functions), without django-q's inline bookkeeping: 500 events are some 3,000 tasks."""
    from django.utils.module_loading import import_string

    def enqueue_on_commit(func, *args, **kwargs):
        transaction.on_commit(lambda: import_string(func)(*args), robust=False)

    monkeypatch.setattr(services, "enqueue_on_commit", enqueue_on_commit)


def _deliver_due(committed, rounds=1):
    for _ in range(rounds):
        with committed():
            services.webhooks_send_due()


# --- signatures -----------------------------------------------------------------------------------


def _signed(secret, body=b'{"id":"1"}', *, at=None, msg_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"):
    return webhooks.signed_headers(msg_id=msg_id, body=body, secrets_=[secret], timestamp=at)


def test_the_reference_library_verifies_our_signature():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = json.dumps({"id": "1", "type": "stock.low", "data": {"x": "é"}}).encode()
    headers = _signed(secret, body)
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == json.loads(body)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda s, b, h: (s, b.replace(b"1", b"2"), h), id="tampered body"),
        pytest.param(lambda s, b, h: (webhooks.new_secret(), b, h), id="wrong secret"),
        pytest.param(
            lambda s, b, h: (s, b, _signed(s, b, at=int(time.time()) - 301)),
            id="timestamp 5 min 1 s old",
        ),
        pytest.param(
            lambda s, b, h: (s, b, {**h, "webhook-id": "msg_other"}), id="another message's id"
        ),
    ],
)
def test_the_reference_verifier_refuses_a_spoilt_delivery(spoil):
    secret = webhooks.new_secret()
    body = b'{"id":"1","type":"stock.low"}'
    secret, body, headers = spoil(secret, body, _signed(secret, body))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_a_timestamp_within_five_minutes_is_accepted():
    secret = webhooks.new_secret()
    headers = _signed(secret, b"{}", at=int(time.time()) - 240)
    assert Webhook(secret).verify(b"{}", headers) == {}


# --- the URL guard --------------------------------------------------------------------------------


def _public(host, port):
    return ["93.184.215.14"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://localhost/hook", "local or private"),
        ("http://127.0.0.1:8000/hook", "local or private"),
        ("http://10.1.2.3/hook", "local or private"),
        ("http://172.16.0.9/hook", "local or private"),
        ("http://192.168.1.10/hook", "local or private"),
        ("http://169.254.169.254/latest/meta-data/", "local or private"),
        ("http://100.64.0.1/hook", "local or private"),
        ("http://0.0.0.0/hook", "local or private"),
        ("http://[::1]/hook", "local or private"),
        ("http://[::ffff:127.0.0.1]/hook", "local or private"),
        ("http://[fe80::1]/hook", "local or private"),
        ("ftp://example.com/hook", "starts with https://"),
        ("file:///etc/passwd", "starts with https://"),
        ("gopher://example.com/", "starts with https://"),
        ("https://", "no host"),
        ("https://user:pw@example.com/", "no user name or password"),
    ],
)
def test_the_guard_refuses_what_is_not_a_public_http_url(settings, url, why):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(webhooks.UnsafeURL, match=why):
        webhooks.check_url(url)
    with pytest.raises(ValidationError, match=why):
        services.endpoint_create(url=url, events=["stock.low"], by=None)
    assert not WebhookEndpoint.objects.exists()


def test_every_address_of_a_host_is_checked(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    def both(host, port):
        return ["93.184.215.14", "10.0.0.8"]  # a name that also points inside

    with pytest.raises(webhooks.UnsafeURL, match=r"10\.0\.0\.8"):
        webhooks.check_url("https://hooks.example.com/x", resolver=both)
    target = webhooks.check_url("https://hooks.example.com:8443/x?a=1", resolver=_public)
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/x?a=1")
    assert target.addresses == ("93.184.215.14",)


def test_private_urls_are_allowed_only_by_the_setting(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert webhooks.check_url("http://127.0.0.1:9/x").addresses == ("127.0.0.1",)
    with pytest.raises(webhooks.UnsafeURL, match="starts with https://"):
        webhooks.check_url("file:///etc/passwd")


def test_the_guard_runs_again_at_send_time(receiver, committed, settings):
    receiver.start()
    endpoint, _ = _endpoint(receiver.url)  # allowed when saved
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False  # no longer
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.PENDING and delivery.attempts == 1
    assert delivery.error.startswith("Refused:") and "local or private" in delivery.error
    assert receiver.received == []


# --- making endpoints -----------------------------------------------------------------------------


def test_an_endpoint_needs_known_events(receiver):
    for events, why in (([], "List the event types"), (["stock.lowish"], "stock.lowish")):
        with pytest.raises(ValidationError, match=why):
            services.endpoint_create(url=receiver.url, events=events, by=None)
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(url="file:///etc/passwd", events="stock.low", by=None)
    assert set(refused.value.message_dict) == {"url", "events"}  # both said at once
    assert not WebhookEndpoint.objects.exists()


def test_the_secret_is_kept_out_of_the_audit_trail(receiver):
    endpoint, secret = _endpoint(receiver.url)
    assert endpoint.secret == secret
    entry = ActivityLog.objects.get(object_id=str(endpoint.pk))
    assert "secret" not in json.dumps(entry.changes) and secret not in json.dumps(entry.changes)
    services.endpoint_rotate_secret(endpoint=endpoint, by=None)
    for entry in ActivityLog.objects.filter(object_id=str(endpoint.pk)):
        assert secret not in json.dumps(entry.changes) + entry.message


# --- delivering -----------------------------------------------------------------------------------


def test_an_event_is_delivered_signed_with_its_stable_id(receiver, committed):
    receiver.start()
    endpoint, secret = _endpoint(receiver.url)
    with committed():
        event = record_event(type="stock.low", payload=STOCK_LOW)
    ((path, headers, body),) = receiver.received
    assert path == "/hooks/laseros"
    document = Webhook(secret).verify(body, headers)
    assert document["id"] == str(event.event_id) == headers["webhook-id"]
    assert document["type"] == "stock.low" and document["version"] == 1
    assert document["data"] == STOCK_LOW
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code, delivery.attempts) == (D.DELIVERED, 200, 1)
    assert delivery.response_excerpt == "ok" and delivery.latency_ms is not None
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_an_endpoint_gets_only_the_events_it_asked_for(receiver, committed):
    receiver.start()
    _endpoint(receiver.url, events=["project.created"])
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_the_request_that_records_an_event_sends_nothing_itself(receiver, settings, committed):
    """Deliveries do not slow the request: it writes the event and queues a task; the POST
    happens in the worker."""
    from django_q.models import OrmQ

    settings.TASKS_RUN_INLINE = False
    receiver.start()
    _endpoint(receiver.url)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
    assert OrmQ.objects.count() == 1  # the dispatch task, for the worker


def test_a_rolled_back_change_sends_nothing(receiver, committed):
    receiver.start()
    _endpoint(receiver.url)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        record_event(type="stock.low", payload=STOCK_LOW)
        raise RuntimeError("the change failed")
    assert receiver.received == [] and not OutboxEvent.objects.exists()


def test_a_redirect_is_not_followed(receiver, committed):
    receiver.status, receiver.headers = 302, {"Location": "http://127.0.0.1:9/elsewhere"}
    receiver.start()
    _endpoint(receiver.url)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    assert [path for path, _h, _b in receiver.received] == ["/hooks/laseros"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.PENDING and delivery.status_code == 302
    assert "redirects are not followed" in delivery.error


def test_a_huge_answer_is_cut_off(receiver, committed, settings):
    settings.WEBHOOK_RESPONSE_MAX_BYTES = 4096
    # binary, with a NUL (PostgreSQL's text refuses it): the log keeps a readable excerpt
    receiver.status, receiver.body = 500, b"\x00oops" + os.urandom(8 * 1024 * 1024)
    receiver.start()
    _endpoint(receiver.url)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code == 500 and "cut off after 4096 bytes" in delivery.error
    assert len(delivery.response_excerpt) <= webhooks.EXCERPT_CHARS
    assert delivery.response_excerpt.startswith("\ufffdoops")


def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt(receiver, committed, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    silent = ThreadingHTTPServer(("127.0.0.1", receiver.port), BaseHTTPRequestHandler)
    silent.RequestHandlerClass = type(
        "Silent", (BaseHTTPRequestHandler,), {"do_POST": lambda self: time.sleep(3)}
    )
    threading.Thread(target=silent.serve_forever, daemon=True).start()
    try:
        _endpoint(receiver.url)
        with committed():
            record_event(type="stock.low", payload=STOCK_LOW)
    finally:
        silent.shutdown()
        silent.server_close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.PENDING and delivery.status_code is None
    assert "No answer within 0.5 s" in delivery.error


def test_500_events_while_the_receiver_is_down_are_each_delivered_once_it_is_back(
    receiver, committed, settings, monkeypatch
):
    # The downtime is simulated by the schedule: every sweep while it is down is a failed try.
    settings.WEBHOOK_RETRY_SCHEDULE = ",".join(["0.05"] * 20)
    tasks_run_directly(monkeypatch)
    endpoint, secret = _endpoint(receiver.url)
    with committed():
        events = [
            record_event(type="stock.low", payload={**STOCK_LOW, "stock_id": n}) for n in range(500)
        ]
    for _ in range(2):  # still down: each delivery tried three times by now
        time.sleep(0.1)  # its next try is due (0.05 s and jitter)
        _deliver_due(committed)
    assert receiver.received == []
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(D.PENDING, 3)}
    receiver.start()
    deadline = time.monotonic() + 120
    while WebhookDelivery.objects.exclude(status=D.DELIVERED).exists():
        assert time.monotonic() < deadline, "not all delivered"
        time.sleep(0.05)
        _deliver_due(committed)
    _deliver_due(committed, rounds=2)  # nothing more goes out
    ids = receiver.ids()
    assert len(ids) == 500 and set(ids) == {str(e.event_id) for e in events}  # each once
    verifier = Webhook(secret)
    assert sorted(verifier.verify(b, h)["data"]["stock_id"] for _p, h, b in receiver.received) == (
        list(range(500))
    )
    assert endpoint.deliveries.filter(status=D.DELIVERED, attempts=4).count() == 500


def test_a_delivery_that_keeps_failing_is_given_up_after_the_schedule(
    receiver, committed, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = "0,0"
    receiver.status = 503
    receiver.start()
    _endpoint(receiver.url)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    _deliver_due(committed, rounds=4)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (D.FAILED, 3, 503)
    assert len(receiver.received) == 3


def test_the_retry_waits_follow_the_schedule_with_jitter(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = "10,100"
    waits = [services._next_wait(1) for _ in range(50)]
    assert all(10 <= wait <= 11 for wait in waits) and len(set(waits)) > 1
    assert 100 <= services._next_wait(2) <= 110 and services._next_wait(3) is None
    settings.WEBHOOK_RETRY_SCHEDULE = "5,x"
    with pytest.raises(ValueError, match="seconds separated by commas"):
        services.retry_schedule()


def test_the_default_schedule_tries_for_more_than_a_day():
    from django.conf import settings

    assert sum(float(s) for s in settings.WEBHOOK_RETRY_SCHEDULE.split(",")) >= 24 * 3600


# --- secrets rotated ------------------------------------------------------------------------------


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(receiver, committed):
    receiver.start()
    endpoint, old = _endpoint(receiver.url)
    new = services.endpoint_rotate_secret(endpoint=endpoint, by=None, overlap_hours=1)
    assert new != old and new.startswith("whsec_")
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    _path, headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) and Webhook(new).verify(body, headers)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    _path, headers, body = receiver.received[-1]
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)


# --- an endpoint that keeps failing ---------------------------------------------------------------


def test_an_endpoint_failing_for_n_hours_is_switched_off_and_the_managers_told(
    receiver, committed, settings
):
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 72
    settings.WEBHOOK_RETRY_SCHEDULE = "0,0,0,0"
    endpoint, _ = _endpoint(receiver.url)  # down
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    # it has been failing for 71 hours: still on
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(hours=71)
    )
    _deliver_due(committed)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(hours=73)
    )
    _deliver_due(committed)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "failed for 73 hours" in endpoint.disabled_reason
    (notice,) = Notification.objects.open()
    assert notice.audience == "managers" and receiver.url in notice.text
    assert ActivityLog.objects.filter(object_id=str(endpoint.pk), message__contains="Switched off")
    # switched off, its deliveries wait; nothing is tried
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)
    _deliver_due(committed, rounds=2)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {D.PENDING}
    attempts = sum(WebhookDelivery.objects.values_list("attempts", flat=True))
    # the receiver is put right and the endpoint switched on: what waited goes out
    receiver.start()
    with committed():
        services.endpoint_update(endpoint=endpoint, by=None, is_active=True)
    assert WebhookDelivery.objects.filter(status=D.DELIVERED).count() == 2
    assert sum(WebhookDelivery.objects.values_list("attempts", flat=True)) == attempts + 2
    assert not Notification.objects.open().exists()


# --- replays and counts ---------------------------------------------------------------------------


def test_a_delivery_and_a_time_range_are_replayed(receiver, committed):
    receiver.start()
    _endpoint(receiver.url)
    with committed():
        first = record_event(type="stock.low", payload=STOCK_LOW)
        record_event(type="stock.low", payload=STOCK_LOW)
    assert len(receiver.received) == 2
    one = WebhookDelivery.objects.get(event=first)
    with committed():
        assert services.deliveries_replay(deliveries=[one], by=None) == 1
    assert receiver.ids()[-1] == str(first.event_id)  # the same id: the receiver deduplicates
    now = timezone.now()
    with committed():
        replayed = services.deliveries_replay_range(
            since=now - dt.timedelta(hours=1), until=now + dt.timedelta(minutes=1), by=None
        )
    assert replayed == 2 and len(receiver.received) == 5
    assert ActivityLog.objects.filter(message__startswith="replayed 2 webhook deliveries")
    with pytest.raises(ValidationError, match="after its start"):
        services.deliveries_replay_range(since=now, until=now, by=None)


def test_counts_per_hour(receiver, committed, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = "0"
    _endpoint(receiver.url)
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)  # down: pending
    _deliver_due(committed)  # and failed
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)  # pending
    receiver.start()
    with committed():
        record_event(type="stock.low", payload=STOCK_LOW)  # delivered
    (row,) = webhook_delivery_counts(hours=24)
    assert (row.pending, row.failed, row.delivered) == (1, 1, 1)
    assert row.hour == timezone.now().replace(minute=0, second=0, microsecond=0)
