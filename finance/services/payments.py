"""Writes on payments: recording money received, allocating it to invoices, the client's credit.

A payment is allocated to the client's issued invoices, the job's own first, the oldest due
first. What is more than is due is refused unless the caller chooses to keep it as the client's
credit (`keep_credit=True`); a credit is taken by the next invoice of the same job when it is
issued, or allocated by hand. Every allocation moves the invoice's paid amount, balance and
payment state (unpaid, part paid, paid) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record, record_created
from laseros.models import ActivityLog
from laseros.outbox import record_event

from ..models import (
    MAX_MONEY,
    ZERO,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentState,
)
from .quotes import _clean_money, refuse

CENT = Decimal("0.01")


def settle(invoice: Invoice) -> None:
    """The invoice's balance and payment state from what is paid and credited (not saved)."""
    invoice.balance = invoice.total - invoice.paid - invoice.credited
    if invoice.paid <= 0:
        invoice.payment_state = PaymentState.UNPAID
    elif invoice.balance <= 0:
        invoice.payment_state = PaymentState.PAID
    else:
        invoice.payment_state = PaymentState.PART_PAID


def _clean_amount(amount: Any) -> Decimal:
    value = _clean_money(amount, "amount", what="The amount received")
    value = value.quantize(CENT)
    if value <= 0:
        raise refuse("amount", "A payment is more than R 0.00.")
    if value > MAX_MONEY:
        raise refuse("amount", f"A payment is at most R {MAX_MONEY:,}.")
    return value


def open_invoices(client: Any, *, project: Any = None) -> list[Invoice]:
    """The client's issued invoices with something to pay: the job's first, oldest due first."""
    found = Invoice.objects.select_for_update().filter(
        client=client, status=InvoiceStatus.ISSUED, balance__gt=0
    )
    rows = list(found.order_by("due_on", "issued_on", "id"))
    if project is not None:
        rows.sort(key=lambda inv: inv.project_id != project.pk)
    return rows


@transaction.atomic
def payment_record(
    *,
    client: Any,
    amount: Any,
    by: Actor,
    received_on: dt.date | None = None,
    method: str = PaymentMethod.EFT,
    reference: str = "",
    project: Any = None,
    document: Any = None,
    invoices: list[Invoice] | None = None,
    keep_credit: bool = False,
    notes: str = "",
) -> Payment:
    """Record money received and allocate it to `invoices` (default: the client's open
    invoices, the job's first). More than is due is refused, changing nothing, unless
    `keep_credit`: then the rest is the client's credit."""
    value, day = _clean_payment(client, amount=amount, method=method, received_on=received_on)
    if project is not None and project.client_id != client.pk:
        raise refuse("project", f"{project.code} is not {client.name}'s job.")
    targets = _targets(client, project=project, invoices=invoices)
    _check_not_over(client, value, targets, keep_credit=keep_credit)
    payment = Payment(
        client=client,
        project=project,
        amount=value,
        received_on=day,
        method=method,
        reference=(reference or "").strip()[:100],
        document=document,
        unallocated=value,
        notes=(notes or "")[:255],
        created_by=acting_user(by),
    )
    payment.full_clean()
    payment.save()
    record_created(payment, by=by, message=f"R {value} received from {client.name}")
    left = value
    for invoice in targets:
        if left <= 0:
            break
        left -= _allocate(payment, invoice, min(left, invoice.balance), by=by)
    record_event(
        type="payment.received",
        payload={
            "payment_id": payment.pk,
            "client_code": client.code,
            "project_id": project.pk if project is not None else None,
            "project_code": project.code if project is not None else None,
            "amount": value,
            "method": str(method),
            "received_on": day,
            "reference": payment.reference,
        },
    )
    return payment


def _clean_payment(
    client: Any, *, amount: Any, method: str, received_on: dt.date | None
) -> tuple[Decimal, dt.date]:
    if client is None:
        raise refuse("client", "Say which client paid.")
    value = _clean_amount(amount)
    if method not in PaymentMethod.values:
        raise refuse("method", f"{method!r} is not a payment method (EFT, cash or card).")
    day = received_on or timezone.localdate()
    if day > timezone.localdate():
        raise refuse("received_on", f"{day:%d %b %Y} is in the future: a payment is received.")
    return value, day


def _targets(client: Any, *, project: Any, invoices: list[Invoice] | None) -> list[Invoice]:
    """The invoices the payment goes to, locked: those chosen (each an issued one of the
    client's), or the client's open ones, the job's first."""
    if invoices is None:
        return open_invoices(client, project=project)
    targets = list(
        Invoice.objects.select_for_update()
        .filter(pk__in=[i.pk for i in invoices])
        .order_by("due_on", "id")
    )
    for invoice in targets:
        if invoice.client_id != client.pk or invoice.status != InvoiceStatus.ISSUED:
            raise refuse("invoices", f"{invoice.label} is not an issued invoice of {client}.")
    return targets


