"""The PDF of an issued tax invoice or credit note, kept as it was first sent.

An issued document never changes, and neither may what the client was given: its PDF is drawn
once, stored in its `pdf` field with the sha256 of its bytes, and every later request gets those
bytes, checked against the sum. A draft invoice has no lasting PDF: it is drawn afresh each time
(as are quotes, delivery notes and statements, in `finance.pdf`).
"""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from laseros.actors import Actor
from laseros.audit import record
from laseros.models import ActivityLog

from .. import pdf
from ..models import CreditNote, Invoice, InvoiceStatus

logger = logging.getLogger(__name__)

Document = Invoice | CreditNote


class StoredPdfChanged(ValidationError):
    """The stored PDF of an issued document is missing or no longer matches its sha256."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_draft(document: Document) -> bool:
    return isinstance(document, Invoice) and document.status == InvoiceStatus.DRAFT


def _render(document: Document) -> bytes:
    if isinstance(document, Invoice):
        return pdf.invoice_pdf(document)
    return pdf.credit_note_pdf(document)


def _stored(document: Document) -> bytes:
    """The stored bytes, refused (StoredPdfChanged) when they are gone or not what was issued."""
    try:
        with document.pdf.open("rb") as stored:
            data = stored.read()
    except (FileNotFoundError, OSError) as exc:
        logger.error("the stored PDF of %s (%s) cannot be read: %s", document, document.pdf, exc)
        raise StoredPdfChanged(
            f"The PDF {document.label} was issued with is missing from the file store; it is "
            "not drawn again, as the client holds the one issued. Restore it from a backup."
        ) from exc
    if sha256(data) != document.pdf_sha256:
        logger.error("the stored PDF of %s does not match its sha256", document)
        raise StoredPdfChanged(
            f"The stored PDF of {document.label} is not the one issued (its sha256 differs). "
            "Restore it from a backup."
        )
    return data


def issued_pdf(*, document: Document, by: Actor = None) -> bytes:
    """The PDF of an invoice or credit note. Issued: drawn on the first call and stored with its
    sha256 (an audit entry says so); later calls return the stored bytes unchanged. A draft
    invoice: drawn now, nothing stored."""
    model = type(document)
    current = model.objects.get(pk=document.pk)
    if _is_draft(current):
        return _render(current)
    if current.pdf_sha256:
        return _stored(current)
    data = _render(current)  # outside the transaction: the row is locked only to store it
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=document.pk)
        if _is_draft(locked):  # an issued document never goes back to draft; said for mypy
            return data
        if locked.pdf_sha256:  # drawn and stored by another request meanwhile: that one counts
            stored = _stored(locked)
        else:
            digest = sha256(data)
            locked.pdf.save(f"{locked.label}.pdf", ContentFile(data), save=False)
            locked.pdf_sha256 = digest
            locked.save(update_fields=["pdf", "pdf_sha256"])
            record(
                action=ActivityLog.Action.UPDATE,
                obj=locked,
                changes={"pdf": [None, locked.pdf.name], "pdf_sha256": [None, digest]},
                message=f"PDF of {locked.label} stored ({len(data)} bytes, sha256 {digest[:12]})",
                user=by,
            )
            stored = data
    document.pdf = locked.pdf
    document.pdf_sha256 = locked.pdf_sha256
    return stored
