"""Writes of e-mail intake: a message stored once, then filed with its client's job (a new job in
Request, or the job a reply names), its attachments through `ingest.services.ingest()`.

The order keeps every message: the raw bytes and the row are written first (only then does the
mailbox mark the message seen), and filing is done in steps that may be run again: a job made
by the message is remembered on it before any attachment is stored, and an attachment stored
before a failure comes back as the same file. A message that fails is kept with its reason and
tried again by the mail task; one from an unknown sender waits for a manager.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clients.models import Client
from laseros.actors import Actor
from laseros.audit import diff_instances, instance_values, record_created
from laseros.moves import check_move, record_move
from laseros.redaction import without_server_paths
from projects.models import Project
from projects.services import project_create

from .. import signals
from ..models import (
    MAIL_TRANSITIONS,
    FileKind,
    FileSource,
    FileStatus,
    MailAttachment,
    MailAttachmentOutcome,
    MailMessage,
    MailStatus,
)
from ..services import clean_original_name, ingest
from ..services.common import _remove_stored
from .mailbox import Mailbox, MailboxError, MailItem
from .matching import client_for_address, job_for_subject, job_name
from .reading import Attachment, ReadMessage, UnreadableMessage, message_key, read_message

logger = logging.getLogger(__name__)

DRAWING_KINDS = (FileKind.DXF, FileKind.LIGHTBURN)
MEASURED_LOOKBACK_DAYS = 30  # filed messages whose drawings are still checked by the mail task


@dataclass(frozen=True)
class MailOutcome:
    """What was done with one message from a mailbox: `stored` is False for a message read
    before (or one that could not be stored, with `message` None)."""

    message: MailMessage | None
    stored: bool
    text: str


# --- reading a mailbox ---------------------------------------------------------------------------


def read_mailbox(*, mailbox: Mailbox) -> list[tuple[str, MailOutcome]]:
    """Every unread message of `mailbox` stored and filed; each is marked done in the mailbox
    only once it is stored (a message read before is marked done too). Returns (reference,
    outcome) per message; a message that could not be stored stays unread for the next run."""
    results: list[tuple[str, MailOutcome]] = []
    try:
        for item in mailbox.unread():
            outcome = _take(item, mailbox.label)
            results.append((item.reference, outcome))
            if outcome.message is not None:
                try:
                    mailbox.done(item)
                except Exception:  # read again next time, and recognised by its Message-ID
                    logger.warning("could not mark %s done in %s", item.reference, mailbox.label)
    finally:
        mailbox.close()
    return results


def _take(item: MailItem, label: str) -> MailOutcome:
    if item.refusal:
        logger.warning("message %s in %s not read: %s", item.reference, label, item.refusal)
        return MailOutcome(None, False, f"not read: {item.refusal}")
    try:
        return receive_message(raw=item.raw, mailbox=label, reference=item.reference)
    except Exception as exc:  # storage down, database gone: the message stays in the mailbox
        logger.exception("could not store message %s from %s", item.reference, label)
        return MailOutcome(None, False, f"not stored, left in the mailbox: {_reason(exc)}")


def receive_message(*, raw: bytes, mailbox: str, reference: str = "") -> MailOutcome:
    """Store one e-mail (once: a Message-ID seen before is not stored again) and file it."""
    if not raw:
        raise ValidationError("The message is empty: there is nothing to read.")
    try:
        read: ReadMessage | None = read_message(raw)
        unreadable = ""
    except UnreadableMessage as exc:
        read, unreadable = None, str(exc)
    except Exception as exc:  # a message the e-mail package cannot take apart is kept too
        logger.warning("could not read message %s from %s", reference, mailbox, exc_info=True)
        read, unreadable = None, f"the message could not be read ({type(exc).__name__})"
    key = read.key if read else message_key("", raw)
    existing = MailMessage.objects.filter(message_key=key).first()
    if existing is not None:
        return MailOutcome(existing, False, _already(existing))
    message = _store(raw, read, key=key, mailbox=mailbox, reference=reference)
    if message is None:  # stored at the same moment by another worker
        existing = MailMessage.objects.get(message_key=key)
        return MailOutcome(existing, False, _already(existing))
    if read is None:
        _wait(message, None, reason=unreadable)
    else:
        process_message(message=message, read=read)
    message.refresh_from_db()
    return MailOutcome(message, True, summary(message))


def _already(message: MailMessage) -> str:
    return (
        f"already read on {timezone.localtime(message.received_at):%Y-%m-%d %H:%M} "
        f"(e-mail #{message.pk}, {message.get_status_display().lower()}): not read again"
    )


def _store(
    raw: bytes, read: ReadMessage | None, *, key: str, mailbox: str, reference: str
) -> MailMessage | None:
    """The raw bytes, then the row, all or nothing (None: the same message was stored first)."""
    now = timezone.now()
    written: str | None = None
    try:
        with transaction.atomic():
            written = default_storage.save(
                f"mail/{now:%Y/%m}/{key[:24]}.eml", ContentFile(raw, name=f"{key[:24]}.eml")
            )
            message = MailMessage(
                message_key=key,
                message_id=read.message_id if read else "",
                mailbox=mailbox[:300],
                reference=clean_original_name(reference)[:1000],
                size_bytes=len(raw),
                from_address=read.from_address[:320] if read else "",
                from_name=read.from_name if read else "",
                subject=read.subject if read else "",
                body_text=read.body_text if read else "",
                sent_at=read.sent_at if read else None,
                received_at=now,
                status=MailStatus.RECEIVED,
            )
            message.raw.name = written
            message.full_clean(exclude=["message_key"])
            message.save()
            record_created(message, by=None, message=f"read from {mailbox}"[:500])
    except IntegrityError:
        _remove_stored(written)
        if MailMessage.objects.filter(message_key=key).exists():
            return None
        raise
    except BaseException:
        _remove_stored(written)
        raise
    return message


# --- filing ------------------------------------------------------------------------------------


def process_message(
    *,
    message: MailMessage,
    read: ReadMessage | None = None,
    client: Client | None = None,
    by: Actor = None,
) -> MailMessage:
    """File a stored message: its sender's client (or `client`, a manager's choice), its job,
    its attachments. An unknown sender leaves it waiting for a manager; an error leaves it
    failed with the reason, to be tried again. Never raises for the message's own content."""
    claimed = MailMessage.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:  # filed, or being filed, by someone else since it was loaded
        message.refresh_from_db()
        return message
    message.attempts += 1
    try:
        read = read or read_message(_raw_bytes(message))
        if client is None:
            match = client_for_address(read.from_address)
            if match.client is None:
                _wait(message, read, reason=match.reason, by=by)
                return message
            client = match.client
        _file(message, read, client, by=by)
    except Exception as exc:
        logger.warning("filing e-mail #%s failed", message.pk, exc_info=True)
        _failed(message, exc, by=by)
        return message
    check_measured(message=message)
    return message


