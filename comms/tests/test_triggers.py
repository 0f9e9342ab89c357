"""What sends a message: a new client (clients' signal), a job's moves (projects' signal), a job
delivered, a quote sent, an invoice issued, payment reminders on the set days and the
quote-expiry reminder, each once per event."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from clients.services import client_create
from comms.models import Channel, ClientMessagePreference, Communication
from comms.services import (
    client_welcome,
    invoice_issued,
    job_delivered,
    payment_reminder,
    quote_reminders,
    quote_sent,
)
from projects.models import Project, ProjectStatus
from projects.signals import project_status_changed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _moved(job, to: str, change_id: int = 1) -> None:
    job.status = to
    project_status_changed.send(
        sender=Project,
        project=job,
        from_status="qc",
        to_status=to,
        by=None,
        reason="",
        overridden_gates=[],
        change=SimpleNamespace(pk=change_id),
    )


def _keys() -> list[str]:
    return sorted(Communication.objects.values_list("event_key", flat=True))


def test_a_job_ready_tells_the_client_once(job, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _moved(job, ProjectStatus.READY)
        _moved(job, ProjectStatus.READY)  # the same move heard twice
    assert _keys() == [f"collection_ready:{job.code}:ready:1"]
    [mail] = mailoutbox
    assert mail.subject == f"Your order {job.code} is ready for collection"
    assert mail.to == ["thandi@acme.example"]


def test_ready_again_after_rework_is_a_new_event(job):
    _moved(job, ProjectStatus.READY, change_id=1)
    _moved(job, ProjectStatus.READY, change_id=7)
    assert len(_keys()) == 2


def test_proof_of_payment_confirms_the_order(job):
    _moved(job, ProjectStatus.PAID)
    assert _keys() == [f"order_confirmed:{job.code}:paid:1"]


def test_status_updates_go_only_to_clients_who_asked(job):
    _moved(job, ProjectStatus.CUTTING, change_id=1)
    assert _keys() == []
    ClientMessagePreference.objects.create(client=job.client, status_updates=True)
    _moved(job, ProjectStatus.CUTTING, change_id=2)
    [message] = Communication.objects.all()
    assert message.event_key == f"status_update:{job.code}:cutting:2"
    assert "Current Status: Cutting" in message.body


def test_a_client_on_whatsapp_hears_on_whatsapp(job, settings):
    settings.WHATSAPP_TOKEN = ""  # not configured: a wa.me link waits in the outbox
    ClientMessagePreference.objects.create(client=job.client, channel=Channel.WHATSAPP)
    _moved(job, ProjectStatus.READY)
    _moved(job, ProjectStatus.PAID)  # Order Confirmed has no WhatsApp template: by e-mail
    channels = dict(Communication.objects.values_list("template__key", "channel"))
    assert channels == {"collection_ready": "whatsapp", "order_confirmed": "email"}


def test_a_new_client_is_welcomed_once(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client = client_create(name="Bafana Steel", email="orders@bafana.example", by=None)
    [message] = Communication.objects.all()
    assert message.event_key == f"welcome:{client.code}" and message.client == client
    assert message.template.key == "welcome" and message.job is None
    assert f"Your client code is: {client.code}" in message.body
    assert client_welcome(client=client).pk == message.pk  # heard again: the same message
    [mail] = mailoutbox
    assert mail.to == ["orders@bafana.example"] and mail.subject.startswith("Welcome to ")


def test_a_client_rolled_back_is_not_welcomed(django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        client_create(name="Never Made", email="x@never.example", by=None)
        raise RuntimeError("the form failed after the client was saved")
    assert Communication.objects.count() == 0


def test_imported_clients_are_not_welcomed(django_capture_on_commit_callbacks):
    """The shop's existing clients, brought in from its records, know the shop already."""
    with django_capture_on_commit_callbacks(execute=True):
        client_create(name="Old Friend", code="CL0042", email="a@old.example", by=None)
        client_create(name="Old Too", email="b@old.example", imported=True, by=None)
    assert Communication.objects.count() == 0


def test_the_welcome_goes_on_the_clients_channel(client_rec, settings):
    settings.WHATSAPP_TOKEN = ""
    ClientMessagePreference.objects.create(client=client_rec, channel=Channel.WHATSAPP)
    message = client_welcome(client=client_rec)  # no WhatsApp Welcome ships: by e-mail
    assert message.channel == Channel.EMAIL and message.to == "thandi@acme.example"


def test_a_job_delivered_is_notified_once_per_move(job, settings):
    first = job_delivered(job=job, change_id=3)
    assert job_delivered(job=job, change_id=3).pk == first.pk
    assert first.event_key == f"delivery_notification:{job.code}:3"
    assert first.subject == f"Delivery Notification - {job.code}"
    assert "is scheduled for delivery" in first.body and first.job == job
    job_delivered(job=job, change_id=9)  # completed again after a reopen: a new event
    assert Communication.objects.count() == 2


PDF = b"%PDF-1.4 quote\n%%EOF"


def test_a_quote_sent_goes_once_with_its_pdf(job):
    quote = {"code": "QT-2026-0009", "total": "R 980.00", "valid_until": dt.date(2027, 1, 4)}
    first = quote_sent(job=job, quote=quote, pdf=PDF)
    again = quote_sent(job=job, quote=quote, pdf=PDF)
    assert first.pk == again.pk
    assert first.document_label == "QT-2026-0009"
    assert first.attachments.get().filename == "QT-2026-0009.pdf"
    assert "Total Amount: R 980.00" in first.body


def test_an_invoice_issued_goes_once_with_its_pdf(job):
    invoice = {"code": "INV-2026-0003", "total": "R 1,150.00", "due_date": dt.date(2026, 12, 12)}
    first = invoice_issued(job=job, invoice=invoice, pdf=PDF)
    assert invoice_issued(job=job, invoice=invoice, pdf=PDF).pk == first.pk
    assert first.subject.startswith("Invoice INV-2026-0003 from ")
    assert "Due Date: 12 December 2026" in first.body


def test_payment_reminders_follow_the_cadence_in_the_settings(job, settings):
    settings.COMMS_PAYMENT_REMINDER_DAYS = [1, 7]
    invoice = {"code": "INV-2026-0004", "total": "R 500.00", "due_date": dt.date(2026, 12, 1)}
    sent = {
        day: payment_reminder(job=job, invoice=invoice, today=dt.date(2026, 12, day))
        for day in range(1, 12)
    }
    assert [day for day, message in sent.items() if message] == [2, 8]
    assert payment_reminder(job=job, invoice=invoice, today=dt.date(2026, 12, 2)).pk == sent[2].pk
    assert Communication.objects.count() == 2


def test_the_quote_expiry_reminder_goes_once_on_its_day(job):
    expires = dt.date(2026, 12, 18)
    Project.objects.filter(pk=job.pk).update(
        status=ProjectStatus.QUOTING,
        quote_reminder_on=dt.date(2026, 12, 11),
        quote_expires_on=expires,
    )
    assert quote_reminders(today=dt.date(2026, 12, 10)) == []
    [message] = quote_reminders(today=dt.date(2026, 12, 11))
    assert quote_reminders(today=dt.date(2026, 12, 14)) == [message]  # the same, not a second
    assert Communication.objects.count() == 1
    assert "valid until 18 December 2026" in message.body
    assert quote_reminders(today=dt.date(2026, 12, 19)) == []  # expired: no reminder
