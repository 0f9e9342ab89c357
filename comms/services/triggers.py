"""The events that send a message, each at most once (its event key names the event)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from projects.models import Project, ProjectStatus

from ..models import ClientMessagePreference, Communication
from .outbox import Attachment, send_template


def preferred_channel(client: Any) -> str | None:
    preference = ClientMessagePreference.objects.filter(client=client).first()
    return preference.channel if preference else None


def _send(
    key: str, *, job: Any = None, client: Any = None, event_key: str, by: Any = None, **extra: Any
) -> Communication | None:
    """send_template on the client's (the job's client's) preferred channel, falling back to
    e-mail when the template has no version on it."""
    client = client if client is not None else job.client
    channel = preferred_channel(client)
    common = {"key": key, "job": job, "client": client, "event_key": event_key, "by": by}
    sent = send_template(channel=channel, **common, **extra)
    if sent is None and channel is not None:
        sent = send_template(**common, **extra)
    return sent


def _pdf(label: str, pdf: bytes | None) -> list[Attachment]:
    return [Attachment(f"{label}.pdf", pdf)] if pdf is not None else []


def job_moved(*, job: Any, to_status: str, change_id: int | None) -> Communication | None:
    """The message a job's move sends, if any (see comms.receivers)."""
    from ..receivers import EVENT_TEMPLATES, STATUS_UPDATE_ON

    event = f"{job.code}:{to_status}:{change_id or job.status_changed_at}"
    key = EVENT_TEMPLATES.get(to_status)
    if key:
        return _send(key, job=job, event_key=f"{key}:{event}")
    if (
        to_status in STATUS_UPDATE_ON
        and ClientMessagePreference.objects.filter(
            client_id=job.client_id, status_updates=True
        ).exists()
    ):
        return _send("status_update", job=job, event_key=f"status_update:{event}")
    return None


def client_welcome(*, client: Any, by: Any = None) -> Communication | None:
    """A client new to the shop: the Welcome message, once per client (its code)."""
    return _send("welcome", client=client, event_key=f"welcome:{client.code}", by=by)


def job_delivered(*, job: Any, change_id: int | None, by: Any = None) -> Communication | None:
    """A job that leaves the shop by delivery moved to Completed: the Delivery Notification,
    once per move. Finance calls it, since it knows how the job leaves (the accepted quote's
    delivery option); a job its client collects is not sent one."""
    event = f"{job.code}:{change_id or job.status_changed_at}"
    return _send(
        "delivery_notification", job=job, event_key=f"delivery_notification:{event}", by=by
    )


def quote_sent(
    *,
    job: Any,
    quote: Mapping[str, Any],
    document: Any = None,
    pdf: bytes | None = None,
    by: Any = None,
) -> Communication | None:
    """Finance sent a quote: Quote Sent with its PDF, once per quote (its code).
    `quote` is {"code", "total", "valid_until"}."""
    return _send(
        "quote_sent",
        job=job,
        quote=quote,
        document=document,
        attachments=_pdf(quote["code"], pdf),
        event_key=f"quote_sent:{quote['code']}",
        by=by,
    )


def invoice_issued(
    *,
    job: Any,
    invoice: Mapping[str, Any],
    document: Any = None,
    pdf: bytes | None = None,
    by: Any = None,
) -> Communication | None:
    """Finance issued an invoice: Invoice Sent with its PDF, once per invoice (its number).
    `invoice` is {"code", "total", "balance", "due_date"}."""
    return _send(
        "invoice_sent",
        job=job,
        invoice=invoice,
        document=document,
        attachments=_pdf(invoice["code"], pdf),
        event_key=f"invoice_sent:{invoice['code']}",
        by=by,
    )


def payment_reminder(
    *, job: Any, invoice: Mapping[str, Any], today: dt.date | None = None, document: Any = None
) -> Communication | None:
    """An unpaid invoice on one of the days of COMMS_PAYMENT_REMINDER_DAYS after its due date:
    a Payment Reminder, once per invoice and day; on other days nothing is sent."""
    today = today or timezone.localdate()
    due = invoice.get("due_date")
    if not isinstance(due, dt.date):
        return None
    late = (today - due).days
    if late not in settings.COMMS_PAYMENT_REMINDER_DAYS:
        return None
    return _send(
        "payment_reminder",
        job=job,
        invoice=invoice,
        document=document,
        event_key=f"payment_reminder:{invoice['code']}:{late}",
    )


def quote_reminders(*, today: dt.date | None = None) -> list[Communication]:
    """Daily: the jobs in Quoting whose quote's reminder day has come (and that have not yet
    expired) are reminded once per quote date."""
    today = today or timezone.localdate()
    jobs = (
        Project.objects.filter(
            status=ProjectStatus.QUOTING,
            quote_reminder_on__lte=today,
            quote_expires_on__gte=today,
        )
        .select_related("client", "material")
        .prefetch_related("client__contacts")
    )
    sent = []
    for job in jobs:
        message = _send(
            "quote_reminder", job=job, event_key=f"quote_reminder:{job.code}:{job.quote_expires_on}"
        )
        if message is not None:
            sent.append(message)
    return sent