def _raw_bytes(message: MailMessage) -> bytes:
    with default_storage.open(message.raw.name, "rb") as handle:
        return handle.read()


def _file(message: MailMessage, read: ReadMessage, client: Client, *, by: Actor) -> None:
    """The job first (remembered on the message at once), then each attachment, then FILED."""
    project, note = _job(message, read, client, by=by)
    lines = [note] if note else []
    for attachment in read.attachments:
        row = _keep_attachment(message, attachment, project=project, by=by)
        lines.append(_attachment_line(row))
    if not read.attachments:
        lines.append("no attachments")
    outcome = "\n".join(lines)
    with transaction.atomic():
        current = MailMessage.objects.select_for_update().get(pk=message.pk)
        mail_transition(
            current,
            MailStatus.FILED,
            by=by,
            reason=f"filed with {project.code}",
            client=client,
            outcome=outcome,
            failure_reason="",
            traceback="",
        )
    _copy(current, message)


def _attachment_line(row: MailAttachment) -> str:
    if row.outcome == MailAttachmentOutcome.INGESTED:
        return f"{row.name}: {row.detail}"
    return f"{row.name}: {row.get_outcome_display().lower()} ({row.detail.rstrip('.')})"


def _job(
    message: MailMessage, read: ReadMessage, client: Client, *, by: Actor
) -> tuple[Project, str]:
    """The job the message joins or made (kept from an earlier try), else the one its subject
    names, else a new job in Request; and a note on how it was found."""
    if message.project_id is not None:
        project = Project.objects.get(pk=message.project_id)
        if project.client_id == client.pk:
            made = "made" if message.created_job else "joined"
            return project, f"{made} {project.code}"
    found = job_for_subject(read.subject, client)
    if found.project is not None:
        _remember_job(message, found.project, created=False)
        return found.project, f"a reply: joined {found.project.code}"
    with transaction.atomic():
        project = project_create(
            client=client,
            name=job_name(read.subject, read.from_address),
            by=by,
            description=read.body_text[:4000],
            notes=_job_notes(read),
        )
        _remember_job(message, project, created=True)
    note = f"a new request: made {project.code} in Request"
    if found.note:
        note += f" ({found.note})"
    return project, note


def _job_notes(read: ReadMessage) -> str:
    when = f" on {timezone.localtime(read.sent_at):%Y-%m-%d %H:%M}" if read.sent_at else ""
    who = f"{read.from_name} <{read.from_address}>" if read.from_name else read.from_address
    return f"Requested by e-mail from {who}{when}: {read.subject or '(no subject)'}"


