"""The demo shop's books: each job's quote, payment, invoice and credit notes, as its status says.

- Request: nothing yet. Quoting: a sent quote (valid 20 working days from the day it went).
  Cancelled or on hold before approval: the quote expired (or was declined, as the job's reason
  says). Approved and on: the quote accepted when the job was approved.
- A job whose proof of payment is in: the payment (its amount, date and proof) — the job's
  credit until it is invoiced.
- Ready and Completed: a tax invoice of the quote's lines, issued the day the job got there,
  paid from the job's payment; one completed job in twelve has a credit note (parts scratched
  in delivery), which leaves the client a credit.

Quotes are written in bulk with the numbers their dates would have given (the quote services
would walk the job again); invoices, payments and credit notes in bulk with the same figures the
services work out (VAT on the total excluding VAT, half-up). Each job is done once: running it
again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from finance.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentState,
    Quote,
    QuoteLine,
    QuoteLineKind,
    QuoteStatus,
)
from finance.pricing import vat_on
from finance.selectors import current_rates, vat_rate_on
from finance.services.invoices import (
    credit_note_sequence_key,
    due_date,
    invoice_sequence_key,
)
from finance.services.quotes import quote_number, quote_sequence_key
from laseros.sequences import bump_to, next_number
from laseros.workdays import add_working_days
from projects.models import Project, ProjectStatus

S = ProjectStatus
Log = Callable[[str], None]
CENT = Decimal("0.01")
INVOICED = (S.READY, S.COMPLETED)
CREDIT_NOTE_EVERY = 12


class Numbers:
    """Yearly numbers handed out in date order, the sequences moved past them at the end."""

    def __init__(self, key: Callable[[int], str]) -> None:
        self.key = key
        self.last: dict[int, int] = {}

    def next(self, year: int) -> int:
        if year not in self.last:
            self.last[year] = next_number(self.key(year)) - 1  # where the series stands
        self.last[year] += 1
        return self.last[year]

    def close(self) -> None:
        for year, last in self.last.items():
            bump_to(self.key(year), last)


def _day(value: dt.datetime | None, fallback: dt.date) -> dt.date:
    return timezone.localdate(value) if value is not None else fallback


def _quote_status(project: Project) -> tuple[str, str]:
    if project.approved_at is not None:
        return QuoteStatus.ACCEPTED, ""
    if project.status == S.QUOTING or (
        project.status == S.ON_HOLD and project.status_before_hold == S.QUOTING
    ):
        return QuoteStatus.SENT, ""
    reason = project.status_reason or ""
    if "declin" in reason.lower() or "too dear" in reason.lower():
        return QuoteStatus.DECLINED, reason[:255]
    return QuoteStatus.EXPIRED, ""


def _line(project: Project) -> tuple[str, int, Decimal]:
    """The job's one line: per part when the price divides to the cent, else the set."""
    material = project.material.code if project.material_id else ""
    thickness = f" {project.thickness_mm.normalize():f} mm" if project.thickness_mm else ""
    what = f"{project.name}: {material}{thickness}".strip()
    price = Decimal(project.quoted_price)
    quantity = project.quantity or 1
    unit = (price / quantity).quantize(CENT)
    if unit * quantity == price:
        return what[:255], quantity, unit
    return f"{what} ({quantity} parts)"[:255], 1, price


@transaction.atomic
def seed_books(size: int, rng: random.Random, log: Log) -> None:
    rng = random.Random(rng.random())
    quoted = Quote.objects.filter(project=OuterRef("pk"))
    jobs = list(
        Project.objects.filter(quote_sent_on__isnull=False, quoted_price__isnull=False)
        .exclude(Exists(quoted))
        .select_related("client", "material")
        .order_by("quote_sent_on", "id")
    )
    if not jobs:
        log("books: every quoted job has its quote already")
        return
    quotes = _quotes(jobs)
    payments = _payments(jobs)
    invoices = _invoices(jobs, quotes, payments)
    notes = _credit_notes(jobs, invoices, rng)
    log(
        f"books: {len(quotes)} quotes, {len(payments)} payments, {len(invoices)} invoices, "
        f"{notes} credit notes"
    )


