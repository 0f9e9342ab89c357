"""Writes on invoices and credit notes.

An invoice is a draft until it is issued: its lines may change and it may be deleted, and it has
no number. `invoice_issue` gives it the next INV-YYYY-#### (a gap-free yearly sequence moved in
the same transaction, so a refused issue leaves no hole), the VAT rate of its date from the dated
table, its due date from the client's terms, and a copy of the client's name, address and VAT
number. From then on it never changes: a credit note (`credit_note_create`, CN-YYYY-####)
reverses it, in full or in part.

VAT is worked out on the invoice's total excluding VAT, half-up to the cent (not line by line).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record, record_created
from laseros.models import ActivityLog
from laseros.outbox import record_event
from laseros.sequences import next_number
from laseros.tasks import enqueue_on_commit

from ..models import (
    MAX_MONEY,
    ZERO,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Quote,
    QuoteStatus,
)
from ..pricing import vat_on
from ..selectors import vat_rate_on
from .quotes import _clean_discount, _clean_money, _clean_quantity, line_total, refuse

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TERMS_DAYS = {"net7": 7, "net30": 30}


def invoice_sequence_key(year: int) -> str:
    return f"finance.invoice.{year}"


def credit_note_sequence_key(year: int) -> str:
    return f"finance.credit_note.{year}"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- drafts ---------------------------------------------------------------------------------------


def _new_draft(
    *, project: Any, by: Actor, kind: str, quote: Quote | None, **fields: Any
) -> Invoice:
    if project is None or not getattr(project, "client_id", None):
        raise refuse("client", "An invoice needs a client: make it for a job that has one.")
    invoice = Invoice(
        project=project,
        client_id=project.client_id,
        quote=quote,
        kind=kind,
        created_by=acting_user(by),
        **fields,
    )
    invoice.full_clean(exclude=["number"])
    invoice.save()
    return invoice


def _add_lines(invoice: Invoice, rows: list[dict[str, Any]]) -> list[InvoiceLine]:
    start = (invoice.lines.aggregate(m=Max("position"))["m"] or 0) + 1
    lines = []
    for offset, row in enumerate(rows):
        quantity = row["quantity"]
        unit_price = Decimal(row["unit_price"]).quantize(CENT, rounding=ROUND_HALF_UP)
        discount = row.get("discount_pct", ZERO)
        lines.append(
            InvoiceLine(
                invoice=invoice,
                position=start + offset,
                description=row["description"][:255],
                quantity=quantity,
                unit_price=unit_price,
                discount_pct=discount,
                line_total=signed_line_total(unit_price, quantity, discount),
                quote_line=row.get("quote_line"),
            )
        )
    InvoiceLine.objects.bulk_create(lines)
    return lines


def signed_line_total(unit_price: Decimal, quantity: int, discount: Decimal) -> Decimal:
    """A line's total; a negative line (less the deposit) is rounded as its positive twin."""
    total = line_total(abs(unit_price), quantity, discount)
    return -total if unit_price < 0 else total


def refresh_invoice_totals(invoice: Invoice, *, vat_rate: Decimal | None = None) -> None:
    """The invoice's totals from its lines (saved by the caller): VAT on the total excluding
    VAT, half-up to the cent. A draft's VAT rate is today's; an issued one keeps its own."""
    subtotal = sum((line.line_total for line in invoice.lines.all()), ZERO).quantize(CENT)
    if subtotal < 0:
        raise refuse(
            "lines", f"The invoice's total would be R {subtotal}: an invoice cannot be negative."
        )
    if vat_rate is not None:
        invoice.vat_rate = vat_rate
    invoice.subtotal = subtotal
    invoice.vat = vat_on(subtotal, invoice.vat_rate)
    invoice.total = subtotal + invoice.vat
    if invoice.total > MAX_MONEY:
        raise refuse("lines", f"The invoice's total would be more than R {MAX_MONEY:,}.")
    invoice.balance = invoice.total - invoice.paid - invoice.credited


def _save_totals(invoice: Invoice) -> None:
    refresh_invoice_totals(invoice, vat_rate=vat_rate_on(timezone.localdate()))
    invoice.save(update_fields=["subtotal", "vat_rate", "vat", "total", "balance"])