def _check_not_over(
    client: Any, value: Decimal, targets: list[Invoice], *, keep_credit: bool
) -> None:
    due = sum((inv.balance for inv in targets), ZERO)
    if value > due and not keep_credit:
        where = ", ".join(inv.number or "" for inv in targets) or "no open invoice"
        raise refuse(
            "amount",
            f"R {value} is more than is due (R {due}: {where}). Choose to keep the rest "
            f"(R {value - due}) as {client.name}'s credit, or correct the amount.",
        )


def _allocate(payment: Payment, invoice: Invoice, amount: Decimal, *, by: Actor) -> Decimal:
    """Allocate `amount` of the payment to the invoice (both locked by the caller)."""
    if amount <= 0:
        return ZERO
    allocation = PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    payment.allocated += amount
    payment.unallocated -= amount
    payment.save(update_fields=["allocated", "unallocated"])
    invoice.paid += amount
    settle(invoice)
    invoice.save(update_fields=["paid", "balance", "payment_state"])
    record(
        action=ActivityLog.Action.CREATE,
        obj=allocation,
        changes={"amount": [None, str(amount)], "invoice": [None, invoice.number]},
        message=f"R {amount} of the payment of {payment.received_on} to {invoice.number} "
        f"(balance R {invoice.balance})",
        user=by,
    )
    return amount


@transaction.atomic
def payment_allocate(
    *, payment: Payment, invoice: Invoice, by: Actor, amount: Any = None
) -> PaymentAllocation:
    """Allocate the client's credit from a payment to an issued invoice of theirs (all of what
    is left of the payment, or `amount`, at most the invoice's balance)."""
    current = Payment.objects.select_for_update().get(pk=payment.pk)
    target = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if target.client_id != current.client_id:
        raise refuse("invoice", f"{target.label} is another client's invoice.")
    if target.status != InvoiceStatus.ISSUED or target.balance <= 0:
        raise refuse("invoice", f"{target.label} has nothing to pay.")
    wanted = (
        min(current.unallocated, target.balance) if amount in (None, "") else _clean_amount(amount)
    )
    if wanted <= 0:
        raise refuse("amount", "Nothing of this payment is left to allocate.")
    if wanted > current.unallocated:
        raise refuse("amount", f"Only R {current.unallocated} of this payment is not allocated.")
    if wanted > target.balance:
        raise refuse("amount", f"{target.number} has R {target.balance} to pay, not R {wanted}.")
    _allocate(current, target, wanted, by=by)
    _refresh(payment, current)
    _refresh(invoice, target)
    return current.allocations.order_by("-id")[0]


def apply_job_credit(*, invoice: Invoice, by: Actor) -> Decimal:
    """Allocate to a just-issued invoice what its client paid ahead: payments for its job, then
    payments for no job in particular, oldest first. Other jobs' money stays where it is."""
    applied = ZERO
    credits = (
        Payment.objects.select_for_update()
        .filter(client_id=invoice.client_id, unallocated__gt=0)
        .filter(Q(project_id=invoice.project_id) | Q(project__isnull=True))
        .order_by("received_on", "id")
    )
    for payment in sorted(credits, key=lambda p: p.project_id is None):
        if invoice.balance <= 0:
            break
        applied += _allocate(payment, invoice, min(payment.unallocated, invoice.balance), by=by)
    return applied


def release_overpaid(*, invoice: Invoice, by: Actor) -> Decimal:
    """After a credit note: what the invoice was paid beyond what is left of it goes back to the
    payments it came from (the latest first), as the client's credit."""
    over = -invoice.balance
    if over <= 0:
        return ZERO
    released = ZERO
    for allocation in (
        invoice.allocations.select_for_update().select_related("payment").order_by("-id")
    ):
        if released >= over:
            break
        take = min(allocation.amount, over - released)
        payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
        payment.allocated -= take
        payment.unallocated += take
        payment.save(update_fields=["allocated", "unallocated"])
        if take == allocation.amount:
            allocation.delete()
        else:
            allocation.amount -= take
            allocation.save(update_fields=["amount"])
        released += take
    invoice.paid -= released
    settle(invoice)
    invoice.save(update_fields=["paid", "balance", "payment_state"])
    record(
        action=ActivityLog.Action.UPDATE,
        obj=invoice,
        changes={"paid": [str(invoice.paid + released), str(invoice.paid)]},
        message=f"R {released} paid on {invoice.number} beyond what is left of it is "
        f"{invoice.client_name or 'the client'}'s credit",
        user=by,
    )
    return released


def _refresh(target: Any, source: Any) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def record_job_payment(*, project: Any, amount: Decimal, document: Any, by: Actor) -> Payment:
    """The payment a job's proof of payment records (the projects workflow's recorder): the
    client's, for the job, kept as credit where no invoice takes it yet."""
    return payment_record(
        client=project.client,
        project=project,
        amount=amount,
        document=document,
        by=by,
        reference=f"Proof of payment for {project.code}",
        keep_credit=True,
    )
