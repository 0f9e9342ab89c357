"""The demo shop's e-mail intake, for a look at the admin's e-mails: a client's reply that joined
its job, and a request from an unknown sender waiting for a manager to match it to a client.

Read through ingest's own `receive_message`, as the mailbox task reads them; an e-mail already
read (its Message-ID) is not read again, so running seed_demo again adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from clients.models import Contact
from ingest.mail.services import receive_message
from projects.models import Project

Log = Callable[[str], None]
MAILBOX = "demo"


def _email(*, message_id: str, sender: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "jobs@laseros.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}@demo.laseros.example>"
    message["Date"] = format_datetime(timezone.now())
    message.set_content(body)
    return message.as_bytes()


def seed_mail(size: int, rng: random.Random, log: Log) -> None:
    if size == 0:
        return
    job = Project.objects.filter(client__isnull=False).order_by("pk").first()
    contact = (
        Contact.objects.filter(client=job.client).exclude(email="").order_by("pk").first()
        if job is not None
        else None
    )
    messages = []
    if job is not None and contact is not None:
        messages.append(
            _email(
                message_id=f"reply-{job.code}",
                sender=f"{contact.name} <{contact.email}>",
                subject=f"Re: {job.code} {job.name}",
                body="Morning, please confirm the holes stay at 8 mm. Thanks.",
            )
        )
    messages.append(
        _email(
            message_id="unknown-sender-1",
            sender="Sipho Dlamini <sipho@newfab.example>",
            subject="Quote please: 20 brackets in 3 mm mild steel",
            body="Hi, can you quote 20 brackets? Drawing to follow. Regards, Sipho",
        )
    )
    read = 0
    for raw in messages:
        outcome = receive_message(raw=raw, mailbox=MAILBOX)
        read += int(outcome.stored)
    log(f"{read} e-mails read ({len(messages) - read} read before)")
