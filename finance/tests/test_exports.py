"""Accounting exports: issued invoices, credit notes and payments as the CSV files Xero and Sage
Accounting import (finance.exports); the command and the admin actions that make them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings

from finance.export_admin import export_sage, export_xero
from finance.exports import (
    Documents,
    Layout,
    address_lines,
    documents_for_export,
    export_lines,
    vat_shares,
)
from finance.models import CreditNote, Invoice, InvoiceStatus, Payment
from finance.services.invoices import credit_note_create, invoice_create, invoice_issue
from finance.services.payments import payment_record
from laseros.testing import count_queries

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)

# Xero's sales-invoice template, written out by hand so a slip in the code cannot hide itself.
XERO_HEADER = [
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
SAGE_HEADER = [
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


@pytest.fixture
def client_job(job):
    """The job's client, on 30 days, with a three-line address and an e-mail address."""
    client = job.client
    client.name = "Dockside Steel (Pty) Ltd"
    client.email = "accounts@dockside.example"
    client.address = "Unit 4, 12 Dock Road\nCongella\nDurban 4001"
    client.payment_terms = "net30"
    client.save()
    return job


def _issued(job, lines, *, today=DAY, reference=""):
    draft = invoice_create(project=job, by=None, lines=lines, reference=reference)
    return invoice_issue(invoice=draft, by=None, today=today)


TWO_LINES = [
    {"description": "Base plate 200 x 200, 10 mm MS", "quantity": 3, "unit_price": "100"},
    # 33.33 less 10 % = 29.997 -> 30.00
    {"description": "Bracket", "quantity": 1, "unit_price": "33.33", "discount_pct": "10"},
]


@pytest.fixture
def invoice(client_job):
    """INV-2026-0001 of 2 Nov 2026: R 330.00 + R 49.50 VAT = R 379.50, due 2 Dec."""
    return _issued(client_job, TWO_LINES, reference="PO 4711")


def _read(lines) -> list[list[str]]:
    text = "".join(lines)
    return list(csv.reader(io.StringIO(text, newline="")))


def _export(layout, what, **filters):
    return _read(export_lines(layout, what, documents_for_export(what, **filters)))


