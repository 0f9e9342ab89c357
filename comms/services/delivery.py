"""Sending what the outbox holds: one attempt at a time, claimed so two workers never send the
same message, retried with backoff, and left failed with the reason after the last attempt."""

from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.db.models import F, Q
from django.utils import timezone

from ..models import Channel, Communication, CommunicationStatus
from ..whatsapp import TemplateMessage, WhatsAppError, send_template

S = CommunicationStatus
# A message claimed for sending longer ago than this is taken to be lost with its worker.
STALE_SENDING = dt.timedelta(minutes=15)


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer): trying again will not help."""


@dataclass(frozen=True)
class Outcome:
    sent: bool
    detail: str


def _claim(pk: int) -> Communication | None:
    """Take a queued message that is due for this attempt (None: not due, or another worker has
    it, or it went already)."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Communication.objects.filter(due, pk=pk, status=S.QUEUED).update(
        status=S.SENDING, attempts=F("attempts") + 1, next_attempt_at=now
    )
    return Communication.objects.get(pk=pk) if claimed else None


def _email(communication: Communication) -> str:
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> "))
    message = EmailMessage(
        subject=communication.subject,
        body=communication.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[communication.to],
        headers={"Message-ID": message_id, "X-LaserOS-Message": str(communication.pk)},
        connection=get_connection(fail_silently=False),
    )
    for row in communication.attachments.all():
        with row.file.open("rb") as handle:
            message.attach(row.filename, handle.read(), row.content_type)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text_ in exc.recipients.values()]
        answers = "; ".join(
            f"{to}: {code} {_text(text)}" for to, (code, text) in exc.recipients.items()
        )
        reason = f"The mail server refused the address: {answers}"
        if all(code >= 500 for code in codes):
            raise PermanentFailure(reason) from exc
        raise ConnectionError(reason) from exc
    except smtplib.SMTPResponseException as exc:
        reason = f"The mail server answered {exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            raise PermanentFailure(reason) from exc
        raise ConnectionError(reason) from exc
    return message_id


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _whatsapp(communication: Communication) -> str:
    template = communication.template
    if template is None or not template.whatsapp_name:
        raise PermanentFailure(
            "WhatsApp sends approved templates only: this message's template has no WhatsApp "
            "template name (set it on the template, or send it by hand)."
        )
    message = TemplateMessage(
        to=communication.to,
        name=template.whatsapp_name,
        language=template.whatsapp_language,
        parameters=list(communication.whatsapp_parameters or []),
    )
    try:
        return send_template(message)
    except WhatsAppError as exc:
        text = str(exc)
        if " answered 4" in text and " answered 429" not in text:
            raise PermanentFailure(text) from exc
        raise


def _attempt(communication: Communication) -> str:
    if communication.channel == Channel.EMAIL:
        return _email(communication)
    return _whatsapp(communication)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=settings.COMMS_RETRY_MINUTES * 4 ** max(attempts - 1, 0))


def _record_failure(communication: Communication, reason: str, *, permanent: bool) -> Outcome:
    last = permanent or communication.attempts >= settings.COMMS_MAX_ATTEMPTS
    communication.last_error = reason[:2000]
    if last:
        communication.status = S.FAILED
        communication.next_attempt_at = None
    else:
        communication.status = S.QUEUED
        communication.next_attempt_at = timezone.now() + _backoff(communication.attempts)
    communication.save(update_fields=["status", "last_error", "next_attempt_at"])
    when = "failed" if last else f"will try again at {communication.next_attempt_at:%H:%M}"
    return Outcome(False, f"message {communication.pk}: {reason} ({when})")


def communication_deliver(*, communication_id: int) -> Outcome:
    """One attempt at sending a queued message (the worker's task). The network call runs
    outside any transaction; the row records the answer: sent, queued again with the next
    attempt's time, or failed with the reason."""
    communication = _claim(communication_id)
    if communication is None:
        return Outcome(False, f"message {communication_id}: not due, or not queued")
    try:
        provider_id = _attempt(communication)
    except PermanentFailure as exc:
        return _record_failure(communication, str(exc), permanent=True)
    except (OSError, WhatsAppError, smtplib.SMTPException) as exc:
        reason = str(exc) or type(exc).__name__
        return _record_failure(communication, reason, permanent=False)
    communication.status = S.SENT
    communication.sent_at = timezone.now()
    communication.provider_id = provider_id[:200]
    communication.last_error = ""
    communication.save(update_fields=["status", "sent_at", "provider_id", "last_error"])
    return Outcome(True, f"message {communication.pk}: sent to {communication.to}")


def send_due() -> list[Outcome]:
    """Every minute: the queued messages whose next attempt is due, and the ones a dead worker
    left 'sending' (put back in the queue first)."""
    now = timezone.now()
    Communication.objects.filter(status=S.SENDING, next_attempt_at__lt=now - STALE_SENDING).update(
        status=S.QUEUED, last_error="The worker stopped while sending it; tried again."
    )
    due = Communication.objects.filter(status=S.QUEUED, next_attempt_at__lte=now)
    return [communication_deliver(communication_id=pk) for pk in due.values_list("pk", flat=True)]
