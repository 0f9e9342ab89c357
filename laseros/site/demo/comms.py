"""The demo shop's messages: the templates (shipped by comms' migrations), an outbox with sent
messages, a failed one with its reason and a WhatsApp waiting to be sent by hand, calls noted by
hand, and a client who asked for status updates.

The rows are written as the outbox would have left them (the demo does not send mail): each
keyed by a demo event, so running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from comms.models import (
    Channel,
    ClientMessagePreference,
    Communication,
    CommunicationStatus,
    ConversationNote,
    MessageTemplate,
    NoteKind,
)
from comms.rendering import RenderError, message_context, render_template
from comms.whatsapp import PhoneNumberError, normalise_phone
from projects.models import Project, ProjectStatus

S = CommunicationStatus
Log = Callable[[str], None]

# (template key, channel, status, last error): what the outbox shows, one per job in turn
OUTBOX = [
    ("collection_ready", Channel.EMAIL, S.SENT, ""),
    ("order_confirmed", Channel.EMAIL, S.SENT, ""),
    ("status_update", Channel.EMAIL, S.SENT, ""),
    (
        "collection_ready",
        Channel.EMAIL,
        S.FAILED,
        "The mail server refused the address: 550 5.1.1 Mailbox unavailable",
    ),
    ("collection_ready", Channel.WHATSAPP, S.BY_HAND, ""),
    ("welcome", Channel.EMAIL, S.FAILED, "[Errno 111] Connection refused (tried 5 times)"),
]
NOTES = [
    (NoteKind.CALL_IN, "Asked whether the brackets can be collected on Friday before 12:00."),
    (NoteKind.CALL_OUT, "Told them the 6 mm plate is in; cutting starts tomorrow."),
    (NoteKind.WHATSAPP, "Sent a photo of the first-off part; approved by WhatsApp."),
]


def _address(channel: str, job: Project) -> str:
    if channel == Channel.EMAIL:
        return job.client.email or f"{job.client.compact_code.lower()}@client.example"
    try:
        return normalise_phone(job.client.phone)
    except PhoneNumberError:
        return "+27821234567"


def _message(job: Project, index: int, now: dt.datetime) -> Communication | None:
    key, channel, status, error = OUTBOX[index % len(OUTBOX)]
    template = MessageTemplate.objects.filter(key=key, channel=channel).first()
    if template is None:
        return None
    try:
        rendered = render_template(template, message_context(job=job))
    except RenderError:
        return None
    when = now - dt.timedelta(hours=3 * (index + 1))
    failed_or_sent = status in (S.SENT, S.FAILED)
    return Communication(
        channel=channel,
        to=_address(channel, job),
        template=template,
        subject=rendered.subject,
        body=rendered.body,
        whatsapp_parameters=rendered.parameters,
        status=status,
        attempts=(5 if status == S.FAILED else 1) if failed_or_sent else 0,
        last_error=error,
        sent_at=when if status == S.SENT else None,
        provider_id=f"<demo-{index}@laseros.example>" if status == S.SENT else "",
        event_key=f"demo:{key}:{channel}:{job.code}",
        client=job.client,
        job=job,
    )


def _jobs(size: int) -> list[Project]:
    return list(
        Project.objects.select_related("client", "material")
        .prefetch_related("client__contacts")
        .order_by("pk")[: max(len(OUTBOX), size // 2)]
    )


@transaction.atomic
def seed_comms(size: int, rng: random.Random, log: Log) -> None:
    rng = random.Random(rng.random())
    jobs = _jobs(size)
    if not jobs or Communication.objects.filter(event_key__startswith="demo:").exists():
        log("comms: the outbox has its demo messages already")
        return
    now = timezone.now()
    messages = [m for i, job in enumerate(jobs) if (m := _message(job, i, now))]
    Communication.objects.bulk_create(messages)
    notes = [
        ConversationNote(
            client=job.client,
            job=job,
            kind=kind,
            summary=summary,
            happened_at=now - dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 8)),
        )
        for job, (kind, summary) in zip(jobs, NOTES, strict=False)
    ]
    ConversationNote.objects.bulk_create(notes)
    opted = next((j.client for j in jobs if j.status != ProjectStatus.COMPLETED), jobs[0].client)
    ClientMessagePreference.objects.get_or_create(client=opted, defaults={"status_updates": True})
    log(
        f"comms: {MessageTemplate.objects.count()} templates, {len(messages)} messages in the "
        f"outbox ({sum(m.status == S.FAILED for m in messages)} failed), {len(notes)} notes"
    )