def _dicts(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def _command(*args) -> list[list[str]]:
    out = io.StringIO()
    call_command("export_accounts", *args, stdout=out)
    return _read([out.getvalue()])


def test_an_issued_invoice_is_a_row_per_line_in_xeros_template(invoice):
    rows = _export(Layout.XERO, Documents.INVOICES)
    assert rows[0] == XERO_HEADER
    first, second = _dicts(rows)
    assert first == {
        "*ContactName": "Dockside Steel (Pty) Ltd",
        "EmailAddress": "accounts@dockside.example",
        "POAddressLine1": "Unit 4, 12 Dock Road",
        "POAddressLine2": "Congella",
        "POAddressLine3": "Durban 4001",
        "POAddressLine4": "",
        "POCity": "",
        "PORegion": "",
        "POPostalCode": "",
        "POCountry": "",
        "*InvoiceNumber": "INV-2026-0001",
        "Reference": "PO 4711",
        "*InvoiceDate": "02/11/2026",
        "*DueDate": "02/12/2026",
        "Total": "",
        "InventoryItemCode": "",
        "*Description": "Base plate 200 x 200, 10 mm MS",
        "*Quantity": "3",
        "*UnitAmount": "100.00",
        "Discount": "",
        "*AccountCode": "200",
        "*TaxType": "Standard Rate Sales",
        "TaxAmount": "45.00",
        "TrackingName1": "",
        "TrackingOption1": "",
        "TrackingName2": "",
        "TrackingOption2": "",
        "Currency": "ZAR",
        "BrandingTheme": "",
    }
    assert (second["*InvoiceNumber"], second["*Description"], second["*Quantity"]) == (
        "INV-2026-0001",
        "Bracket",
        "1",
    )
    assert (second["*UnitAmount"], second["Discount"], second["TaxAmount"]) == (
        "33.33",
        "10.00",
        "4.50",
    )
    # what Xero adds up is what the tax invoice says
    assert sum(Decimal(r["TaxAmount"]) for r in (first, second)) == invoice.vat == Decimal("49.50")


@override_settings(ACCOUNTING_XERO_SALES_ACCOUNT_CODE="4000", ACCOUNTING_XERO_TAX_TYPE="15% (VAT)")
def test_the_account_code_and_tax_type_are_the_settings(invoice):
    rows = _dicts(_export(Layout.XERO, Documents.INVOICES))
    assert {(r["*AccountCode"], r["*TaxType"]) for r in rows} == {("4000", "15% (VAT)")}


def test_line_vat_shares_add_up_to_the_vat_worked_out_on_the_total():
    # three lines of R 0.10 at 15 %: 0.02 each by line would be 0.06; the invoice says 0.05
    shares = vat_shares([Decimal("0.10")] * 3, Decimal("0.15"), Decimal("0.05"))
    assert shares == [Decimal("0.01"), Decimal("0.02"), Decimal("0.02")]
    # R 500.20 at 15 % is 75.03; line by line 0.02 + 75.00 + 0.02 = 75.04: the largest line gives
    shares = vat_shares(
        [Decimal("0.10"), Decimal("500.00"), Decimal("0.10")], Decimal("0.15"), Decimal("75.03")
    )
    assert shares == [Decimal("0.02"), Decimal("74.99"), Decimal("0.02")]


def test_a_long_address_keeps_every_line_and_blank_lines_are_dropped():
    assert address_lines("A\n\n B \nC\nD\nE") == ["A", "B", "C", "D, E"]
    assert address_lines("") == ["", "", "", ""]


def test_a_credit_note_goes_in_xeros_template_with_negative_amounts(invoice):
    note = credit_note_create(
        invoice=invoice, by=None, reason="Wrong thickness", today=DAY + dt.timedelta(days=5)
    )
    rows = _dicts(_export(Layout.XERO, Documents.CREDIT_NOTES))
    assert [r["*InvoiceNumber"] for r in rows] == ["CN-2026-0001", "CN-2026-0001"]
    assert {r["Reference"] for r in rows} == {"INV-2026-0001"}
    assert {(r["*InvoiceDate"], r["*DueDate"]) for r in rows} == {("07/11/2026", "07/11/2026")}
    # the bracket was 33.33 less 10 %: the credit note says so and credits one of 30.00
    assert [(r["*Quantity"], r["*UnitAmount"]) for r in rows] == [("3", "-100.00"), ("1", "-30.00")]
    assert rows[1]["*Description"] == "Bracket (1 × 33.33 less 10 %)"
    assert rows[0]["*ContactName"] == "Dockside Steel (Pty) Ltd"
    assert rows[0]["POAddressLine3"] == "Durban 4001"
    # what Xero adds up is less than nothing, by the credit note's total
    net = sum(Decimal(r["*Quantity"]) * Decimal(r["*UnitAmount"]) for r in rows)
    tax = sum(Decimal(r["TaxAmount"]) for r in rows)
    assert (net, tax, net + tax) == (-note.subtotal, -note.vat, -note.total)
    assert note.total == Decimal("379.50")


def test_a_part_credit_is_one_negative_line(invoice):
    credit_note_create(invoice=invoice, by=None, reason="Late", amount_excl_vat="50", today=DAY)
    (row,) = _dicts(_export(Layout.XERO, Documents.CREDIT_NOTES))
    assert (row["*Quantity"], row["*UnitAmount"], row["TaxAmount"]) == ("1", "-50.00", "-7.50")


def test_sage_takes_one_quick_entry_per_invoice_and_credit_note(invoice):
    credit_note_create(invoice=invoice, by=None, reason="Wrong thickness", today=DAY)
    rows = _export(Layout.SAGE, Documents.INVOICES)
    assert rows[0] == SAGE_HEADER
    (entry,) = _dicts(rows)
    assert entry == {
        "Type": "Invoice",
        "Customer Reference": invoice.client.code,
        "Date": "02-11-2026",
        "Customer Name": "Dockside Steel (Pty) Ltd",
        "Reference": "INV-2026-0001",
        "Ledger Account": "4000",
        "Details": f"{invoice.project.code} order PO 4711",
        "Net": "330.00",
        "VAT Rate": "Standard",
        "VAT": "49.50",
        "Total": "379.50",
        "Analysis Type 1": "",
        "Analysis Type 2": "",
        "Analysis Type 3": "",
    }
    (credit,) = _dicts(_export(Layout.SAGE, Documents.CREDIT_NOTES))
    assert (credit["Type"], credit["Reference"], credit["Date"]) == (
        "Cr Note",
        "CN-2026-0001",
        "02-11-2026",
    )
    assert (credit["Net"], credit["VAT"], credit["Total"]) == ("330.00", "49.50", "379.50")
    assert credit["Details"].startswith("Credit on INV-2026-0001")


@override_settings(ACCOUNTING_SAGE_LEDGER_ACCOUNT="1000", ACCOUNTING_SAGE_VAT_RATE="Standard Rate")
def test_sages_ledger_account_and_vat_rate_are_the_settings(invoice):
    (entry,) = _dicts(_export(Layout.SAGE, Documents.INVOICES))
    assert (entry["Ledger Account"], entry["VAT Rate"]) == ("1000", "Standard Rate")


def test_a_formula_typed_by_a_person_is_neutralised_and_numbers_stay_numbers(client_job):
    invoice = _issued(
        client_job,
        [
            {
                "description": '=HYPERLINK("http://x.example","Pay")',
                "quantity": 1,
                "unit_price": "50",
            }
        ],
        reference="@SUM(A1)",
    )
    (row,) = _dicts(_export(Layout.XERO, Documents.INVOICES))
    assert row["*Description"] == '\'=HYPERLINK("http://x.example","Pay")'
    assert row["Reference"] == "'@SUM(A1)"
    credit_note_create(invoice=invoice, by=None, reason="-1+1 cmd", today=DAY)
    (credit,) = _dicts(_export(Layout.XERO, Documents.CREDIT_NOTES))
    assert credit["*Description"] == '\'=HYPERLINK("http://x.example","Pay")'
    # a negative amount is a number, not a formula: no apostrophe
    assert (credit["*UnitAmount"], credit["TaxAmount"]) == ("-50.00", "-7.50")
    (sage,) = _dicts(_export(Layout.SAGE, Documents.CREDIT_NOTES))
    assert sage["Details"] == f"Credit on {invoice.number}: -1+1 cmd"


def _three_invoices(job):
    """Issued 23 Oct, 2 Nov (then credited in full) and 12 Nov; and a draft."""
    line = [{"description": "Cutting", "quantity": 1, "unit_price": "100"}]
    before = _issued(job, line, today=DAY - dt.timedelta(days=10))
    credited = _issued(job, line, today=DAY)
    credit_note_create(invoice=credited, by=None, reason="Cancelled", today=DAY)
    after = _issued(job, line, today=DAY + dt.timedelta(days=10))
    draft = invoice_create(project=job, by=None, lines=line)
    return before, credited, after, draft


def test_the_date_range_and_the_status_choose_the_invoices(client_job):
    before, credited, after, draft = _three_invoices(client_job)
    credited.refresh_from_db()
    assert credited.status == InvoiceStatus.CREDITED

    def numbers(*args):
        rows = _dicts(_command("--layout", "sage", "--what", "invoices", *args))
        return [r["Reference"] for r in rows]

    assert numbers("--from", "2026-11-01", "--to", "2026-11-30") == [credited.number, after.number]
    assert numbers("--from", "2026-10-01", "--to", "2026-11-02") == [before.number, credited.number]
    assert numbers("--from", "2026-01-01", "--to", "2026-12-31", "--status", "issued") == [
        before.number,
        after.number,
    ]
    assert numbers("--from", "2026-01-01", "--to", "2026-12-31", "--status", "credited") == [
        credited.number
    ]
    # a draft is never in the books, whatever the dates
    everything = numbers("--from", "2000-01-01", "--to", "2099-12-31")
    assert everything == [before.number, credited.number, after.number]
    assert draft.number is None and Invoice.objects.filter(status="draft").count() == 1


def test_credit_notes_and_payments_are_chosen_by_their_own_dates(client_job):
    before, credited, after, _ = _three_invoices(client_job)
    payment_record(
        client=client_job.client, amount="115", by=None, received_on=DAY, invoices=[before]
    )
    payment_record(
        client=client_job.client,
        amount="115",
        by=None,
        received_on=DAY + dt.timedelta(days=20),
        invoices=[after],
    )
    notes = _dicts(
        _command(
            "--layout",
            "xero",
            "--what",
            "credit-notes",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-02",
        )
    )
    assert {r["*InvoiceNumber"] for r in notes} == {"CN-2026-0001"}
    payments = _dicts(
        _command(
            "--layout", "xero", "--what", "payments", "--from", "2026-11-01", "--to", "2026-11-15"
        )
    )
    assert [(r["Date"], r["InvoiceNumber"], r["Amount"]) for r in payments] == [
        ("02/11/2026", before.number, "115.00")
    ]


def test_payments_are_a_row_per_invoice_they_settle_and_one_for_the_credit(client_job):
    older = _issued(client_job, [{"description": "A", "quantity": 1, "unit_price": "100"}])
    newer = _issued(
        client_job,
        [{"description": "B", "quantity": 1, "unit_price": "200"}],
        today=DAY + dt.timedelta(days=1),
    )
    payment_record(
        client=client_job.client,
        amount="400",
        by=None,
        received_on=DAY + dt.timedelta(days=3),
        reference="FNB 0042",
        keep_credit=True,
    )
    xero = _dicts(_export(Layout.XERO, Documents.PAYMENTS))
    assert [(r["Date"], r["InvoiceNumber"], r["Amount"], r["Reference"]) for r in xero] == [
        ("05/11/2026", older.number, "115.00", "FNB 0042"),
        ("05/11/2026", newer.number, "230.00", "FNB 0042"),
        ("05/11/2026", "", "55.00", "FNB 0042"),
    ]
    assert {r["BankAccountCode"] for r in xero} == {"090"}
    assert xero[2]["Description"] == "EFT received kept as the client's credit"
    assert sum(Decimal(r["Amount"]) for r in xero) == Payment.objects.get().amount
    with override_settings(ACCOUNTING_SAGE_BANK_ACCOUNT="8400"):
        sage = _dicts(_export(Layout.SAGE, Documents.PAYMENTS))
    assert [(r["Date"], r["Invoice Reference"], r["Amount"], r["Bank Account"]) for r in sage] == [
        ("05-11-2026", older.number, "115.00", "8400"),
        ("05-11-2026", newer.number, "230.00", "8400"),
        ("05-11-2026", "", "55.00", "8400"),
    ]
    assert {r["Customer Reference"] for r in sage} == {client_job.client.code}


def test_the_command_writes_the_file_whole(client_job, tmp_path):
    invoice = _issued(client_job, TWO_LINES)
    target = tmp_path / "sales.csv"
    out = io.StringIO()
    call_command(
        "export_accounts",
        "--layout=xero",
        "--what=invoices",
        "--from=2026-11-01",
        "--to=2026-11-30",
        f"--output={target}",
        stdout=out,
    )
    assert "Wrote 2 row(s) of invoices" in out.getvalue()
    raw = target.read_bytes()
    assert raw.startswith(b"*ContactName,")  # no byte-order mark before Xero's first heading
    rows = _dicts(_read([raw.decode("utf-8")]))
    assert [r["*InvoiceNumber"] for r in rows] == [invoice.number] * 2
    assert [p.name for p in tmp_path.iterdir()] == ["sales.csv"]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "--from '2026-13-01' is not a day"),
        (["--from", "02/11/2026", "--to", "2026-12-31"], "give it as YYYY-MM-DD"),
        (["--from", "2026-11-01", "--to", "tomorrow"], "--to 'tomorrow' is not a day"),
        (["--from", "2026-12-01", "--to", "2026-11-01"], "is after --to 2026-11-01"),
    ],
)
def test_the_command_refuses_bad_dates_and_writes_nothing(invoice, tmp_path, args, message):
    target = tmp_path / "sales.csv"
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_accounts",
            "--layout",
            "xero",
            "--what",
            "invoices",
            *args,
            "--output",
            str(target),
        )
    assert list(tmp_path.iterdir()) == []


