"""Accounting exports: issued invoices, credit notes and payments as CSV files that Xero and Sage
Business Cloud Accounting import, so the bookkeeper does not type the shop's sales in again.

Where the layouts come from (read 2026-12; check again when an import is refused):

- **Xero, sales invoices and credit notes**: Xero's sales-invoice import template
  (Business > Invoices > Import > "Download template", the file SalesInvoiceTemplate.csv),
  29 columns in `XERO_INVOICE_HEADER`, the required ones starred as in the template. Xero's help
  ("Import invoices", Xero Central) says: one row per invoice line, the rows of one invoice share
  its InvoiceNumber; dates DD/MM/YYYY; UnitAmount all tax exclusive or all inclusive, chosen when
  importing (ours are **tax exclusive**: choose "Tax exclusive" on the import screen); AccountCode
  the code of an account in the chart; TaxType the tax rate's name as Xero shows it (Settings >
  Tax rates). Total and TaxAmount are worked out by Xero when left empty; we leave Total empty
  and give TaxAmount, each line's share of the document's VAT, because the shop works out VAT on
  the invoice's total (finance.services.invoices) and Xero line by line, which can differ by a
  cent: the shares add up to the VAT on the tax invoice (the rounding cent goes on the largest
  line).
  Credit notes go in the same template: a document whose lines add up to a negative total is
  imported as a credit note (our reading of Xero's help; a third-party guide describes a separate
  template with CreditNoteNumber instead; import one credit note by hand before the first batch).
  So a credit note's rows carry its own number (CN-...) as InvoiceNumber, the invoice it credits
  as Reference, its date as both dates, its lines' quantities as they are and their unit amounts
  and tax negative.
- **Sage Business Cloud Accounting**: Sage Accounting imports sales only as *quick entries*
  (invoices and credit notes that are not printed; Sales > Quick Entries > New Quick Entry >
  Import Quick Entries), "Sales quick entry file format - VAT registered" on Sage's help
  (help.accounting.sage.com, en-gb "Import a batch of sales or purchase entries"; Sage's
  knowledge base says sales invoices themselves cannot be imported). One row a document, 14
  columns in `SAGE_QUICK_ENTRY_HEADER`: Type "Invoice" or "Cr Note", the customer's account
  reference (at most 10 characters: the client's code, CL-0001; the customer must already exist
  in Sage with that reference), the date as **DD-MM-YYYY** (Sage's format, not slashes), the
  customer's name (at most 50), Reference (at most 25: our number), Ledger Account (at most 8
  digits), Details (only the first 25 characters are kept by Sage), Net, VAT Rate (the rate's
  name: Standard, Zero Rated, Lower Rate, Exempt or No VAT on the UK edition), VAT and Total,
  positive for credit notes too (the Type says which way). The South African edition's own
  import is not documented in what we could read (its knowledge base documents bank-statement
  imports); the VAT rate's name is a setting for that reason.
- **Payments**: neither product imports a customer receipt against an invoice from CSV (Xero's
  invoice template has no payment columns; Sage's list of imports has no receipts), so payments
  are a plain CSV of ours, one row per invoice a payment settles (a payment split over two
  invoices is two rows with one bank reference; what is kept as the client's credit is a row
  with no invoice), with the bank account's code from the settings, for recording the receipts
  by hand (Xero: the invoice's "Receive a payment"; Sage: Banking > Customer Receipt) or for
  matching the bank lines. Its Date, Amount, Payee, Description and Reference are the columns
  Xero's bank-statement import maps.

Rules every file follows: drafts are never exported (they are not in the books); money is a
Decimal to the cent written as plain text ("-100.00", never a float or a thousands separator);
dates in the target's format; UTF-8 **without** a byte-order mark (an importer reads a BOM as part
of the first heading); every cell through laseros.export.safe_cell, so text a spreadsheet would
run as a formula ("=HYPERLINK(...)", typed by a client as a reference) gets a leading apostrophe,
while numbers (negative ones too) pass as they are. Rows are generated one at a time
(`csv_lines`), each query set read in chunks with its lines prefetched: an export's queries do not
grow with its rows.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet

from laseros.export import safe_cell

from .models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)

CENT = Decimal("0.01")
CHUNK = 500


class Layout(StrEnum):
    XERO = "xero"
    SAGE = "sage"


class Documents(StrEnum):
    INVOICES = "invoices"
    CREDIT_NOTES = "credit-notes"
    PAYMENTS = "payments"


# Which invoices --status selects; a draft is in none of them.
INVOICE_STATUSES: dict[str, tuple[str, ...]] = {
    "issued": (InvoiceStatus.ISSUED,),
    "credited": (InvoiceStatus.CREDITED,),
    "all": (InvoiceStatus.ISSUED, InvoiceStatus.CREDITED),
}

XERO_INVOICE_HEADER = [
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "Total",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TaxAmount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
]
XERO_PAYMENT_HEADER = [
    "Date",
    "Amount",
    "Payee",
    "Description",
    "Reference",
    "InvoiceNumber",
    "BankAccountCode",
]
SAGE_QUICK_ENTRY_HEADER = [
    "Type",
    "Customer Reference",
    "Date",
    "Customer Name",
    "Reference",
    "Ledger Account",
    "Details",
    "Net",
    "VAT Rate",
    "VAT",
    "Total",
    "Analysis Type 1",
    "Analysis Type 2",
    "Analysis Type 3",
]
SAGE_PAYMENT_HEADER = [
    "Date",
    "Customer Reference",
    "Customer Name",
    "Reference",
    "Invoice Reference",
    "Amount",
    "Bank Account",
    "Details",
]
XERO_ADDRESS_LINES = 4
SAGE_NAME_MAX = 50
SAGE_DETAILS_MAX = 255


def xero_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def sage_date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def money(value: Decimal) -> Decimal:
    """To the cent, never -0.00; csv writes it as plain text ("1234.50")."""
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return value if value else Decimal("0.00")


@dataclass(frozen=True)
class Codes:
    """The target's account codes and tax names (settings, read when the file is made)."""

    sales_account: str
    tax_rate: str
    bank_account: str


