"""A job's documents: checked, stored under the job, and a proof of payment moves it to Paid."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, record_created
from laseros.models import ActivityLog

from .. import workflow
from ..models import (
    DocumentKind,
    Project,
    ProjectDocument,
    ProjectStatus,
)
from ..uploads import check_upload
from .jobs import (
    TransitionError,
    _changes,
    _copy_into,
    can_override,
    clean_payment_amount,
    project_transition,
    project_update,
)

# --- documents ------------------------------------------------------------------------------------


@transaction.atomic
def project_document_add(
    *,
    project: Project,
    file,
    kind: str,
    by: Actor,
    note: str = "",
    override: bool = False,
    reason: str = "",
    amount: Decimal | None = None,
) -> ProjectDocument:
    """Keep a document with the job under {client}/{job}/documents/, checked for size and type.

    A proof of payment records when payment arrived, becomes the job's proof of payment (with
    `amount`, what it shows was paid, when given) and moves an Approved job to Paid (a job
    still in Quoting only with a manager's `override` and `reason`: payment counts as approval).
    A quote uploaded while quoting starts the quote's validity if no quote date is set yet.
    """
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": f"{kind!r} is not a kind of project document."})
    if amount is not None:
        if kind != DocumentKind.PROOF_OF_PAYMENT:
            raise ValidationError({"amount": "Only a proof of payment carries an amount paid."})
        amount = clean_payment_amount(amount)
    current = (
        Project.objects.select_for_update(of=("self",)).select_related("client").get(pk=project.pk)
    )
    if (
        kind == DocumentKind.PROOF_OF_PAYMENT
        and current.status == ProjectStatus.QUOTING
        and override
    ):
        # refuse before anything is stored: only a manager, and only with a reason
        if not can_override(by):
            raise TransitionError(
                "override_not_permitted",
                "Only a manager may take a payment as approval of a job still in Quoting.",
            )
        if not (reason or "").strip():
            raise TransitionError(
                "reason_required", "Give the reason for the override; it is recorded."
            )
    document = store_document(current, file=file, kind=kind, by=by, note=note)
    try:
        _after_document(current, document, by=by, override=override, reason=reason, amount=amount)
    except Exception:
        # the record is rolled back with the transaction; its file must not stay behind
        document.file.delete(save=False)
        raise
    _copy_into(project, current)
    return document


def store_document(
    current: Project, *, file, kind: str, by: Actor, note: str = ""
) -> ProjectDocument:
    """Check the file, store it under the job and record the document (audited); nothing else.
    The file is removed again if the record cannot be saved."""
    original_name, content_type, size = check_upload(file, image_only=kind == DocumentKind.IMAGE)
    document = ProjectDocument(
        project=current,
        kind=kind,
        original_name=original_name,
        content_type=content_type,
        size_bytes=size,
        note=note,
        uploaded_by=acting_user(by),
    )
    document.file.save(original_name, file, save=False)
    try:
        document.full_clean()
        document.save()
        record_created(document, by=by, message=f"{document.get_kind_display()} for {current.code}")
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def _record_proof(
    current: Project, document: ProjectDocument, *, by: Actor, amount: Decimal | None
) -> None:
    """When payment arrived, and the job's proof of payment and amount if it has none yet
    (one payment per job until finance keeps payments); audited."""
    before = instance_values(current)
    if current.pop_received_at is None:
        current.pop_received_at = timezone.now()
    if current.payment_document_id is None:
        current.payment_document = document
    if amount is not None and current.payment_amount is None:
        current.payment_amount = amount
    changes = _changes(before, current)
    if changes:
        current.save(update_fields=[*(f for f in changes), "updated_at"])
        record(
            action=ActivityLog.Action.UPDATE,
            obj=current,
            changes=changes,
            message="proof of payment received",
            user=by,
        )


def _after_document(
    current: Project,
    document: ProjectDocument,
    *,
    by: Actor,
    override: bool,
    reason: str,
    amount: Decimal | None,
) -> None:
    kind = document.kind
    if (
        kind == DocumentKind.QUOTE
        and current.status == ProjectStatus.QUOTING
        and current.quote_sent_on is None
    ):
        project_update(project=current, by=by, quote_sent_on=timezone.localdate())
    if kind != DocumentKind.PROOF_OF_PAYMENT:
        return
    _record_proof(current, document, by=by, amount=amount)
    if amount is not None:
        from .payments import record_payment

        record_payment(current, amount=amount, document=document, by=by)
    if current.status == ProjectStatus.APPROVED and _paid_enough(current):
        project_transition(
            project=current,
            to=ProjectStatus.PAID,
            by=by,
            reason=reason,
            from_status=ProjectStatus.APPROVED,
        )
    elif current.status == ProjectStatus.QUOTING and override:
        project_transition(
            project=current,
            to=ProjectStatus.PAID,
            by=by,
            reason=reason,
            override=True,
            from_status=ProjectStatus.QUOTING,
        )


def _paid_enough(project: Project) -> bool:
    """Whether the proof of payment moves the job on: paid in full by finance's balance (a part
    payment is kept and the job waits for the rest), or paid by the proof alone."""
    reading = workflow.paid_reading(project)
    return reading is None or reading.paid_in_full


@transaction.atomic
def project_document_delete(*, document: ProjectDocument, by: Actor) -> None:
    """Remove a document and its file (the job's status does not change); audited."""
    record(
        action=ActivityLog.Action.DELETE,
        obj=document,
        changes=diff_instances(instance_values(document), None),
        message=f"{document.get_kind_display()} removed",
        user=by,
    )
    fieldfile = document.file
    name, storage = fieldfile.name, fieldfile.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name) if name and storage.exists(name) else None)