def _issued_deposits(quote: Quote) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            quote__number=quote.number, kind=InvoiceKind.DEPOSIT, status=InvoiceStatus.ISSUED
        ).order_by("issued_on", "id")
    )


@transaction.atomic
def invoice_from_quote(
    *,
    quote: Quote,
    by: Actor,
    kind: str = InvoiceKind.STANDARD,
    deposit_pct: Any = None,
    reference: str = "",
) -> Invoice:
    """A draft invoice from an accepted quote: its lines, the minimum-order top-up and the
    delivery (a standard invoice); a share of it (a deposit, `deposit_pct` %); or its lines less
    the deposits already invoiced (the final invoice)."""
    quote = Quote.objects.select_related("project", "client").get(pk=quote.pk)
    if quote.status != QuoteStatus.ACCEPTED:
        raise refuse(
            "quote",
            f"{quote.label} is {quote.get_status_display().lower()}: only an accepted quote is "
            "invoiced.",
        )
    if kind not in InvoiceKind.values:
        raise refuse("kind", f"{kind!r} is not a kind of invoice.")
    open_kinds = Invoice.objects.filter(quote__number=quote.number).exclude(
        status=InvoiceStatus.CREDITED
    )
    if kind != InvoiceKind.DEPOSIT and open_kinds.exclude(kind=InvoiceKind.DEPOSIT).exists():
        raise refuse("quote", f"{quote.label} already has an invoice (credit it to invoice again).")
    rows: list[dict[str, Any]]
    if kind == InvoiceKind.DEPOSIT:
        rows = [_deposit_row(quote, deposit_pct)]
    else:
        rows = _quote_rows(quote)
        if kind == InvoiceKind.FINAL:
            deposits = _issued_deposits(quote)
            if not deposits:
                raise refuse("kind", f"{quote.label} has no deposit invoice: make a plain invoice.")
            rows += [
                {
                    "description": f"Less deposit invoiced on {d.number}",
                    "quantity": 1,
                    "unit_price": -(d.subtotal - _credited_excl_vat(d)),
                }
                for d in deposits
            ]
    invoice = _new_draft(
        project=quote.project, by=by, kind=kind, quote=quote, reference=reference[:100]
    )
    _add_lines(invoice, rows)
    _save_totals(invoice)
    record_created(
        invoice,
        by=by,
        message=f"{invoice.get_kind_display().lower()} (draft) from {quote.label}",
    )
    return invoice


def _reversed(line: InvoiceLine) -> tuple[str, int, Decimal, Decimal]:
    """An invoice line as its credit note repeats it: a discounted line as one unit of its
    total, the discount said ("Bracket (3 × 100.00 less 10 %)"), so quantity × price is the
    line's total on the credit note too."""
    if not line.discount_pct:
        return line.description, line.quantity, line.unit_price, line.line_total
    said = (
        f"{line.description} ({line.quantity} × {line.unit_price} less "
        f"{line.discount_pct.normalize():f} %)"
    )
    return said[:255], 1, line.line_total, line.line_total


def _credited_excl_vat(invoice: Invoice) -> Decimal:
    return sum((cn.subtotal for cn in invoice.credit_notes.all()), ZERO)


def _quote_rows(quote: Quote) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_pct": line.discount_pct,
            "quote_line": line,
        }
        for line in quote.lines.all()
    ]
    if quote.minimum_top_up > 0:
        rows.append(
            {
                "description": f"Minimum order top-up (R {quote.minimum_per_order})",
                "quantity": 1,
                "unit_price": quote.minimum_top_up,
            }
        )
    if quote.delivery_name:
        rows.append(
            {"description": quote.delivery_name, "quantity": 1, "unit_price": quote.delivery_price}
        )
    return rows


def _deposit_row(quote: Quote, deposit_pct: Any) -> dict[str, Any]:
    pct = _clean_money(deposit_pct, "deposit_pct", what="The deposit (%)")
    if not 0 < pct < HUNDRED:
        raise refuse("deposit_pct", f"A deposit is more than 0 and less than 100 %; not {pct} %.")
    amount = (quote.total_excl_vat * pct / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "description": f"Deposit of {pct.normalize():f} % on {quote.label} ({quote.project.code})",
        "quantity": 1,
        "unit_price": amount,
    }


