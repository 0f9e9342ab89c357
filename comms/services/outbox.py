"""The outbox: every message is first a Communication row (queued), then sent by the worker
after the transaction that queued it commits. One message per event (`event_key`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record, record_created
from laseros.models import ActivityLog
from laseros.tasks import enqueue_on_commit

from ..models import (
    Channel,
    Communication,
    CommunicationAttachment,
    CommunicationStatus,
    MessageTemplate,
)
from ..rendering import RenderError, message_context, render_template
from ..whatsapp import PhoneNumberError, is_configured, normalise_phone

S = CommunicationStatus
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message: finance passes a quote's or an invoice's PDF this way."""

    filename: str
    content: bytes
    content_type: str = "application/pdf"


def _address(channel: str, to: str) -> str:
    """The recipient in the form the channel needs; ValidationError says what is wrong."""
    to = (to or "").strip()
    if channel == Channel.EMAIL:
        validate_email(to)
        return to
    try:
        return normalise_phone(to)
    except PhoneNumberError as exc:
        raise ValidationError({"to": str(exc)}) from exc


def _attach(communication: Communication, attachments: Iterable[Attachment]) -> None:
    for item in attachments:
        if len(item.content) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(f"{item.filename} is larger than 20 MB: it is not attached.")
        row = CommunicationAttachment(
            communication=communication,
            filename=item.filename[:255],
            content_type=item.content_type,
            size_bytes=len(item.content),
        )
        digest = hashlib.sha256(item.content).hexdigest()[:12]
        row.file.save(f"{digest}-{item.filename}"[:200], ContentFile(item.content), save=False)
        row.save()


def _existing(event_key: str | None) -> Communication | None:
    if not event_key:
        return None
    return Communication.objects.filter(event_key=event_key).first()


def _start_status(channel: str) -> str:
    if channel == Channel.WHATSAPP and not is_configured():
        return S.BY_HAND
    return S.QUEUED


@transaction.atomic
def message_queue(
    *,
    channel: str,
    to: str,
    body: str,
    by: Actor,
    subject: str = "",
    template: MessageTemplate | None = None,
    parameters: list[str] | None = None,
    client: Any = None,
    job: Any = None,
    document: Any = None,
    document_label: str = "",
    attachments: Iterable[Attachment] = (),
    event_key: str | None = None,
) -> Communication:
    """Put one message in the outbox; the worker sends it once this transaction commits.

    With an `event_key` already in the outbox, the message queued for it is returned and nothing
    new is written (one message per event). WhatsApp without the Cloud API configured waits
    'to send by hand' with its wa.me link."""
    existing = _existing(event_key)
    if existing is not None:
        return existing
    communication = Communication(
        channel=channel,
        to=_address(channel, to),
        template=template,
        subject=subject,
        body=body,
        whatsapp_parameters=list(parameters or []),
        status=_start_status(channel),
        next_attempt_at=timezone.now(),
        event_key=event_key or None,
        client=client if client is not None else getattr(job, "client", None),
        job=job,
        document_type=ContentType.objects.get_for_model(document) if document else None,
        document_id=document.pk if document else None,
        document_label=document_label or (str(document) if document else ""),
        created_by=acting_user(by),
    )
    communication.full_clean(exclude=["event_key"] if event_key else None)
    try:
        with transaction.atomic():
            communication.save()
    except IntegrityError:  # the same event queued at the same moment by another process
        found = _existing(event_key)
        if found is None:
            raise
        return found
    _attach(communication, attachments)
    record_created(communication, by=by, message=f"message queued to {communication.to}")
    if communication.status == S.QUEUED:
        enqueue_on_commit("comms.tasks.send_communication", communication.pk)
    return communication


def _template_for(key: str, channel: str | None) -> MessageTemplate | None:
    templates = MessageTemplate.objects.filter(key=key, is_active=True)
    if channel:
        templates = templates.filter(channel=channel)
    # e-mail first when the caller did not choose
    return templates.order_by("channel").first()


def _recipient(channel: str, context: Mapping[str, Any]) -> str:
    if channel == Channel.EMAIL:
        return context["contact"]["email"] or context["client"]["email"]
    return context["contact"]["phone"] or context["client"]["phone"]


