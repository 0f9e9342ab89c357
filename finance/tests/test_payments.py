"""Payments: recorded with amount, date, method, reference and proof; allocated to invoices (the
job's first, the oldest due first); part paid, paid, overdue; overpayment only as the client's
credit, taken by the job's next invoice; the job's "paid in full" read from its balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.models import Invoice, Payment, PaymentAllocation, PaymentState
from finance.selectors import client_credit
from finance.services.invoices import invoice_create, invoice_issue
from finance.services.payments import payment_allocate, payment_record
from laseros.testing import unchanged
from projects.models import Project, ProjectStatus, ProjectStatusChange
from projects.services import project_payment_received, project_transition
from projects.tests.factories import design_document, pdf

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def _invoice(job, amount="100", *, today=DAY):
    draft = invoice_create(
        project=job,
        by=None,
        lines=[{"description": "Cutting", "quantity": 1, "unit_price": amount}],
    )
    return invoice_issue(invoice=draft, by=None, today=today)


def test_a_payment_pays_the_oldest_invoice_first_then_the_next(job):
    older, newer = (
        _invoice(job, "100", today=DAY),
        _invoice(job, "200", today=DAY + dt.timedelta(1)),
    )
    payment = payment_record(
        client=job.client, amount="150", by=None, method="cash", reference="till 7", received_on=DAY
    )
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.payment_state, older.balance) == (PaymentState.PAID, Decimal("0.00"))
    assert (newer.payment_state, newer.balance) == (PaymentState.PART_PAID, Decimal("195.00"))
    assert payment.allocated == Decimal("150.00") and payment.unallocated == 0
    assert [(a.invoice_id, a.amount) for a in payment.allocations.all()] == [
        (older.pk, Decimal("115.00")),
        (newer.pk, Decimal("35.00")),
    ]


def test_more_than_is_due_is_refused_unless_kept_as_credit(job):
    invoice = _invoice(job, "100")
    with pytest.raises(ValidationError) as caught, unchanged(Payment, PaymentAllocation, Invoice):
        payment_record(client=job.client, amount="200", by=None)
    assert "R 200.00 is more than is due (R 115.00" in str(caught.value)
    assert "keep the rest (R 85.00)" in str(caught.value)
    payment_record(client=job.client, amount="200", by=None, keep_credit=True)
    invoice.refresh_from_db()
    assert invoice.payment_state == PaymentState.PAID
    assert client_credit(job.client) == Decimal("85.00")


def test_the_jobs_next_invoice_takes_the_credit_paid_ahead(job):
    payment_record(client=job.client, project=job, amount="50", by=None, keep_credit=True)
    invoice = _invoice(job, "100")
    assert invoice.paid == Decimal("50.00") and invoice.payment_state == PaymentState.PART_PAID
    assert client_credit(job.client) == 0


def test_credit_is_allocated_by_hand_at_most_what_is_due(job):
    payment = payment_record(client=job.client, amount="500", by=None, keep_credit=True)
    invoice = _invoice(job, "100")  # the credit was for no job: the next invoice takes it
    invoice.refresh_from_db()
    assert invoice.payment_state == PaymentState.PAID
    second = _invoice(job, "1000")
    payment.refresh_from_db()
    assert payment.unallocated == 0  # 115 + 385 taken by the two invoices
    with pytest.raises(ValidationError, match="Nothing of this payment is left"):
        payment_allocate(payment=payment, invoice=second, by=None)


@pytest.mark.parametrize(
    ("amount", "words"),
    [("-5", "cannot be negative"), ("0", "more than R 0.00"), ("", "is needed"), ("abc", "not an")],
)
def test_bad_amounts_are_refused(job, amount, words):
    with pytest.raises(ValidationError, match=words), unchanged(Payment):
        payment_record(client=job.client, amount=amount, by=None, keep_credit=True)


def test_a_payment_in_the_future_or_by_cheque_is_refused(job):
    with pytest.raises(ValidationError, match="in the future"), unchanged(Payment):
        payment_record(
            client=job.client,
            amount="5",
            by=None,
            keep_credit=True,
            received_on=dt.date.today() + dt.timedelta(days=2),
        )
    with pytest.raises(ValidationError, match="not a payment method"), unchanged(Payment):
        payment_record(client=job.client, amount="5", by=None, keep_credit=True, method="cheque")


def test_overdue_is_an_unpaid_invoice_past_its_due_date(job):
    job.client.payment_terms = "net7"
    job.client.save()
    invoice = _invoice(job, "100", today=DAY)
    assert invoice.due_on == DAY + dt.timedelta(days=7)
    assert not invoice.is_overdue(DAY + dt.timedelta(days=7))
    assert invoice.is_overdue(DAY + dt.timedelta(days=8))
    assert list(Invoice.objects.overdue(DAY + dt.timedelta(days=8))) == [invoice]
    payment_record(client=job.client, amount="115", by=None)
    assert not Invoice.objects.overdue(DAY + dt.timedelta(days=8)).exists()


# --- the job's "paid in full" ---------------------------------------------------------------------


@pytest.fixture
def approved_job(job):
    """The job quoted R 1 000 excl. VAT (R 1 150 with VAT), accepted: Approved."""
    from finance import services

    design_document(job)
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="Plates", unit_price="100", quantity=10
    )
    services.quote_send(quote=quote, by=None)
    services.quote_accept(quote=quote, by=None)
    job.refresh_from_db()
    assert job.status == ProjectStatus.APPROVED
    return job


def test_a_proof_of_payment_records_the_payment_and_moves_the_job_on(approved_job):
    project_payment_received(project=approved_job, by=None, amount="1150", file=pdf())
    approved_job.refresh_from_db()
    assert approved_job.status == ProjectStatus.PAID
    payment = Payment.objects.get()
    assert (payment.amount, payment.project, payment.document) == (
        Decimal("1150.00"),
        approved_job,
        approved_job.payment_document,
    )
    assert client_credit(approved_job.client) == Decimal("1150.00")  # paid ahead of the invoice
    invoice = _invoice(approved_job, "1000")
    assert invoice.payment_state == PaymentState.PAID  # the invoice takes what was paid ahead


def test_a_part_payment_does_not_move_the_job_and_says_what_is_due(approved_job):
    with pytest.raises(ValidationError) as caught, unchanged(Project, ProjectStatusChange, Payment):
        project_payment_received(project=approved_job, by=None, amount="500", file=pdf())
    assert "R 500.00 paid of R 1 150.00 due" in str(caught.value)


def test_a_part_payment_uploaded_as_a_document_is_kept_and_the_job_waits(approved_job, make_user):
    from projects.services import project_document_add

    project_document_add(
        project=approved_job, by=None, file=pdf(), kind="pop", amount=Decimal("500")
    )
    approved_job.refresh_from_db()
    assert approved_job.status == ProjectStatus.APPROVED
    assert Payment.objects.get().amount == Decimal("500.00")
    project_document_add(
        project=approved_job, by=None, file=pdf("rest.pdf"), kind="pop", amount=Decimal("650")
    )
    approved_job.refresh_from_db()
    assert approved_job.status == ProjectStatus.PAID


def test_queueing_reads_the_invoices_balance(approved_job):
    invoice = _invoice(approved_job, "1000")  # R 1 150 due, nothing paid
    with pytest.raises(ValidationError) as caught:
        project_transition(project=approved_job, to=ProjectStatus.QUEUED, by=None)
    assert f"R 0.00 paid of R 1 150.00 due ({invoice.number})" in str(caught.value)
    payment_record(client=approved_job.client, amount="1150", by=None, invoices=[invoice])
    project_transition(project=approved_job, to=ProjectStatus.QUEUED, by=None)
    approved_job.refresh_from_db()
    assert approved_job.status == ProjectStatus.QUEUED


def test_allocating_credit_without_an_amount_takes_what_the_invoice_needs(job):
    from projects.services import project_create

    payment = payment_record(
        client=job.client, project=job, amount="500", by=None, keep_credit=True
    )
    other_job = project_create(client=job.client, name="Another job", by=None)
    invoice = _invoice(other_job, "100")  # R 115; another job's money is not taken by itself
    assert invoice.payment_state == PaymentState.UNPAID
    payment_allocate(payment=payment, invoice=invoice, by=None)
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.payment_state == PaymentState.PAID
    assert payment.unallocated == Decimal("385.00")


def test_the_jobs_balance_names_each_of_its_invoices(approved_job):
    from finance.selectors import job_paid_reading

    first, second = _invoice(approved_job, "500"), _invoice(approved_job, "500")
    reading = job_paid_reading(approved_job)
    assert not reading.paid_in_full
    assert reading.text == (f"R 0.00 paid of R 1 150.00 due ({second.number}, {first.number})")
