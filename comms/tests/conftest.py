"""Comms' fixtures: a client and a job, a real SMTP server on loopback (aiosmtpd in this
process) and a fake WhatsApp Cloud API (http.server in a thread on 127.0.0.1)."""

from __future__ import annotations

import email
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def client_rec(db):
    from clients.services import client_create

    return client_create(
        name="Acme Brackets",
        contact_person="Thandi Nkosi",
        email="thandi@acme.example",
        phone="082 123 4567",
        by=None,
    )


@pytest.fixture
def job(client_rec):
    from projects.services import project_create

    return project_create(client=client_rec, name="Gate brackets", quantity=12, by=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received, and what it answers next."""

    messages: list[Message] = field(default_factory=list)
    envelopes: list = field(default_factory=list)
    answer_data: str = "250 Message accepted for delivery"
    answer_rcpt: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.answer_rcpt:
            return self.answer_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if not self.answer_data.startswith("250"):
            return self.answer_data
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content))
        return self.answer_data


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def closed_smtp_port(settings):
    """Django's SMTP backend pointed at a port where nothing listens."""
    port = free_port()
    use_smtp(settings, port)
    return port


@dataclass
class FakeWhatsApp:
    """The Cloud API's messages endpoint: records each request, answers `status` and `body`."""

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    status: int = 200
    body: dict = field(default_factory=lambda: {"messages": [{"id": "wamid.TEST1"}]})


@pytest.fixture
def whatsapp_api(settings):
    fake = FakeWhatsApp()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "json": json.loads(self.rfile.read(length) or b"{}"),
                }
            )
            answer = json.dumps(fake.body).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v21.0"
    settings.WHATSAPP_API_URL = fake.url
    settings.WHATSAPP_TOKEN = "test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