def xero_codes() -> Codes:
    return Codes(
        sales_account=settings.ACCOUNTING_XERO_SALES_ACCOUNT_CODE,
        tax_rate=settings.ACCOUNTING_XERO_TAX_TYPE,
        bank_account=settings.ACCOUNTING_XERO_BANK_ACCOUNT_CODE,
    )


def sage_codes() -> Codes:
    return Codes(
        sales_account=settings.ACCOUNTING_SAGE_LEDGER_ACCOUNT,
        tax_rate=settings.ACCOUNTING_SAGE_VAT_RATE,
        bank_account=settings.ACCOUNTING_SAGE_BANK_ACCOUNT,
    )


# --- what is exported -----------------------------------------------------------------------------


def invoices_for_export(
    queryset: QuerySet[Invoice] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "all",
) -> QuerySet[Invoice]:
    """Issued (and credited) invoices, by issue date, with what their rows read; never drafts."""
    found = Invoice.objects.all() if queryset is None else queryset
    found = found.filter(status__in=INVOICE_STATUSES[status])
    if date_from:
        found = found.filter(issued_on__gte=date_from)
    if date_to:
        found = found.filter(issued_on__lte=date_to)
    return (
        found.select_related("client", "project")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")))
        .order_by("issued_on", "number")
    )