def test_the_command_refuses_a_status_for_payments_and_a_missing_folder(invoice, tmp_path):
    dates = ["--from", "2026-11-01", "--to", "2026-11-30"]
    with pytest.raises(CommandError, match="payments have no status"):
        call_command(
            "export_accounts", "--layout=sage", "--what=payments", *dates, "--status=issued"
        )
    with pytest.raises(CommandError, match="there is no folder"):
        call_command(
            "export_accounts",
            "--layout=sage",
            "--what=invoices",
            *dates,
            f"--output={tmp_path / 'nowhere' / 'x.csv'}",
        )
    with pytest.raises(CommandError, match="invalid choice: 'quickbooks'"):
        call_command("export_accounts", "--layout=quickbooks", "--what=invoices", *dates)


def _request():
    from django.contrib.auth import get_user_model

    request = RequestFactory().post("/admin/finance/invoice/")
    request.user, _ = get_user_model().objects.get_or_create(
        username="boss", defaults={"is_staff": True, "is_superuser": True}
    )
    return request


def test_the_admin_action_downloads_the_selection_without_its_drafts(client_job):
    issued = _issued(client_job, TWO_LINES)
    draft = invoice_create(project=client_job, by=None, lines=TWO_LINES)
    modeladmin = ModelAdmin(Invoice, AdminSite())
    response = export_xero(
        modeladmin, _request(), Invoice.objects.filter(pk__in=[issued.pk, draft.pk])
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="xero-invoices-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = _dicts(_read([response.content.decode("utf-8")]))
    assert [r["*InvoiceNumber"] for r in rows] == [issued.number, issued.number]
    # only drafts: no file
    assert export_sage(modeladmin, _request(), Invoice.objects.filter(pk=draft.pk)) is None


def test_the_admin_action_exports_credit_notes_and_payments_by_their_model(invoice):
    credit_note_create(invoice=invoice, by=None, reason="Cancelled", today=DAY)
    response = export_sage(
        ModelAdmin(CreditNote, AdminSite()), _request(), CreditNote.objects.all()
    )
    assert 'filename="sage-credit-notes-' in response["Content-Disposition"]
    (row,) = _dicts(_read([response.content.decode("utf-8")]))
    assert row["Type"] == "Cr Note"


def test_an_export_reads_as_many_queries_at_six_invoices_as_at_two(client_job):
    def run():
        return _export(Layout.XERO, Documents.INVOICES)

    for _ in range(2):
        _issued(client_job, TWO_LINES)
    small, rows = count_queries(run)
    assert len(rows) == 1 + 4
    for _ in range(4):
        _issued(client_job, TWO_LINES)
    large, rows = count_queries(run)
    assert len(rows) == 1 + 12
    assert small == large
