"""What happens to files, told to the apps above ingest (comms: notifications and webhooks).

Every event is a Django signal sent exactly once, after the transaction that caused it commits
(nothing is announced that was rolled back). Receivers are called as

    receiver(sender=FileIngest, event="file.processed", payload={...}, **kwargs)

`payload` is JSON-ready (str, int, float, bool, None, lists and dicts of them) so a webhook can
send it as it is. Its keys are stable: new keys may be added, none is renamed or removed.

Every payload has:

    event          "file.ingested" | "file.processed" | "file.failed" | "file.re_extracted"
                   | "file.deleted" | "file.restored"
    occurred_at    ISO 8601 time (UTC) the change committed
    file_id        int
    client_code    "CL-0001" or None
    project_code   "JB-2025-10-CL0001-001" or None
    original_name  the name it arrived with
    stored_name    the conventional stored name (DOMAIN.md)
    part           the part name
    version        int (1 for v001)
    sha256         hex checksum of the bytes
    kind           "dxf" | "lightburn" | "pdf" | "excel" | "image"
    size_bytes     int
    status         "queued" | "processing" | "processed" | "failed"
    source         "admin" | "api" | "cli" | "email" | "operator" | "legacy_import"
    deleted        bool (soft-deleted)

and, per event:

    file_ingested      `uploaded_by` (username or None), `warnings` ([{code, message}] seen on
                       arrival, e.g. extension_mismatch), `given` ({material, thickness_mm,
                       quantity} the sender gave; {} when nothing was)
    file_processed     `extraction_id`, `parser`, `parser_version`, `metadata`: {material,
                       thickness_mm, quantity, cut_length_mm, pierce_count, part_count, area_mm2,
                       bbox_mm, warning_count, warning_codes}
    file_failed        `reason` (one sentence a person can act on), `attempts`
    file_re_extracted  `previous_extraction_id` (int or None), `requested_by` (username or None);
                       sent when a new reading is requested — the result follows as
                       file_processed or file_failed
    file_deleted       `hard` (bool: the bytes are gone), `by` (username or None)
    file_restored      `by` (username or None)

E-mail intake (ingest.mail) sends one more, with sender=MailMessage and its own payload:

    mail_job_files_measured   "mail.job_files_measured": every drawing an e-mail brought to a job
                   has been read (once per e-mail). Keys: event, occurred_at, mail_id,
                   client_code, project_id, project_code, new_job (bool: the e-mail made the
                   job), file_ids (drawings measured), failed_file_ids (drawings that could not
                   be read). Finance listens to draft the job's quote (its auto-quote).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from laseros.events import send_now

file_ingested = Signal()
file_processed = Signal()
file_failed = Signal()
file_re_extracted = Signal()
file_deleted = Signal()
file_restored = Signal()
mail_job_files_measured = Signal()

EVENTS: dict[str, Signal] = {
    "file.ingested": file_ingested,
    "file.processed": file_processed,
    "file.failed": file_failed,
    "file.re_extracted": file_re_extracted,
    "file.deleted": file_deleted,
    "file.restored": file_restored,
}


def send_on_commit(signal: Signal, event: str, payload: dict[str, Any]) -> None:
    """Send `signal` with `payload` once the current transaction commits (laseros.events), and
    record the event in the outbox now, in the caller's transaction (webhooks: laseros.outbox;
    file.re_extracted is for the apps above only)."""
    from django.utils import timezone

    from laseros.event_types import EVENT_TYPES
    from laseros.outbox import record_event

    from .models import FileIngest

    if event in EVENT_TYPES:
        record_event(type=event, payload=payload)

    def _send() -> None:
        full = {"event": event, "occurred_at": timezone.now().isoformat(), **payload}
        send_now(signal, FileIngest, label=event, event=event, payload=full)

    transaction.on_commit(_send)


def send_mail_event_on_commit(signal: Signal, event: str, payload: dict[str, Any]) -> None:
    """Send an e-mail intake event (sender MailMessage) once the transaction commits."""
    from django.utils import timezone

    from .models import MailMessage

    def _send() -> None:
        full = {"event": event, "occurred_at": timezone.now().isoformat(), **payload}
        send_now(signal, MailMessage, label=event, event=event, payload=full)

    transaction.on_commit(_send)
