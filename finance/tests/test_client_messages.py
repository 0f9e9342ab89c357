"""Finance tells the client through comms: a quote sent and an invoice issued each e-mail the
client once, with the PDF attached (the worker draws it after the commit)."""

from __future__ import annotations

import pytest

from comms.models import Communication, CommunicationStatus
from finance import services
from finance.services.invoices import invoice_create, invoice_issue
from projects.models import ProjectStatus
from projects.services import project_transition
from projects.tests.factories import design_document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def quote(job):
    job.client.email = "buyer@client.example"
    job.client.save()
    design_document(job)
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Plate", unit_price="100", quantity=3)
    return quote


def test_a_quote_sent_e_mails_the_client_once_with_its_pdf(
    quote, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_send(quote=quote, by=None)
    quote.refresh_from_db()
    message = Communication.objects.get(event_key=f"quote_sent:{quote.label}")
    assert message.status == CommunicationStatus.SENT, message.last_error
    assert message.document == quote and message.job == quote.project
    assert "Total Amount: R 345.00" in message.body
    [mail] = mailoutbox
    assert mail.to == ["buyer@client.example"]
    [(filename, content, mimetype)] = mail.attachments
    assert filename == f"{quote.label}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")

    from finance.tasks import email_quote

    email_quote(quote.pk)  # the task run again (a retry of the worker): still one message
    assert Communication.objects.count() == 1 and len(mailoutbox) == 1


def test_an_invoice_issued_e_mails_the_client_its_stored_pdf(
    job, mailoutbox, django_capture_on_commit_callbacks
):
    job.client.email = "accounts@client.example"
    job.client.save()
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": "10"}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=draft, by=None)
    invoice.refresh_from_db()
    message = Communication.objects.get(event_key=f"invoice_sent:{invoice.number}")
    assert message.status == CommunicationStatus.SENT, message.last_error
    [mail] = mailoutbox
    assert mail.subject.startswith(f"Invoice {invoice.number} from ")
    [(filename, content, _mimetype)] = mail.attachments
    with invoice.pdf.open("rb") as stored:
        assert content == stored.read()  # the PDF as issued, not one drawn again


def test_overdue_invoices_are_reminded_on_the_days_the_settings_say(job, settings):
    import datetime as dt

    from finance.services.invoices import payment_reminders

    settings.COMMS_PAYMENT_REMINDER_DAYS = [1, 7]
    job.client.email = "accounts@client.example"
    job.client.payment_terms = "net7"
    job.client.save()
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": "10"}]
    )
    invoice = invoice_issue(invoice=draft, by=None, today=dt.date(2026, 11, 2))
    due = invoice.due_on
    days = {n: payment_reminders(today=due + dt.timedelta(days=n)) for n in range(10)}
    assert [n for n, sent in days.items() if sent] == [1, 7]
    keys = sorted(Communication.objects.values_list("event_key", flat=True))
    assert keys == [f"payment_reminder:{invoice.number}:1", f"payment_reminder:{invoice.number}:7"]
    assert "Balance Due: R 11.50" in Communication.objects.first().body


def _completed(job, change_id: int) -> None:
    from types import SimpleNamespace

    from projects.models import Project
    from projects.signals import project_status_changed

    project_status_changed.send(
        sender=Project,
        project=job,
        from_status=ProjectStatus.READY,
        to_status=ProjectStatus.COMPLETED,
        by=None,
        reason="",
        overridden_gates=[],
        change=SimpleNamespace(pk=change_id),
    )


def _accepted_quote(job, delivery: str):
    job.client.email = "buyer@client.example"
    job.client.save()
    design_document(job)
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = services.quote_create(project=job, by=None, delivery=delivery)
    services.quote_line_add(quote=quote, by=None, description="Plate", unit_price="100", quantity=3)
    services.quote_send(quote=quote, by=None)
    return services.quote_accept(quote=quote, by=None)


def test_a_job_delivered_gets_the_delivery_notification_once(job):
    from finance.models import DeliveryOption

    DeliveryOption.objects.create(code="courier", name="Courier (Durban)", price="350")
    _accepted_quote(job, "courier")
    _completed(job, change_id=41)
    _completed(job, change_id=41)  # the same move heard twice
    [message] = Communication.objects.filter(template__key="delivery_notification")
    assert message.event_key == f"delivery_notification:{job.code}:41"
    assert message.to == "buyer@client.example" and message.job == job


@pytest.mark.parametrize("delivery", ["collect", ""])
def test_a_job_the_client_collects_gets_no_delivery_notification(job, delivery):
    _accepted_quote(job, delivery)
    _completed(job, change_id=42)
    assert not Communication.objects.filter(template__key="delivery_notification").exists()