@transaction.atomic
def invoice_draft(*, project: Any, by: Actor, reference: str = "", notes: str = "") -> Invoice:
    """An empty draft invoice for a job, its lines to be added (the admin's form)."""
    invoice = _new_draft(
        project=project,
        by=by,
        kind=InvoiceKind.STANDARD,
        quote=None,
        reference=(reference or "")[:100],
        notes=notes or "",
    )
    _save_totals(invoice)
    record_created(invoice, by=by, message=f"invoice (draft) for {project.code}")
    return invoice


@transaction.atomic
def invoice_create(
    *, project: Any, by: Actor, lines: list[dict[str, Any]], reference: str = ""
) -> Invoice:
    """A draft invoice from a job's own lines ({description, quantity, unit_price,
    discount_pct}), for work with no quote. Every line is checked before anything is written."""
    rows = [_clean_row(row, index) for index, row in enumerate(lines, start=1)]
    if not rows:
        raise refuse("lines", "An invoice needs at least one line.")
    invoice = _new_draft(
        project=project, by=by, kind=InvoiceKind.STANDARD, quote=None, reference=reference[:100]
    )
    _add_lines(invoice, rows)
    _save_totals(invoice)
    record_created(invoice, by=by, message=f"invoice (draft) for {project.code}")
    return invoice


@transaction.atomic
def invoice_from_job_lines(*, project: Any, by: Actor, reference: str = "") -> Invoice:
    """A draft invoice of the job's own lines (catalogue products at their agreed prices), for a
    job sold from the catalogue rather than quoted from drawings."""
    lines = list(project.lines.select_related("product").order_by("pk"))
    if not lines:
        raise refuse("lines", f"{project.code} has no job lines to invoice.")
    rows = [
        {
            "description": (
                f"{line.product.sku} {line.product.name}" + (f" ({line.note})" if line.note else "")
            ),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for line in lines
    ]
    return invoice_create(project=project, by=by, lines=rows, reference=reference)


def _clean_row(row: dict[str, Any], index: int) -> dict[str, Any]:
    try:
        description = str(row.get("description") or "").strip()
        if not description:
            raise refuse("description", "Say what the line is for.")
        return {
            "description": description,
            "quantity": _clean_quantity(row.get("quantity")),
            "unit_price": _clean_money(row.get("unit_price"), "unit_price", what="The unit price"),
            "discount_pct": _clean_discount(row.get("discount_pct")),
        }
    except ValidationError as exc:
        messages = {f: [f"Line {index}: {m}" for m in ms] for f, ms in exc.message_dict.items()}
        raise ValidationError(messages) from None


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update().select_related("client", "project").get(pk=invoice.pk)
    )


def _locked_draft(invoice: Invoice) -> Invoice:
    current = _locked(invoice)
    if current.status != InvoiceStatus.DRAFT:
        raise ValidationError(
            f"{current.label} is issued: an issued invoice is never changed or deleted. "
            "Make a credit note to reverse it."
        )
    return current


@transaction.atomic
def invoice_line_add(*, invoice: Invoice, by: Actor, **row: Any) -> InvoiceLine:
    """Add a line to a draft invoice."""
    current = _locked_draft(invoice)
    (line,) = _add_lines(current, [_clean_row(row, current.lines.count() + 1)])
    _save_totals(current)
    record_created(line, by=by, message=f"line {line.position} of {current.label}")
    _copy(invoice, current)
    return line


@transaction.atomic
def invoice_refresh(*, invoice: Invoice, by: Actor) -> Invoice:
    """After a draft's lines were edited (the admin's inline): each line's total and the
    invoice's totals worked out again."""
    current = _locked_draft(invoice)
    for line in current.lines.all():
        total = signed_line_total(line.unit_price, line.quantity, line.discount_pct)
        if total != line.line_total:
            line.line_total = total
            line.save(update_fields=["line_total"])
    _save_totals(current)
    _copy(invoice, current)
    return current


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice, by: Actor) -> None:
    current = _locked_draft(invoice)
    record(
        action=ActivityLog.Action.DELETE,
        obj=current,
        message=f"draft invoice for {current.project.code} deleted",
        user=by,
    )
    current.delete()