@transaction.atomic
def send_template(
    *,
    key: str,
    by: Actor,
    client: Any = None,
    contact: Any = None,
    job: Any = None,
    quote: Mapping[str, Any] | None = None,
    invoice: Mapping[str, Any] | None = None,
    document: Any = None,
    attachments: Iterable[Attachment] = (),
    event_key: str | None = None,
    channel: str | None = None,
    to: str = "",
) -> Communication | None:
    """Render the active template `key` for a client or a job and queue it (see message_queue).

    `quote` and `invoice` are plain dicts of their fields (comms does not import finance):
    {"code": "QT-2026-0001", "total": "R 1,150.00", "valid_until": date}. The address is `to`,
    else the contact's (the primary contact's), else the client's. None when no active template
    has that key (the shop switched it off). A message that cannot be sent (no address, a
    template that no longer renders) is still written, failed with the reason, so it shows."""
    existing = _existing(event_key)
    if existing is not None:
        return existing
    template = _template_for(key, channel)
    if template is None:
        return None
    context = message_context(client=client, contact=contact, job=job, quote=quote, invoice=invoice)
    common: dict[str, Any] = {
        "channel": template.channel,
        "template": template,
        "client": client,
        "job": job,
        "document": document,
        "document_label": (quote or invoice or {}).get("code", ""),
        "event_key": event_key,
        "by": by,
    }
    address = to or _recipient(template.channel, context)
    try:
        rendered = render_template(template, context)
        return message_queue(
            to=address,
            subject=rendered.subject,
            body=rendered.body,
            parameters=rendered.parameters,
            attachments=attachments,
            **common,
        )
    except (RenderError, ValidationError) as exc:
        return _failed_at_once(address, _reason(exc, address), **common)


def _reason(exc: Exception, address: str) -> str:
    if isinstance(exc, ValidationError):
        text = "; ".join(exc.messages)
        return f"No address to send to: {text}" if not address else f"{address!r}: {text}"
    return f"The template does not render: {exc}"


def _failed_at_once(address: str, reason: str, *, by: Actor, **fields: Any) -> Communication:
    """The message that could not even be queued, written failed so a manager sees why."""
    document = fields.pop("document")
    communication = Communication(
        **fields,
        to=address[:254] or "—",
        body="",
        status=S.FAILED,
        last_error=reason,
        document_type=ContentType.objects.get_for_model(document) if document else None,
        document_id=document.pk if document else None,
        created_by=acting_user(by),
    )
    communication.save()
    record_created(communication, by=by, message=f"message failed: {reason}")
    return communication


@transaction.atomic
def communication_resend(*, communication: Communication, by: Actor) -> Communication:
    """A manager sends a message again: a failed one goes back in the queue with fresh attempts;
    a sent one is copied into a new message (the first stays as it was)."""
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if communication.status == S.FAILED:
        if not communication.body:
            raise ValidationError(
                f"Message {communication.pk} was never written ({communication.last_error}); "
                "fix the cause and send it from its event again."
            )
        communication.status = _start_status(communication.channel)
        communication.attempts = 0
        communication.next_attempt_at = timezone.now()
        communication.save(update_fields=["status", "attempts", "next_attempt_at"])
        record(
            action=ActivityLog.Action.TRANSITION,
            obj=communication,
            changes={"status": [S.FAILED, communication.status]},
            message=f"sent again by hand (it failed: {communication.last_error})",
            user=by,
        )
        if communication.status == S.QUEUED:
            enqueue_on_commit("comms.tasks.send_communication", communication.pk)
        return communication
    if communication.status != S.SENT:
        raise ValidationError(
            f"Message {communication.pk} is {communication.get_status_display().lower()}: "
            "only a sent or a failed message can be sent again."
        )
    return _copy(communication, by=by)


def _copy(communication: Communication, *, by: Actor) -> Communication:
    attachments = []
    for row in communication.attachments.all():
        with row.file.open("rb") as handle:
            attachments.append(Attachment(row.filename, handle.read(), row.content_type))
    return message_queue(
        channel=communication.channel,
        to=communication.to,
        subject=communication.subject,
        body=communication.body,
        template=communication.template,
        parameters=communication.whatsapp_parameters,
        client=communication.client,
        job=communication.job,
        document=communication.document,
        document_label=communication.document_label,
        attachments=attachments,
        by=by,
    )


@transaction.atomic
def communication_mark_sent(*, communication: Communication, by: Actor) -> Communication:
    """A WhatsApp message sent by hand through its wa.me link: recorded as sent."""
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if communication.status != S.BY_HAND:
        raise ValidationError(
            f"Message {communication.pk} is {communication.get_status_display().lower()}: only a "
            "message waiting to be sent by hand can be marked sent."
        )
    communication.status = S.SENT
    communication.sent_at = timezone.now()
    communication.save(update_fields=["status", "sent_at"])
    record(
        action=ActivityLog.Action.TRANSITION,
        obj=communication,
        changes={"status": [S.BY_HAND, S.SENT]},
        message="sent by hand (wa.me link)",
        user=by,
    )
    return communication