def _quotes(jobs: list[Project]) -> dict[int, tuple[Quote, QuoteLine]]:
    numbers = Numbers(quote_sequence_key)
    minimum = current_rates().minimum_per_order
    made: dict[int, tuple[Quote, QuoteLine]] = {}
    for project in jobs:
        sent_on = project.quote_sent_on
        status, reason = _quote_status(project)
        description, quantity, unit = _line(project)
        subtotal = unit * quantity
        vat_rate = vat_rate_on(sent_on)
        # the job's price is what it was quoted and paid: no top-up to a minimum set since
        top_up = Decimal(0)
        total = subtotal + top_up
        vat = vat_on(total, vat_rate)
        quote = Quote(
            number=quote_number(sent_on.year, numbers.next(sent_on.year)),
            project=project,
            client_id=project.client_id,
            status=status,
            status_reason=reason,
            status_changed_at=project.approved_at or project.status_changed_at,
            sent_on=sent_on,
            expires_on=project.quote_expires_on or add_working_days(sent_on, 20),
            accepted_at=project.approved_at,
            delivery_name="Collection",
            minimum_per_order=min(minimum, subtotal),
            subtotal=subtotal,
            minimum_top_up=top_up,
            total_excl_vat=total,
            vat_rate=vat_rate,
            vat=vat,
            total_incl_vat=total + vat,
            created_by=project.created_by,
        )
        line = QuoteLine(
            position=1,
            kind=QuoteLineKind.TEXT,
            description=description,
            material_code=project.material.code if project.material_id else "",
            thickness_mm=project.thickness_mm,
            quantity=quantity,
            unit_price=unit,
            line_total=subtotal,
        )
        made[project.pk] = (quote, line)
    Quote.objects.bulk_create([q for q, _ in made.values()], batch_size=500)
    for quote, line in made.values():
        line.quote = quote
    QuoteLine.objects.bulk_create([line for _, line in made.values()], batch_size=500)
    for quote, _ in made.values():  # auto_now_add stamped them today
        quote.created_at = timezone.make_aware(dt.datetime.combine(quote.sent_on, dt.time(9)))
    Quote.objects.bulk_update([q for q, _ in made.values()], ["created_at"], batch_size=500)
    numbers.close()
    return made


def _payments(jobs: list[Project]) -> dict[int, Payment]:
    already = set(Payment.objects.filter(project__in=jobs).values_list("project_id", flat=True))
    made = {
        project.pk: Payment(
            client_id=project.client_id,
            project=project,
            amount=project.payment_amount,
            received_on=timezone.localdate(project.pop_received_at),
            method="eft",
            reference=project.code,
            document_id=project.payment_document_id,
            unallocated=project.payment_amount,
            created_by=project.created_by,
        )
        for project in jobs
        if project.payment_amount and project.pop_received_at and project.pk not in already
    }
    Payment.objects.bulk_create(made.values(), batch_size=500)
    for payment in Payment.objects.filter(project_id__in=already, unallocated__gt=0):
        made[payment.project_id] = payment  # paid through the services: the invoice takes it
    return made


def _invoices(
    jobs: list[Project], quotes: dict[int, tuple[Quote, QuoteLine]], payments: dict[int, Payment]
) -> dict[int, Invoice]:
    """A Ready or Completed job's tax invoice of its accepted quote, issued the day it got there
    (numbered in date order), paid from the job's payment."""
    numbers = Numbers(invoice_sequence_key)
    today = timezone.localdate()
    chosen = [
        p for p in jobs if p.status in INVOICED and quotes[p.pk][0].status == QuoteStatus.ACCEPTED
    ]
    chosen.sort(key=lambda p: (_day(p.completed_at or p.status_changed_at, today), p.pk))
    made = {
        project.pk: _invoice(project, quotes[project.pk][0], numbers, today) for project in chosen
    }
    Invoice.objects.bulk_create(made.values(), batch_size=500)
    InvoiceLine.objects.bulk_create(
        (line for pk, invoice in made.items() for line in _invoice_lines(invoice, *quotes[pk])),
        batch_size=500,
    )
    _pay_from_the_jobs_payments(made, payments)
    numbers.close()
    return made


def _invoice(project: Project, quote: Quote, numbers: Numbers, today: dt.date) -> Invoice:
    issued_on = _day(project.completed_at or project.status_changed_at, today)
    vat_rate = vat_rate_on(issued_on)
    subtotal = quote.total_excl_vat
    vat = vat_on(subtotal, vat_rate)
    return Invoice(
        number=f"INV-{issued_on.year}-{numbers.next(issued_on.year):04d}",
        project=project,
        client_id=project.client_id,
        quote=quote,
        status=InvoiceStatus.ISSUED,
        issued_on=issued_on,
        due_on=due_date(issued_on, project.client.payment_terms),
        client_name=project.client.name,
        client_address=project.client.address,
        client_vat_number=project.client.vat_number,
        subtotal=subtotal,
        vat_rate=vat_rate,
        vat=vat,
        total=subtotal + vat,
        balance=subtotal + vat,
        created_by=project.created_by,
    )