def _copy(target: Invoice, source: Invoice) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# --- issue ----------------------------------------------------------------------------------------


def due_date(issued_on: dt.date, terms: str) -> dt.date:
    """The client's terms from the issue date: 7 or 30 days; on issue for the others."""
    return issued_on + dt.timedelta(days=TERMS_DAYS.get(terms, 0))


def invoice_message_fields(invoice: Invoice) -> dict[str, Any]:
    """What comms' templates may say of an invoice ({{ invoice.code }}, total, balance, due)."""
    from ..pricing.engine import rand

    return {
        "code": invoice.label,
        "total": rand(invoice.total),
        "balance": rand(invoice.balance),
        "due_date": invoice.due_on,
    }


def invoice_email(*, invoice: Invoice, pdf: bytes) -> None:
    """The client's Invoice Sent e-mail with the issued PDF (once per invoice: comms keys it by
    the number). Called by the worker once the PDF is stored."""
    from comms.services import invoice_issued

    invoice_issued(
        job=invoice.project,
        invoice=invoice_message_fields(invoice),
        document=invoice,
        pdf=pdf,
    )


def payment_reminders(*, today: dt.date | None = None) -> int:
    """Daily: a Payment Reminder for each overdue invoice on the days after its due date that
    COMMS_PAYMENT_REMINDER_DAYS lists (once per invoice and day). Returns how many went."""
    from comms.services import payment_reminder

    today = _today(today)
    sent = 0
    for invoice in Invoice.objects.overdue(today).select_related("project__client"):
        message = payment_reminder(
            job=invoice.project,
            invoice=invoice_message_fields(invoice),
            document=invoice,
            today=today,
        )
        sent += message is not None
    return sent


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by: Actor, today: dt.date | None = None) -> Invoice:
    """Issue a draft: its number, date, due date, the VAT rate of the date, the client's
    details as printed. Then the client's credit for this job (what they paid before it was
    invoiced) is allocated to it."""
    current = _locked_draft(invoice)
    issued_on = _today(today)
    if not current.lines.exists():
        raise refuse("lines", "An invoice with no lines cannot be issued.")
    for line in current.lines.all():
        if line.unit_price is None:
            raise refuse("lines", f"Line {line.position} has no price.")
    refresh_invoice_totals(current, vat_rate=vat_rate_on(issued_on))
    if current.total <= 0:
        raise refuse("lines", "An invoice for R 0.00 is not issued: it has nothing to pay.")
    client = current.client
    current.client_name = client.name
    current.client_address = client.address
    current.client_vat_number = client.vat_number
    current.issued_on = issued_on
    current.due_on = due_date(issued_on, client.payment_terms)
    current.status = InvoiceStatus.ISSUED
    year = issued_on.year
    current.number = f"INV-{year}-{next_number(invoice_sequence_key(year)):04d}"
    current.save()
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes={
            "status": [InvoiceStatus.DRAFT, InvoiceStatus.ISSUED],
            "number": [None, current.number],
            "total": [None, str(current.total)],
        },
        message=f"issued {current.number} for {current.project.code}",
        user=by,
    )
    from .payments import apply_job_credit

    apply_job_credit(invoice=current, by=by)
    record_event(
        type="invoice.issued",
        payload={
            "project_id": current.project_id,
            "project_code": current.project.code,
            "client_code": client.code,
            "invoice_id": current.pk,
            "invoice_code": current.number,
            "total": current.total,
            "balance": current.balance,
            "due_date": current.due_on,
        },
    )
    enqueue_on_commit("finance.tasks.store_issued_pdf", "invoice", current.pk)
    _copy(invoice, current)
    return current


# --- credit notes ---------------------------------------------------------------------------------


CreditRow = tuple[str, int, Decimal, Decimal]  # description, quantity, unit price, line total