def _remember_job(message: MailMessage, project: Project, *, created: bool) -> None:
    MailMessage.objects.filter(pk=message.pk).update(
        project=project, client=project.client, created_job=created
    )
    message.project, message.client, message.created_job = project, project.client, created


def _keep_attachment(
    message: MailMessage, attachment: Attachment, *, project: Project | None, by: Actor
) -> MailAttachment:
    """One attachment stored through ingest (or skipped, refused, or left waiting), and its row."""
    earlier = MailAttachment.objects.filter(message=message, position=attachment.position).first()
    file = None
    if attachment.skip:
        outcome, detail = MailAttachmentOutcome.INLINE, attachment.skip
    elif attachment.refusal:
        outcome, detail = MailAttachmentOutcome.REFUSED, attachment.refusal
    elif project is None:
        outcome, detail = MailAttachmentOutcome.WAITING, "kept in the stored message"
    else:
        try:
            sent = ingest(
                source_file=ContentFile(attachment.payload, name=attachment.name),
                original_name=attachment.name,
                project=project,
                uploaded_by=by,
                source=FileSource.EMAIL,
            )
        except ValidationError as exc:
            outcome, detail = MailAttachmentOutcome.REFUSED, " ".join(exc.messages)
        else:
            file = sent.file
            mine = (
                earlier is not None
                and earlier.file_id == file.pk
                and earlier.outcome == MailAttachmentOutcome.INGESTED
            )
            new = sent.created or mine
            outcome = MailAttachmentOutcome.INGESTED if new else MailAttachmentOutcome.DUPLICATE
            detail = f"stored as {file.stored_name}" if new else sent.message
    row, _ = MailAttachment.objects.update_or_create(
        message=message,
        position=attachment.position,
        defaults={
            "name": attachment.name[:255],
            "content_type": attachment.content_type[:100],
            "size_bytes": attachment.size,
            "forwarded": attachment.forwarded,
            "outcome": outcome,
            "detail": detail,
            "file": file,
        },
    )
    return row


def _wait(message: MailMessage, read: ReadMessage | None, *, reason: str, by: Actor = None) -> None:
    """Unknown sender: the attachments listed as waiting, the message on the manager's list."""
    for attachment in read.attachments if read else []:
        _keep_attachment(message, attachment, project=None, by=by)
    with transaction.atomic():
        current = MailMessage.objects.select_for_update().get(pk=message.pk)
        mail_transition(
            current,
            MailStatus.UNKNOWN_SENDER,
            by=by,
            reason=reason,
            outcome=f"waiting for a manager: {reason}",
            failure_reason="",
        )
    _copy(current, message)


