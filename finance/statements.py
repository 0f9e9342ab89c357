"""A client's statement (issue 11, part 5): what a bookkeeper sends at month end.

Pure reads. The statement runs from an opening balance (everything issued and paid before the
first day) through the period's invoices (debits), credit notes and payments (credits), each with
the running balance, to the closing balance. The ageing splits the closing balance by how old the
invoices that make it up are on the last day: current (under 30 days), 30, 60 and 90+ days. An
invoice's part of it is what was not yet paid or credited on that day (payments received and
credit notes issued by then); money received and not allocated to those invoices (the client's
credit) is taken off the oldest first, so the buckets always add up to the closing balance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum

from .models import ZERO, CreditNote, Invoice, InvoiceStatus, Payment, PaymentAllocation

AGEING_DAYS = (30, 60, 90)
MAX_STATEMENT_DAYS = 366 * 5


@dataclass(frozen=True)
class StatementRow:
    """One line of the statement: an invoice (debit), a credit note or a payment (credit)."""

    date: dt.date
    document: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Ageing:
    """The closing balance by the age of the invoices it is made of, on the statement's day."""

    current: Decimal
    days_30: Decimal
    days_60: Decimal
    days_90_plus: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.days_30 + self.days_60 + self.days_90_plus


@dataclass(frozen=True)
class ClientStatement:
    client: Any
    start: dt.date
    end: dt.date
    opening_balance: Decimal
    rows: list[StatementRow]
    closing_balance: Decimal
    ageing: Ageing

    @property
    def total_debits(self) -> Decimal:
        return sum((row.debit for row in self.rows), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)


def _sum(queryset: Any, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def issued_invoices(client: Any) -> Any:
    """Every invoice the client was sent: issued ones and those later credited (a draft is not)."""
    return Invoice.objects.filter(client=client).exclude(status=InvoiceStatus.DRAFT)


def _rows(client: Any, start: dt.date, end: dt.date, opening: Decimal) -> list[StatementRow]:
    found: list[tuple[dt.date, int, int, str, str, Decimal, Decimal]] = []
    invoices = (
        issued_invoices(client).filter(issued_on__range=(start, end)).select_related("project")
    )
    for invoice in invoices:
        what = f"Invoice: {invoice.project.code} {invoice.project.name}"
        if invoice.reference:
            what += f" (your ref. {invoice.reference})"
        found.append((invoice.issued_on, 0, invoice.pk, invoice.number, what, invoice.total, ZERO))
    notes = CreditNote.objects.filter(client=client, issued_on__range=(start, end)).select_related(
        "invoice"
    )
    for note in notes:
        what = f"Credit note on {note.invoice.number}: {note.reason}"
        found.append((note.issued_on, 1, note.pk, note.number, what, ZERO, note.total))
    payments = Payment.objects.filter(client=client, received_on__range=(start, end))
    for payment in payments:
        what = f"Payment received, {payment.get_method_display()}"
        if payment.reference:
            what += f" (ref. {payment.reference})"
        found.append((payment.received_on, 2, payment.pk, "Payment", what, ZERO, payment.amount))
    found.sort(key=lambda row: row[:3])
    rows, balance = [], opening
    for day, _order, _pk, document, description, debit, credit in found:
        balance += debit - credit
        rows.append(StatementRow(day, document, description[:200], debit, credit, balance))
    return rows


def _balance_before(client: Any, day: dt.date) -> Decimal:
    """What the client owed at the start of `day`."""
    invoiced = _sum(issued_invoices(client).filter(issued_on__lt=day), "total")
    credited = _sum(CreditNote.objects.filter(client=client, issued_on__lt=day), "total")
    paid = _sum(Payment.objects.filter(client=client, received_on__lt=day), "amount")
    return invoiced - credited - paid


def _bucket(age_days: int) -> int:
    return sum(age_days >= limit for limit in AGEING_DAYS)


def _ageing(client: Any, end: dt.date, closing: Decimal) -> Ageing:
    buckets = [ZERO, ZERO, ZERO, ZERO]
    invoices = list(issued_invoices(client).filter(issued_on__lte=end).order_by("issued_on", "id"))
    paid: dict[int, Decimal] = {}
    allocations = PaymentAllocation.objects.filter(
        invoice__in=[i.pk for i in invoices], payment__received_on__lte=end
    ).values_list("invoice_id", "amount")
    for invoice_id, amount in allocations:
        paid[invoice_id] = paid.get(invoice_id, ZERO) + amount
    credited: dict[int, Decimal] = {}
    notes = CreditNote.objects.filter(client=client, issued_on__lte=end).values_list(
        "invoice_id", "total"
    )
    for invoice_id, amount in notes:
        credited[invoice_id] = credited.get(invoice_id, ZERO) + amount
    owing = []  # (bucket, amount), oldest first
    for invoice in invoices:
        left = invoice.total - paid.get(invoice.pk, ZERO) - credited.get(invoice.pk, ZERO)
        if left > 0:
            owing.append((_bucket((end - invoice.issued_on).days), left))
    for bucket, amount in owing:
        buckets[bucket] += amount
    # what the client paid that is not allocated to these invoices: off the oldest first
    spare = sum((amount for _b, amount in owing), ZERO) - closing
    for index in (3, 2, 1, 0):
        if spare <= 0:
            break
        taken = min(spare, buckets[index])
        buckets[index] -= taken
        spare -= taken
    buckets[0] -= spare  # still more credit (or, were the books odd, less): the current column
    return Ageing(*buckets)


def client_statement(client: Any, *, start: dt.date, end: dt.date) -> ClientStatement:
    """The client's statement from `start` to `end` (both included): opening balance, the
    period's documents with the running balance, the closing balance and its ageing on `end`."""
    if client is None:
        raise ValidationError({"client": ["Say whose statement it is."]})
    if start > end:
        raise ValidationError(
            {"start": [f"The statement starts ({start:%d %b %Y}) after it ends ({end:%d %b %Y})."]}
        )
    if (end - start).days > MAX_STATEMENT_DAYS:
        raise ValidationError({"start": ["A statement covers at most five years."]})
    opening = _balance_before(client, start)
    rows = _rows(client, start, end, opening)
    closing = rows[-1].balance if rows else opening
    return ClientStatement(
        client=client,
        start=start,
        end=end,
        opening_balance=opening,
        rows=rows,
        closing_balance=closing,
        ageing=_ageing(client, end, closing),
    )
