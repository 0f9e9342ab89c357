"""Invoices: drafts from an accepted quote or a job's lines, issued with a gap-free INV number,
the VAT rate of their date, the client's details; never edited once issued; reversed by credit
notes (CN numbers); deposit and final invoices for one job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import (
    CreditNote,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    PaymentState,
    VatRate,
)
from finance.services.invoices import (
    credit_note_create,
    invoice_create,
    invoice_delete_draft,
    invoice_from_quote,
    invoice_issue,
    invoice_line_add,
)
from laseros.testing import needs_postgresql, run_at_once, unchanged
from projects.models import ProjectStatus
from projects.services import project_transition
from projects.tests.factories import design_document

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


@pytest.fixture
def accepted(job):
    """An accepted quote for the job: 3 × R 100, 1 × R 33.33 (R 333.33 excl. VAT)."""
    design_document(job)
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Plate", unit_price="100", quantity=3)
    services.quote_line_add(
        quote=quote, by=None, description="Bracket", unit_price="33.33", quantity=1
    )
    services.quote_send(quote=quote, by=None)
    services.quote_accept(quote=quote, by=None)
    quote.refresh_from_db()
    return quote


def test_an_accepted_quote_becomes_a_draft_with_its_lines_and_no_number(accepted):
    invoice = invoice_from_quote(quote=accepted, by=None)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number is None
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        ("Plate", 3, Decimal("100.00")),
        ("Bracket", 1, Decimal("33.33")),
    ]
    assert invoice.subtotal == Decimal("333.33")
    # VAT on the total excl. VAT, half-up to the cent: 333.33 × 0.15 = 49.9995 -> 50.00
    assert invoice.vat == Decimal("50.00") and invoice.total == Decimal("383.33")


def test_vat_is_worked_out_on_the_total_not_line_by_line(job):
    # three lines of R 0.10: per line VAT would be 0.02 × 3 = 0.06; on the total R 0.30 it is 0.05
    invoice = invoice_create(
        project=job,
        by=None,
        lines=[
            {"description": f"Washer {n}", "quantity": 1, "unit_price": "0.10"} for n in range(3)
        ],
    )
    assert invoice.subtotal == Decimal("0.30") and invoice.vat == Decimal("0.05")


def test_issuing_numbers_dates_and_copies_the_clients_details(accepted):
    client = accepted.client
    client.address, client.vat_number, client.payment_terms = (
        "1 Dock Rd\nDurban",
        "4123456789",
        "net30",
    )
    client.save()
    first = invoice_issue(invoice=invoice_from_quote(quote=accepted, by=None), by=None, today=DAY)
    assert first.number == "INV-2026-0001" and first.status == InvoiceStatus.ISSUED
    assert first.issued_on == DAY and first.due_on == DAY + dt.timedelta(days=30)
    assert (first.client_name, first.client_address, first.client_vat_number) == (
        client.name,
        "1 Dock Rd\nDurban",
        "4123456789",
    )
    assert first.vat_rate == Decimal("0.1500") and first.balance == first.total
    client.name = "Renamed (Pty) Ltd"
    client.save()
    first.refresh_from_db()
    assert first.client_name != client.name  # the tax invoice keeps what it printed


def test_numbers_are_gap_free_a_deleted_draft_leaves_no_hole(job):
    lines = [{"description": "Cutting", "quantity": 1, "unit_price": "10"}]
    a, b, c = (invoice_create(project=job, by=None, lines=lines) for _ in range(3))
    invoice_issue(invoice=a, by=None, today=DAY)
    invoice_delete_draft(invoice=b, by=None)
    invoice_issue(invoice=c, by=None, today=DAY)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "INV-2026-0001",
        "INV-2026-0002",
    ]
    assert (
        invoice_issue(
            invoice=invoice_create(project=job, by=None, lines=lines),
            by=None,
            today=dt.date(2027, 1, 4),
        ).number
        == "INV-2027-0001"
    )


def test_the_vat_rate_is_the_one_of_the_invoices_date(job):
    VatRate.objects.create(effective_from=dt.date(2027, 4, 1), rate=Decimal("0.1550"))
    lines = [{"description": "Cutting", "quantity": 1, "unit_price": "1000"}]
    before = invoice_issue(
        invoice=invoice_create(project=job, by=None, lines=lines),
        by=None,
        today=dt.date(2027, 3, 31),
    )
    after = invoice_issue(
        invoice=invoice_create(project=job, by=None, lines=lines),
        by=None,
        today=dt.date(2027, 4, 1),
    )
    old = invoice_issue(
        invoice=invoice_create(project=job, by=None, lines=lines),
        by=None,
        today=dt.date(2018, 3, 31),
    )
    assert (before.vat, after.vat, old.vat) == (
        Decimal("150.00"),
        Decimal("155.00"),
        Decimal("140.00"),
    )
    VatRate.objects.all().delete()  # a later change of the table never moves an issued invoice
    before.refresh_from_db()
    assert before.vat_rate == Decimal("0.1500") and before.vat == Decimal("150.00")


def test_an_issued_invoice_is_never_edited_or_deleted(accepted):
    invoice = invoice_issue(invoice=invoice_from_quote(quote=accepted, by=None), by=None)
    with (
        pytest.raises(ValidationError, match="never changed or deleted"),
        unchanged(Invoice, InvoiceLine),
    ):
        invoice_line_add(invoice=invoice, by=None, description="Extra", quantity=1, unit_price="5")
    with pytest.raises(ValidationError, match="Make a credit note"), unchanged(Invoice):
        invoice_delete_draft(invoice=invoice, by=None)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"description": "Plate", "quantity": -2, "unit_price": "10"}, "quantity", "at least 1"),
        ({"description": "Plate", "quantity": 1, "unit_price": ""}, "unit_price", "has a price"),
        (
            {"description": "Plate", "quantity": 1, "unit_price": "10", "discount_pct": "120"},
            "discount_pct",
            "0 to 100",
        ),
        ({"description": " ", "quantity": 1, "unit_price": "10"}, "description", "Say what"),
    ],
)
def test_bad_lines_are_refused_naming_the_line_and_nothing_is_written(job, row, field, words):
    good = {"description": "Cutting", "quantity": 1, "unit_price": "10"}
    with pytest.raises(ValidationError) as caught, unchanged(Invoice, InvoiceLine):
        invoice_create(project=job, by=None, lines=[good, row])
    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0].startswith("Line 2: ")
    assert words in caught.value.message_dict[field][0]


def test_an_invoice_needs_a_client_and_an_accepted_quote(job, accepted):
    job.client = None
    with pytest.raises(ValidationError, match="needs a client"), unchanged(Invoice):
        invoice_create(
            project=job, by=None, lines=[{"description": "x", "quantity": 1, "unit_price": "1"}]
        )
    draft = services.quote_create(project=accepted.project, by=None)
    with pytest.raises(ValidationError, match="only an accepted quote"), unchanged(Invoice):
        invoice_from_quote(quote=draft, by=None)


def test_a_deposit_then_the_final_invoice_less_the_deposit(accepted):
    deposit = invoice_from_quote(quote=accepted, by=None, kind=InvoiceKind.DEPOSIT, deposit_pct=50)
    assert [line.description for line in deposit.lines.all()] == [
        f"Deposit of 50 % on {accepted.number} ({accepted.project.code})"
    ]
    assert deposit.subtotal == Decimal("166.67")  # half of 333.33, half-up
    with pytest.raises(ValidationError, match="no deposit invoice"):
        invoice_from_quote(quote=accepted, by=None, kind=InvoiceKind.FINAL)  # not issued yet
    invoice_issue(invoice=deposit, by=None, today=DAY)
    final = invoice_from_quote(quote=accepted, by=None, kind=InvoiceKind.FINAL)
    lines = list(final.lines.all())
    assert lines[-1].description == f"Less deposit invoiced on {deposit.number}"
    assert lines[-1].line_total == Decimal("-166.67")
    assert final.subtotal == Decimal("166.66")
    assert deposit.total + final.total == Decimal("383.33")  # VAT splits to the cent
    with pytest.raises(ValidationError, match="already has an invoice"):
        invoice_from_quote(quote=accepted, by=None)


def test_a_credit_note_reverses_an_issued_invoice_in_full(accepted):
    invoice = invoice_issue(invoice=invoice_from_quote(quote=accepted, by=None), by=None, today=DAY)
    note = credit_note_create(invoice=invoice, by=None, reason="wrong material", today=DAY)
    assert note.number == "CN-2026-0001" and note.total == invoice.total
    assert [line.description for line in note.lines.all()] == ["Plate", "Bracket"]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED and invoice.balance == 0
    assert invoice.number == "INV-2026-0001"  # kept: never reused
    with pytest.raises(ValidationError, match="only an issued invoice"), unchanged(CreditNote):
        credit_note_create(invoice=invoice, by=None, reason="again")


def test_a_discounted_line_is_credited_as_its_total(job):
    invoice = invoice_issue(
        invoice=invoice_create(
            project=job,
            by=None,
            lines=[
                {"description": "Bracket", "quantity": 3, "unit_price": "100", "discount_pct": "10"}
            ],
        ),
        by=None,
    )
    note = credit_note_create(invoice=invoice, by=None, reason="cancelled")
    (line,) = note.lines.all()
    assert (line.description, line.quantity, line.unit_price, line.line_total) == (
        "Bracket (3 × 100.00 less 10 %)",
        1,
        Decimal("270.00"),
        Decimal("270.00"),
    )
    assert note.total == invoice.total == Decimal("310.50")


def test_a_part_credit_leaves_the_rest_to_pay_and_cannot_exceed_it(accepted):
    invoice = invoice_issue(invoice=invoice_from_quote(quote=accepted, by=None), by=None)
    note = credit_note_create(
        invoice=invoice, by=None, reason="one scratched", amount_excl_vat="100"
    )
    assert (note.subtotal, note.vat, note.total) == (
        Decimal("100.00"),
        Decimal("15.00"),
        Decimal("115.00"),
    )
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("268.33") and invoice.status == InvoiceStatus.ISSUED
    with pytest.raises(ValidationError, match="At most R 233.33"), unchanged(CreditNote, Invoice):
        credit_note_create(invoice=invoice, by=None, reason="more", amount_excl_vat="300")
    rest = credit_note_create(invoice=invoice, by=None, reason="cancelled")
    assert rest.total == Decimal("268.33")  # what is left, to the cent
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED and invoice.balance == 0


def test_crediting_a_paid_invoice_turns_the_overpayment_into_client_credit(accepted):
    from finance.selectors import client_credit
    from finance.services.payments import payment_record

    invoice = invoice_issue(invoice=invoice_from_quote(quote=accepted, by=None), by=None)
    payment_record(client=accepted.client, amount=invoice.total, by=None)
    invoice.refresh_from_db()
    assert invoice.payment_state == PaymentState.PAID
    credit_note_create(invoice=invoice, by=None, reason="returned", amount_excl_vat="100")
    invoice.refresh_from_db()
    assert invoice.balance == 0 and invoice.paid == Decimal("268.33")
    assert client_credit(accepted.client) == Decimal("115.00")


def test_an_issued_invoices_pdf_is_stored_when_it_is_issued(
    job, django_capture_on_commit_callbacks
):
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": "10"}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=draft, by=None)
    invoice.refresh_from_db()
    assert invoice.pdf and len(invoice.pdf_sha256) == 64
    with invoice.pdf.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_give_distinct_consecutive_invoice_numbers(job):
    lines = [{"description": "Cutting", "quantity": 1, "unit_price": "10"}]
    drafts = [invoice_create(project=job, by=None, lines=lines) for _ in range(24)]
    numbers: list[str] = []

    def worker(n):
        for draft in drafts[n::6]:
            numbers.append(invoice_issue(invoice=draft, by=None, today=DAY).number)

    errors = run_at_once(worker, 6)
    assert not errors, errors
    assert sorted(numbers) == [f"INV-2026-{n:04d}" for n in range(1, 25)]


def test_a_quote_takes_the_vat_rate_of_its_day_from_the_table(job):
    VatRate.objects.create(effective_from=dt.date(2027, 4, 1), rate=Decimal("0.1600"))
    before = services.quote_create(project=job, by=None, today=dt.date(2027, 3, 31))
    after = services.quote_create(project=job, by=None, today=dt.date(2027, 4, 1))
    assert (before.vat_rate, after.vat_rate) == (Decimal("0.1500"), Decimal("0.1600"))