def _failed(message: MailMessage, exc: BaseException, *, by: Actor) -> None:
    reason = _reason(exc)
    with transaction.atomic():
        current = MailMessage.objects.select_for_update().get(pk=message.pk)
        mail_transition(
            current,
            MailStatus.FAILED,
            by=by,
            reason=reason[:400],
            failure_reason=reason,
            traceback=traceback.format_exc().replace("\x00", ""),
        )
    _copy(current, message)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        text = " ".join(exc.messages)
    elif isinstance(exc, MailboxError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return without_server_paths(text).strip() or type(exc).__name__


def _copy(source: MailMessage, target: MailMessage) -> None:
    for field in MailMessage._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def mail_transition(
    message: MailMessage, to: str, *, by: Actor = None, reason: str = "", **fields: Any
) -> None:
    """The one place an e-mail's status changes: checks MAIL_TRANSITIONS, saves, audits."""
    check_move(
        allowed=MAIL_TRANSITIONS,
        statuses=MailStatus,
        current=message.status,
        to=to,
        refused=(
            f"E-mail #{message.pk} is {message.get_status_display().lower()}: it cannot become "
            f"{MailStatus(to).label.lower()}."
        ),
    )
    before = instance_values(message)
    source = message.status
    message.status = to
    for name, value in fields.items():
        setattr(message, name, value)
    message.full_clean(exclude=["message_key", "raw"])
    message.save()
    changes = diff_instances(before, instance_values(message))
    changes.pop("traceback", None)
    record_move(message, source=source, to=to, by=by, changes=changes, reason=reason)


# --- a manager's choices -------------------------------------------------------------------------


def mail_match_client(*, message: MailMessage, client: Client, by: Actor) -> MailMessage:
    """A manager says who sent a waiting (or failed) e-mail: it is filed as from that client."""
    if client is None or client.pk is None:
        raise ValidationError({"client": "Choose the client who sent it."})
    if message.status not in (MailStatus.UNKNOWN_SENDER, MailStatus.FAILED):
        raise ValidationError(
            f"E-mail #{message.pk} is {message.get_status_display().lower()}: only an e-mail "
            "from an unknown sender, or one that failed, can be matched to a client."
        )
    return process_message(message=message, client=client, by=by)


def mail_retry(*, message: MailMessage, by: Actor = None) -> MailMessage:
    """Try a failed e-mail again (the mail task does so by itself, INGEST_MAIL_MAX_ATTEMPTS
    times; a manager may at any time)."""
    if message.status != MailStatus.FAILED:
        raise ValidationError(
            f"E-mail #{message.pk} is {message.get_status_display().lower()}: only a failed "
            "e-mail is tried again."
        )
    client = message.client if message.client_id else None
    return process_message(message=message, client=client, by=by)


@transaction.atomic
def mail_discard(*, message: MailMessage, by: Actor, reason: str = "") -> MailMessage:
    """A manager throws a waiting or failed e-mail away: it leaves the list, and the stored
    message stays on record (nothing is deleted)."""
    current = MailMessage.objects.select_for_update().get(pk=message.pk)
    mail_transition(current, MailStatus.DISCARDED, by=by, reason=reason or "discarded")
    _copy(current, message)
    return message


RECEIVED_STUCK_MINUTES = 10  # a message stored this long ago and still not filed was cut short


def retry_failed() -> list[MailMessage]:
    """Failed e-mails tried again, each at most INGEST_MAIL_MAX_ATTEMPTS times in all; and those
    stored but never filed (the process stopped between the two), once they are a few minutes
    old."""
    tried = []
    limit = int(settings.INGEST_MAIL_MAX_ATTEMPTS)
    for message in MailMessage.objects.filter(status=MailStatus.FAILED, attempts__lt=limit):
        tried.append(mail_retry(message=message))
    stuck = timezone.now() - dt.timedelta(minutes=RECEIVED_STUCK_MINUTES)
    for message in MailMessage.objects.filter(
        status=MailStatus.RECEIVED, received_at__lt=stuck, attempts__lt=limit
    ):
        tried.append(process_message(message=message))
    return tried


# --- drawings measured -----------------------------------------------------------------------------


def check_measured(*, message: MailMessage) -> bool:
    """Once every drawing a filed e-mail brought is read, say so once (signal
    `mail_job_files_measured`, after the commit): finance drafts the job's quote. False while
    one is still waiting, or when the e-mail brought no drawing."""
    if message.status != MailStatus.FILED or message.measured_at or message.project_id is None:
        return False
    files = [
        row.file
        for row in message.attachments.select_related("file").filter(file__isnull=False)
        if row.file is not None and row.file.kind in DRAWING_KINDS and not row.file.is_deleted
    ]
    if not files or any(f.status in FileStatus.waiting() for f in files):
        return False
    now = timezone.now()
    with transaction.atomic():
        claimed = MailMessage.objects.filter(pk=message.pk, measured_at__isnull=True).update(
            measured_at=now
        )
        if not claimed:
            return False
        message.measured_at = now
        project = message.project
        assert project is not None
        signals.send_mail_event_on_commit(
            signals.mail_job_files_measured,
            "mail.job_files_measured",
            {
                "mail_id": message.pk,
                "client_code": project.client.code,
                "project_id": project.pk,
                "project_code": project.code,
                "new_job": message.created_job,
                "file_ids": [f.pk for f in files if f.status == FileStatus.PROCESSED],
                "failed_file_ids": [f.pk for f in files if f.status == FileStatus.FAILED],
            },
        )
    return True


def file_read(*, file_id: int) -> None:
    """A file's reading ended (the worker calls this): the e-mails it came with are checked."""
    ids = MailAttachment.objects.filter(file_id=file_id).values_list("message_id", flat=True)
    for message in MailMessage.objects.filter(
        pk__in=list(ids), status=MailStatus.FILED, measured_at__isnull=True
    ).select_related("project__client"):
        check_measured(message=message)


def check_all_measured() -> int:
    """The mail task's catch-up: filed e-mails of the last weeks whose drawings are all read
    now. Returns how many were announced."""
    since = timezone.now() - dt.timedelta(days=MEASURED_LOOKBACK_DAYS)
    waiting = MailMessage.objects.filter(
        status=MailStatus.FILED,
        measured_at__isnull=True,
        received_at__gte=since,
        attachments__file__kind__in=DRAWING_KINDS,
    ).distinct()
    return sum(check_measured(message=m) for m in waiting.select_related("project__client"))


def summary(message: MailMessage) -> str:
    """One line of what was done with an e-mail, for the command and the task's result."""
    who = message.from_address or "(no sender)"
    if message.client is not None:
        who += f" ({message.client.code})"
    head = f"e-mail #{message.pk} from {who}: {message.get_status_display().lower()}"
    if message.status == MailStatus.FAILED:
        return f"{head}: {message.failure_reason}"
    body = "; ".join(line for line in message.outcome.splitlines() if line)
    return f"{head}: {body}" if body else head