def _invoice_lines(invoice: Invoice, quote: Quote, quote_line: QuoteLine) -> list[InvoiceLine]:
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=1,
            description=quote_line.description,
            quantity=quote_line.quantity,
            unit_price=quote_line.unit_price,
            line_total=quote_line.line_total,
            quote_line=quote_line,
        )
    ]
    if quote.minimum_top_up:
        lines.append(
            InvoiceLine(
                invoice=invoice,
                position=2,
                description=f"Minimum order top-up (R {quote.minimum_per_order})",
                quantity=1,
                unit_price=quote.minimum_top_up,
                line_total=quote.minimum_top_up,
            )
        )
    return lines


def _pay_from_the_jobs_payments(made: dict[int, Invoice], payments: dict[int, Payment]) -> None:
    allocations, touched = [], []
    for project_id, invoice in made.items():
        payment = payments.get(project_id)
        if payment is None or payment.unallocated <= 0:
            continue
        amount = min(payment.unallocated, invoice.balance)
        allocations.append(PaymentAllocation(payment=payment, invoice=invoice, amount=amount))
        payment.allocated += amount
        payment.unallocated -= amount
        invoice.paid += amount
        invoice.balance -= amount
        invoice.payment_state = (
            PaymentState.PAID if invoice.balance <= 0 else PaymentState.PART_PAID
        )
        touched.append(payment)
    PaymentAllocation.objects.bulk_create(allocations, batch_size=500)
    Payment.objects.bulk_update(touched, ["allocated", "unallocated"], batch_size=500)
    Invoice.objects.bulk_update(made.values(), ["paid", "balance", "payment_state"], batch_size=500)


def _credit_notes(jobs: list[Project], invoices: dict[int, Invoice], rng: random.Random) -> int:
    """One completed job in twelve (the first one first): 10 % of it credited (parts scratched in delivery); what it
    was paid beyond what is left is the client's credit."""
    numbers = Numbers(credit_note_sequence_key)
    done = [inv for pid, inv in invoices.items() if inv.project.status == S.COMPLETED]
    chosen = sorted(
        (inv for n, inv in enumerate(done) if n % CREDIT_NOTE_EVERY == 0),
        key=lambda inv: (inv.issued_on, inv.pk),
    )
    by_invoice: dict[int, list[PaymentAllocation]] = defaultdict(list)
    for allocation in PaymentAllocation.objects.filter(invoice__in=chosen).select_related(
        "payment"
    ):
        by_invoice[allocation.invoice_id].append(allocation)
    for invoice in chosen:
        issued_on = invoice.issued_on + dt.timedelta(days=rng.randint(1, 6))
        issued_on = min(issued_on, timezone.localdate())
        subtotal = (invoice.subtotal / 10).quantize(CENT, rounding=ROUND_HALF_UP)
        vat = vat_on(subtotal, invoice.vat_rate)
        note = CreditNote.objects.create(
            number=f"CN-{issued_on.year}-{numbers.next(issued_on.year):04d}",
            invoice=invoice,
            client_id=invoice.client_id,
            issued_on=issued_on,
            reason="2 parts scratched in delivery: 10 % credited",
            subtotal=subtotal,
            vat_rate=invoice.vat_rate,
            vat=vat,
            total=subtotal + vat,
            created_by=invoice.created_by,
        )
        CreditNoteLine.objects.create(
            credit_note=note,
            position=1,
            description=f"Credit on {invoice.number}: parts scratched in delivery",
            quantity=1,
            unit_price=subtotal,
            line_total=subtotal,
        )
        invoice.credited = note.total
        over = invoice.paid - (invoice.total - invoice.credited)
        for allocation in by_invoice[invoice.pk]:
            if over <= 0:
                break
            take = min(over, allocation.amount)
            allocation.amount -= take
            if allocation.amount:
                allocation.save(update_fields=["amount"])
            else:
                allocation.delete()
            allocation.payment.allocated -= take
            allocation.payment.unallocated += take
            allocation.payment.save(update_fields=["allocated", "unallocated"])
            invoice.paid -= take
            over -= take
        invoice.balance = invoice.total - invoice.paid - invoice.credited
        invoice.save(update_fields=["credited", "paid", "balance"])
    numbers.close()
    return len(chosen)
