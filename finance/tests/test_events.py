"""Finance's events in the outbox (laseros.outbox): quote.sent, quote.accepted, invoice.issued and
payment.received, each written with its change; a refused change leaves none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.services.invoices import invoice_create, invoice_issue
from finance.services.payments import payment_record
from laseros.models import OutboxEvent

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def _events(type_):
    return list(OutboxEvent.objects.filter(type=type_).order_by("id"))


def _quote(job):
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="Cutting", unit_price="100.00", quantity=2
    )
    quote.refresh_from_db()
    return quote


def test_sending_and_accepting_a_quote_record_their_events(job, measured):
    measured()
    quote = _quote(job)
    services.quote_send(quote=quote, by=None, today=DAY)
    services.quote_accept(quote=quote, by=None, today=DAY)
    (sent,) = _events("quote.sent")
    (accepted,) = _events("quote.accepted")
    assert sent.payload["quote_code"] == quote.label == accepted.payload["quote_code"]
    assert sent.payload["project_code"] == job.code
    assert sent.payload["client_code"] == job.client.code
    assert sent.payload["total"] == "230.00"  # 2 × R 100 + 15 % VAT, as a string
    assert sent.payload["valid_until"] == quote.expires_on.isoformat()


def test_a_refused_send_records_nothing(job):
    quote = services.quote_create(project=job, by=None)
    with pytest.raises(ValidationError, match="no lines"):
        services.quote_send(quote=quote, by=None)
    assert _events("quote.sent") == []


def test_issuing_an_invoice_and_a_payment_record_their_events(job):
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": "100"}]
    )
    invoice = invoice_issue(invoice=draft, by=None, today=DAY)
    payment_record(client=job.client, amount="50", by=None, method="eft", received_on=DAY)
    (issued,) = _events("invoice.issued")
    assert issued.payload["invoice_code"] == invoice.number
    assert (issued.payload["total"], issued.payload["balance"]) == ("115.00", "115.00")
    assert issued.payload["due_date"] == invoice.due_on.isoformat()
    (paid,) = _events("payment.received")
    assert paid.payload["amount"] == "50.00" and paid.payload["method"] == "eft"
    assert paid.payload["client_code"] == job.client.code and paid.payload["project_id"] is None


def test_a_refused_payment_records_nothing(job):
    with pytest.raises(ValidationError, match="more than is due"):
        payment_record(client=job.client, amount="50", by=None, received_on=DAY)
    assert _events("payment.received") == []