@transaction.atomic
def credit_note_create(
    *,
    invoice: Invoice,
    by: Actor,
    reason: str,
    amount_excl_vat: Any = None,
    today: dt.date | None = None,
) -> CreditNote:
    """A credit note against an issued invoice: all that is left of it (its lines, reversed), or
    `amount_excl_vat` of it. It takes the invoice's VAT rate. What the client had paid beyond
    what is left to pay becomes their credit."""
    current = _locked(invoice)
    _check_creditable(current, reason)
    rows, subtotal = _credit_rows(current, amount_excl_vat, reason.strip())
    note = _write_credit_note(current, rows, subtotal, reason=reason.strip(), by=by, today=today)
    _apply_credit(current, note, by=by)
    _copy(invoice, current)
    return note


def _check_creditable(current: Invoice, reason: str) -> None:
    if current.status != InvoiceStatus.ISSUED:
        raise refuse(
            "invoice",
            f"{current.label} is {current.get_status_display().lower()}: only an issued invoice "
            "is credited (a draft is simply changed or deleted).",
        )
    if not (reason or "").strip():
        raise refuse("reason", "Say why the invoice is credited.")


def _credit_rows(current: Invoice, amount: Any, reason: str) -> tuple[list[CreditRow], Decimal]:
    """The credit note's lines and total excl. VAT: the invoice's lines reversed (or one line for
    what is left after an earlier part credit), or one line of `amount`."""
    left_excl = current.subtotal - _credited_excl_vat(current)
    if left_excl <= 0:
        raise refuse("invoice", f"{current.number} is already credited in full.")
    if amount in (None, ""):
        if left_excl == current.subtotal:
            return [_reversed(line) for line in current.lines.all()], left_excl
        return [(f"Credit of the rest of {current.number}", 1, left_excl, left_excl)], left_excl
    subtotal = _clean_money(amount, "amount_excl_vat", what="The amount")
    subtotal = subtotal.quantize(CENT, rounding=ROUND_HALF_UP)
    if subtotal <= 0:
        raise refuse("amount_excl_vat", "A credit note is for more than R 0.00.")
    if subtotal > left_excl:
        raise refuse(
            "amount_excl_vat",
            f"At most R {left_excl} excl. VAT is left to credit on {current.number}.",
        )
    return [(f"Credit on {current.number}: {reason}"[:255], 1, subtotal, subtotal)], subtotal


def _write_credit_note(
    current: Invoice,
    rows: list[CreditRow],
    subtotal: Decimal,
    *,
    reason: str,
    by: Actor,
    today: dt.date | None,
) -> CreditNote:
    """The numbered credit note and its lines, at the invoice's VAT rate; crediting all that is
    left takes what is left to the cent."""
    left_excl = current.subtotal - _credited_excl_vat(current)
    total = (
        current.total - current.credited
        if subtotal == left_excl
        else subtotal + vat_on(subtotal, current.vat_rate)
    )
    issued_on = _today(today)
    year = issued_on.year
    note = CreditNote.objects.create(
        number=f"CN-{year}-{next_number(credit_note_sequence_key(year)):04d}",
        invoice=current,
        client_id=current.client_id,
        issued_on=issued_on,
        reason=reason[:255],
        subtotal=subtotal,
        vat_rate=current.vat_rate,
        vat=total - subtotal,
        total=total,
        created_by=acting_user(by),
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            position=position,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            line_total=line_total_,
        )
        for position, (description, quantity, unit_price, line_total_) in enumerate(rows, 1)
    )
    record_created(note, by=by, message=f"{note.number} credits {current.number}: {note.reason}")
    enqueue_on_commit("finance.tasks.store_issued_pdf", "credit_note", note.pk)
    return note


def _apply_credit(current: Invoice, note: CreditNote, *, by: Actor) -> None:
    """The invoice credited by the note (all of it: Credited); what was paid beyond what is
    left goes back to the client as credit."""
    from .payments import release_overpaid, settle

    current.credited += note.total
    if current.credited >= current.total:
        current.status = InvoiceStatus.CREDITED
    settle(current)
    current.save(update_fields=["credited", "status", "balance", "payment_state"])
    release_overpaid(invoice=current, by=by)
