"""The outbox against a real SMTP server on loopback: what arrives, and what a failing server
leaves (queued, then failed with the reason; nothing lost)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from comms.models import Communication, CommunicationStatus
from comms.services import Attachment, communication_resend, send_due, send_template

pytestmark = pytest.mark.django_db
S = CommunicationStatus

# a PDF made at test time, with bytes that must arrive unchanged
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _quote_sent(job, **extra):
    return send_template(
        key="quote_sent",
        job=job,
        quote={"code": "QT-2026-0007", "total": "R 2,300.00", "valid_until": dt.date(2027, 1, 8)},
        attachments=[Attachment("QT-2026-0007.pdf", PDF)],
        event_key=f"quote_sent:QT-2026-0007:{extra.pop('n', 1)}",
        by=None,
        **extra,
    )


def test_a_quote_arrives_with_its_headers_and_its_pdf(
    smtp_server, job, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Cut Right <office@cutright.example>"
    with django_capture_on_commit_callbacks(execute=True):
        communication = _quote_sent(job)
    communication.refresh_from_db()
    assert communication.status == S.SENT, communication.last_error
    assert communication.attempts == 1
    [message] = smtp_server.messages
    assert message["To"] == "thandi@acme.example"
    assert message["From"] == "Cut Right <office@cutright.example>"
    assert message["Subject"] == "Quote QT-2026-0007 for Acme Brackets"
    assert message["Message-ID"] == communication.provider_id
    assert message["X-LaserOS-Message"] == str(communication.pk)
    body, pdf = [part for part in message.walk() if not part.is_multipart()]
    assert "Valid Until: 8 January 2027" in body.get_payload(decode=True).decode()
    assert pdf.get_filename() == "QT-2026-0007.pdf"
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_payload(decode=True) == PDF
    assert smtp_server.envelopes[0].rcpt_tos == ["thandi@acme.example"]


def test_one_event_sends_one_message(smtp_server, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _quote_sent(job)
        again = _quote_sent(job)
    assert again.pk == first.pk
    assert Communication.objects.count() == 1
    assert len(smtp_server.messages) == 1


_real_now = timezone.now


def _later(minutes: int):
    return _real_now() + dt.timedelta(minutes=minutes)


def test_a_closed_port_leaves_the_message_queued_then_failed_with_the_reason(
    closed_smtp_port, job, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.COMMS_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        communication = _quote_sent(job)
    communication.refresh_from_db()
    assert communication.status == S.QUEUED
    assert communication.attempts == 1
    assert "refused" in communication.last_error.lower()
    first_retry = communication.next_attempt_at
    assert first_retry > timezone.now()

    assert send_due() == []  # not due yet: nothing is tried
    for minutes in (2, 10):  # the second retry waits longer than the first
        monkeypatch.setattr(timezone, "now", lambda m=minutes: _later(m))
        send_due()
    communication.refresh_from_db()
    assert communication.status == S.FAILED
    assert communication.attempts == 3
    assert "refused" in communication.last_error.lower()
    # nothing lost: the rendered message and its PDF are still there to send again
    assert communication.body and communication.attachments.get().size_bytes == len(PDF)


def test_a_failed_message_goes_when_a_manager_sends_it_again(
    smtp_server, job, settings, make_user, django_capture_on_commit_callbacks
):
    smtp_server.answer_data = "451 4.3.0 Try again later"
    settings.COMMS_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        communication = _quote_sent(job)
    communication.refresh_from_db()
    assert communication.status == S.FAILED
    assert "451" in communication.last_error and "Try again later" in communication.last_error

    smtp_server.answer_data = "250 OK"
    with django_capture_on_commit_callbacks(execute=True):
        communication_resend(communication=communication, by=make_user("m", role="Manager"))
    communication.refresh_from_db()
    assert communication.status == S.SENT
    [message] = smtp_server.messages
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["QT-2026-0007.pdf"]


def test_a_refused_address_fails_at_once_with_the_servers_answer(
    smtp_server, job, django_capture_on_commit_callbacks
):
    smtp_server.answer_rcpt = "550 5.1.1 No such user here"
    with django_capture_on_commit_callbacks(execute=True):
        communication = _quote_sent(job)
    communication.refresh_from_db()
    assert communication.status == S.FAILED
    assert communication.attempts == 1  # a 5xx answer is not tried again
    assert "550" in communication.last_error and "No such user" in communication.last_error


def test_a_client_without_an_address_shows_a_failed_message_naming_why(
    smtp_server, job, django_capture_on_commit_callbacks
):
    job.client.email = ""
    job.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        communication = _quote_sent(job)
    assert communication.status == S.FAILED
    assert "No address" in communication.last_error
    assert smtp_server.messages == []
