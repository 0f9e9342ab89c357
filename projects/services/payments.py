"""“Payment received”: the move that records the proof of payment and the amount paid.

The job keeps its first proof of payment and amount (Project.payment_document, payment_amount);
finance registers a recorder (`workflow.register_payment_recorder`) that keeps every payment
against the client's invoices, and a reader that says from their balance whether the job is paid
in full (the "paid_in_full" gate).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from laseros.actors import Actor

from .. import workflow
from ..models import DocumentKind, Project, ProjectDocument, ProjectStatus
from .documents import store_document
from .jobs import TransitionError, _copy_into, clean_payment_amount, project_transition

WAIVE_HINT = "Or a manager may waive the payment (override, with a reason)."


def record_payment(
    project: Project, *, amount: Decimal, document: ProjectDocument | None, by: Actor
) -> None:
    """Hand the payment a proof of payment records to finance (its registered recorders), in
    the caller's transaction: refused there, nothing is kept."""
    for recorder in workflow.payment_recorders:
        recorder(project=project, amount=amount, document=document, by=by)


@transaction.atomic
def project_payment_received(
    *,
    project: Project,
    by: Actor,
    amount: Decimal | str | None = None,
    file: Any = None,
    document: ProjectDocument | None = None,
    reason: str = "",
    override: bool = False,
    from_status: str | None = None,
) -> Project:
    """Move the job to Paid, recording its proof of payment (a new `file`, or a `document`
    already on the job) and the `amount` received. Without them only a manager's `override`
    moves it: the payment is waived, with a reason that is recorded. Refuses clearly, changing
    nothing, when something is missing or wrong (TransitionError)."""
    if amount is None and file is None and document is None and override:
        return project_transition(
            project=project,
            to=ProjectStatus.PAID,
            by=by,
            reason=reason,
            override=True,
            from_status=from_status,
        )
    current = (
        Project.objects.select_for_update(of=("self",)).select_related("client").get(pk=project.pk)
    )
    _check_payment_move(current)
    _check_given(current, amount=amount, file=file, document=document)
    value = clean_payment_amount(amount) if amount is not None else None
    if file is not None:
        document = store_document(current, file=file, kind=DocumentKind.PROOF_OF_PAYMENT, by=by)
    try:
        if value is not None:
            record_payment(current, amount=value, document=document, by=by)
        moved = project_transition(
            project=current,
            to=ProjectStatus.PAID,
            by=by,
            reason=reason,
            override=override,
            from_status=from_status,
            payment_amount=value,
            payment_document=document,
        )
    except Exception:
        if file is not None and document is not None:
            document.file.delete(save=False)  # rolled back with the transaction: no file left
        raise
    _copy_into(project, moved)
    return moved


def _check_payment_move(current: Project) -> None:
    move = workflow.move_for(current.status, ProjectStatus.PAID)
    if move is None or not workflow.records_payment(move):
        raise TransitionError(
            "not_allowed",
            f"{current.code} is {current.get_status_display()}: a payment is recorded by "
            "“Payment received” on an Approved job (or “Paid before approval” in Quoting).",
        )


def _check_given(
    current: Project, *, amount: Any, file: Any, document: ProjectDocument | None
) -> None:
    """Everything that is missing, said at once (what the job already has is not asked again)."""
    if file is not None and document is not None:
        raise TransitionError(
            "proof_of_payment",
            "Give one proof of payment: a new file, or one already on the job.",
            field="proof_of_payment",
        )
    missing = []
    if file is None and document is None and current.payment_document_id is None:
        missing.append(("proof_of_payment", "Attach the proof of payment (a PDF or a photo)."))
    if amount is None and current.payment_amount is None:
        missing.append(("amount", "Enter the amount received (R), as the proof of payment shows."))
    if missing:
        raise TransitionError(
            "proof_of_payment",
            "Payment received needs the proof of payment and the amount received: "
            + " ".join(text for _, text in missing)
            + " "
            + WAIVE_HINT,
            field=missing[0][0],
        )