def credit_notes_for_export(
    queryset: QuerySet[CreditNote] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[CreditNote]:
    """Credit notes by date, each with the invoice it credits (whose client details it uses)."""
    found = CreditNote.objects.all() if queryset is None else queryset
    if date_from:
        found = found.filter(issued_on__gte=date_from)
    if date_to:
        found = found.filter(issued_on__lte=date_to)
    return (
        found.select_related("client", "invoice", "invoice__project")
        .prefetch_related(Prefetch("lines", queryset=CreditNoteLine.objects.order_by("position")))
        .order_by("issued_on", "number")
    )


def payments_for_export(
    queryset: QuerySet[Payment] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Payment]:
    """Payments by the day they were received, with the invoices they settle."""
    found = Payment.objects.all() if queryset is None else queryset
    if date_from:
        found = found.filter(received_on__gte=date_from)
    if date_to:
        found = found.filter(received_on__lte=date_to)
    allocations = PaymentAllocation.objects.select_related("invoice").order_by("id")
    return (
        found.select_related("client")
        .prefetch_related(Prefetch("allocations", queryset=allocations))
        .order_by("received_on", "id")
    )


def _each(queryset: QuerySet[Any]) -> Iterator[Any]:
    return queryset.iterator(chunk_size=CHUNK)


# --- shared pieces --------------------------------------------------------------------------------


def vat_shares(line_totals: Sequence[Decimal], rate: Decimal, vat: Decimal) -> list[Decimal]:
    """Each line's VAT, half-up to the cent, adding up to the document's `vat` (worked out on its
    total): what rounding leaves over goes on the largest line."""
    shares = [money(total * rate) for total in line_totals]
    left = vat - sum(shares, Decimal("0.00"))
    if left and shares:
        largest = max(range(len(shares)), key=lambda i: abs(line_totals[i]))
        shares[largest] = money(shares[largest] + left)
    return shares


def address_lines(address: str, count: int = XERO_ADDRESS_LINES) -> list[str]:
    """A free-text address as `count` lines: blank lines dropped, the rest of a longer one
    joined onto the last ("Unit 4, Dock Rd"). City, region and postal code are not guessed."""
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if len(lines) > count:
        lines = lines[: count - 1] + [", ".join(lines[count - 1 :])]
    return lines + [""] * (count - len(lines))


def _pct(value: Decimal) -> Decimal | str:
    return money(value) if value else ""


# --- Xero -----------------------------------------------------------------------------------------


def _xero_row(
    *,
    name: str,
    email: str,
    address: str,
    number: str,
    reference: str,
    issued: dt.date,
    due: dt.date,
    description: str,
    quantity: int,
    unit_amount: Decimal,
    discount: Decimal,
    tax: Decimal,
    codes: Codes,
) -> list[Any]:
    return [
        name,
        email,
        *address_lines(address),
        "",  # POCity
        "",  # PORegion
        "",  # POPostalCode
        "",  # POCountry
        number,
        reference,
        xero_date(issued),
        xero_date(due),
        "",  # Total: Xero adds it up
        "",  # InventoryItemCode
        description,
        quantity,
        money(unit_amount),
        _pct(discount),
        codes.sales_account,
        codes.tax_rate,
        money(tax),
        "",
        "",
        "",
        "",
        settings.SHOP_CURRENCY,
        "",  # BrandingTheme: the organisation's default
    ]


def xero_invoice_rows(invoices: QuerySet[Invoice]) -> Iterator[list[Any]]:
    """One row per line of each invoice, in Xero's sales-invoice template."""
    codes = xero_codes()
    for invoice in _each(invoices):
        assert invoice.issued_on and invoice.number, f"{invoice.label} is not issued"
        lines = list(invoice.lines.all())
        taxes = vat_shares([line.line_total for line in lines], invoice.vat_rate, invoice.vat)
        for line, tax in zip(lines, taxes, strict=True):
            yield _xero_row(
                name=invoice.client_name,
                email=invoice.client.email,
                address=invoice.client_address,
                number=invoice.number,
                reference=invoice.reference,
                issued=invoice.issued_on,
                due=invoice.due_on or invoice.issued_on,
                description=line.description,
                quantity=line.quantity,
                unit_amount=line.unit_price,
                discount=line.discount_pct,
                tax=tax,
                codes=codes,
            )


def xero_credit_note_rows(notes: QuerySet[CreditNote]) -> Iterator[list[Any]]:
    """One row per line of each credit note, in the same template, the amounts negative (a
    document that adds up to less than nothing is a credit note to Xero)."""
    codes = xero_codes()
    for note in _each(notes):
        invoice = note.invoice
        lines = list(note.lines.all())
        taxes = vat_shares([line.line_total for line in lines], note.vat_rate, note.vat)
        for line, tax in zip(lines, taxes, strict=True):
            description, quantity, unit_amount = _credited_line(line)
            yield _xero_row(
                name=invoice.client_name,
                email=note.client.email,
                address=invoice.client_address,
                number=note.number,
                reference=invoice.number or "",
                issued=note.issued_on,
                due=note.issued_on,
                description=description,
                quantity=quantity,
                unit_amount=-unit_amount,
                discount=Decimal(0),
                tax=-tax,
                codes=codes,
            )


def _credited_line(line: CreditNoteLine) -> tuple[str, int, Decimal]:
    """(description, quantity, unit amount) that Xero multiplies out to the line's total. A line
    credited from a discounted invoice line keeps its quantity and price but not the discount
    (3 × 100.00 for 270.00): it goes as one of its total, the quantity and price said in words."""
    if money(line.quantity * line.unit_price) == line.line_total:
        return line.description, line.quantity, line.unit_price
    said = f"{line.description} ({line.quantity} × {money(line.unit_price)})"
    return said, 1, line.line_total


def _payment_parts(payment: Payment) -> Iterator[tuple[Invoice | None, Decimal]]:
    """(invoice, amount) for each invoice the payment settles, then (None, the client's credit)."""
    for allocation in payment.allocations.all():
        yield allocation.invoice, allocation.amount
    if payment.unallocated > 0:
        yield None, payment.unallocated


def _payment_words(payment: Payment, invoice: Invoice | None) -> str:
    what = f"for {invoice.number}" if invoice else "kept as the client's credit"
    return f"{payment.get_method_display()} received {what}"


def xero_payment_rows(payments: QuerySet[Payment]) -> Iterator[list[Any]]:
    codes = xero_codes()
    for payment in _each(payments):
        for invoice, amount in _payment_parts(payment):
            yield [
                xero_date(payment.received_on),
                money(amount),
                payment.client.name,
                _payment_words(payment, invoice),
                payment.reference,
                invoice.number if invoice else "",
                codes.bank_account,
            ]


# --- Sage -----------------------------------------------------------------------------------------


def _sage_row(
    *,
    kind: str,
    client_code: str,
    day: dt.date,
    name: str,
    number: str,
    details: str,
    net: Decimal,
    vat: Decimal,
    total: Decimal,
    codes: Codes,
) -> list[Any]:
    return [
        kind,
        client_code,
        sage_date(day),
        name[:SAGE_NAME_MAX],
        number,
        codes.sales_account,
        details[:SAGE_DETAILS_MAX],
        money(net),
        codes.tax_rate,
        money(vat),
        money(total),
        "",
        "",
        "",
    ]


def sage_invoice_rows(invoices: QuerySet[Invoice]) -> Iterator[list[Any]]:
    """One quick entry per invoice: its totals as the tax invoice states them."""
    codes = sage_codes()
    for invoice in _each(invoices):
        assert invoice.issued_on and invoice.number, f"{invoice.label} is not issued"
        details = invoice.project.code
        if invoice.reference:
            details += f" order {invoice.reference}"
        yield _sage_row(
            kind="Invoice",
            client_code=invoice.client.code,
            day=invoice.issued_on,
            name=invoice.client_name,
            number=invoice.number,
            details=details,
            net=invoice.subtotal,
            vat=invoice.vat,
            total=invoice.total,
            codes=codes,
        )


def sage_credit_note_rows(notes: QuerySet[CreditNote]) -> Iterator[list[Any]]:
    """One "Cr Note" quick entry per credit note, its amounts positive."""
    codes = sage_codes()
    for note in _each(notes):
        yield _sage_row(
            kind="Cr Note",
            client_code=note.client.code,
            day=note.issued_on,
            name=note.invoice.client_name,
            number=note.number,
            details=f"Credit on {note.invoice.number}: {note.reason}",
            net=note.subtotal,
            vat=note.vat,
            total=note.total,
            codes=codes,
        )


def sage_payment_rows(payments: QuerySet[Payment]) -> Iterator[list[Any]]:
    codes = sage_codes()
    for payment in _each(payments):
        for invoice, amount in _payment_parts(payment):
            yield [
                sage_date(payment.received_on),
                payment.client.code,
                payment.client.name[:SAGE_NAME_MAX],
                payment.reference,
                invoice.number if invoice else "",
                money(amount),
                codes.bank_account,
                _payment_words(payment, invoice),
            ]


# --- choosing and writing -------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    header: list[str]
    rows: Callable[[QuerySet[Any]], Iterator[list[Any]]]


EXPORTS: dict[tuple[Layout, Documents], Export] = {
    (Layout.XERO, Documents.INVOICES): Export(XERO_INVOICE_HEADER, xero_invoice_rows),
    (Layout.XERO, Documents.CREDIT_NOTES): Export(XERO_INVOICE_HEADER, xero_credit_note_rows),
    (Layout.XERO, Documents.PAYMENTS): Export(XERO_PAYMENT_HEADER, xero_payment_rows),
    (Layout.SAGE, Documents.INVOICES): Export(SAGE_QUICK_ENTRY_HEADER, sage_invoice_rows),
    (Layout.SAGE, Documents.CREDIT_NOTES): Export(SAGE_QUICK_ENTRY_HEADER, sage_credit_note_rows),
    (Layout.SAGE, Documents.PAYMENTS): Export(SAGE_PAYMENT_HEADER, sage_payment_rows),
}
DOCUMENT_MODELS: dict[type[Model], Documents] = {
    Invoice: Documents.INVOICES,
    CreditNote: Documents.CREDIT_NOTES,
    Payment: Documents.PAYMENTS,
}


def documents_for_export(
    what: Documents,
    queryset: QuerySet[Any] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "all",
) -> QuerySet[Any]:
    """What `what` exports from `queryset` (default: all of them) in the dates, never a draft.
    `status` chooses invoices; the others have none."""
    if what == Documents.INVOICES:
        return invoices_for_export(queryset, date_from=date_from, date_to=date_to, status=status)
    if what == Documents.CREDIT_NOTES:
        return credit_notes_for_export(queryset, date_from=date_from, date_to=date_to)
    return payments_for_export(queryset, date_from=date_from, date_to=date_to)


class _Line:
    """csv.writer's file: hands back what it writes, one row at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file one line at a time (no BOM, CRLF line ends as csv writes them), every cell
    through safe_cell."""
    writer = csv.writer(_Line())
    yield writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def export_lines(layout: Layout, what: Documents, documents: QuerySet[Any]) -> Iterator[str]:
    """The CSV lines of `documents` (from documents_for_export) in `layout`."""
    export = EXPORTS[(layout, what)]
    return csv_lines(export.header, export.rows(documents))
