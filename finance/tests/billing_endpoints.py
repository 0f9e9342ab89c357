"""The generated tests' declarations (laseros.api_testing) of /api/v1/invoices/, /credit-notes/
and /payments/: Admin and Manager all, Viewer reads, Operator nothing; every filter proven on two
rows. Collected through test_api_endpoints.py, which imports them (the site's check reads that
module to find every endpoint's declaration)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from clients.tests.factories import ClientFactory
from finance.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from finance.services import quote_create
from finance.services.invoices import credit_note_create, invoice_create, invoice_issue
from finance.services.payments import payment_record
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, VIEWER
from projects.tests.factories import ProjectFactory

FINANCE = (ADMIN, MANAGER)


def draft_invoice(n: int = 0, *, project=None, price: str = "100") -> Invoice:
    """A draft invoice of one line (R 100 excl. VAT unless said), for a new job unless given."""
    return invoice_create(
        project=project or ProjectFactory(),
        by=None,
        lines=[{"description": f"Cutting batch {n}", "quantity": 1, "unit_price": price}],
    )


def issued_invoice(n: int = 0, **kwargs) -> Invoice:
    return invoice_issue(invoice=draft_invoice(n, **kwargs), by=None)


def issue(*invoices: Invoice) -> None:
    for invoice in invoices:
        invoice_issue(invoice=invoice, by=None)


def overdue(match: Invoice, other: Invoice) -> None:
    """Both issued and unpaid; the match was due ten days ago (the other is due today)."""
    issue(match, other)
    set_fields(match, due_on=timezone.localdate() - dt.timedelta(days=10))


def paid(match: Invoice, other: Invoice) -> None:
    issue(match, other)
    payment_record(client=match.client, amount=match.total, by=None, invoices=[match])


class TestInvoices(EndpointTests):
    prefix = "invoices"
    model = Invoice
    readers = (ADMIN, MANAGER, VIEWER)
    writers = FINANCE
    deleters = FINANCE
    watched = (InvoiceLine,)
    filters = (
        Filter("number", lambda i: i.number.lower(), lambda m, o: issue(m, o)),
        Filter("status", lambda i: "issued", lambda m, o: issue(m)),
        Filter("payment_state", lambda i: "paid", paid),
        Filter("kind", lambda i: "deposit", lambda m, o: set_fields(m, kind="deposit")),
        Filter("overdue", lambda i: "true", overdue),
        Filter("project", lambda i: i.project_id),
        Filter("client", lambda i: i.client_id),
        Filter(
            "quote",
            lambda i: i.quote_id,
            lambda m, o: set_fields(m, quote=quote_create(project=m.project, by=None)),
        ),
        Filter("project_code", lambda i: i.project.code.lower()),
        Filter("client_code", lambda i: i.client.code.lower()),
        *dates("issued_on", "issued"),
        *dates("due_on", "due"),
        Filter(
            "created_by",
            lambda x: x.created_by.username,
            lambda m, o: set_fields(m, created_by=someone("thandi")),
        ),
        *dates("created_at"),
    )

    def make(self, n):
        return draft_invoice(n)

    def create_data(self):
        lines = [{"description": "Base plates", "quantity": 2, "unit_price": "150.00"}]
        return {"project": ProjectFactory().pk, "lines": lines, "reference": "PO 4471"}

    def update_data(self, obj):
        return {"reference": "PO 9", "notes": "Deliver to gate 2."}


class TestCreditNotes(EndpointTests):
    prefix = "credit-notes"
    model = CreditNote
    readers = (ADMIN, MANAGER, VIEWER)
    writers = FINANCE
    watched = (CreditNoteLine, Invoice)
    filters = (
        Filter("number", lambda c: c.number.lower()),
        Filter("invoice", lambda c: c.invoice_id),
        Filter("invoice_number", lambda c: c.invoice.number.lower()),
        Filter("client", lambda c: c.client_id),
        Filter("client_code", lambda c: c.client.code.lower()),
        *dates("issued_on", "issued"),
        Filter(
            "created_by",
            lambda x: x.created_by.username,
            lambda m, o: set_fields(m, created_by=someone("thandi")),
        ),
        *dates("created_at"),
    )

    def make(self, n):
        invoice = issued_invoice(n)
        return credit_note_create(
            invoice=invoice, by=None, reason=f"Scratched plate {n}", amount_excl_vat="10"
        )

    def create_data(self):
        invoice = issued_invoice(99)
        return {"invoice": invoice.pk, "reason": "Wrong thickness", "amount_excl_vat": "20.00"}


def allocated_to_an_invoice(match: Payment, other: Payment) -> None:
    """The match's credit (paid for no job) is taken by its client's next invoice on issue."""
    match.invoice = issued_invoice(project=ProjectFactory(client=match.client), price="10")


class TestPayments(EndpointTests):
    prefix = "payments"
    model = Payment
    readers = (ADMIN, MANAGER, VIEWER)
    writers = FINANCE
    watched = (PaymentAllocation, Invoice)
    filters = (
        Filter("client", lambda p: p.client_id),
        Filter("client_code", lambda p: p.client.code.lower()),
        Filter(
            "project",
            lambda p: p.project_id,
            lambda m, o: set_fields(m, project=ProjectFactory(client=m.client)),
        ),
        Filter("method", lambda p: "card", lambda m, o: set_fields(m, method="card")),
        Filter("reference", lambda p: p.reference.lower()),
        Filter("invoice", lambda p: p.invoice.pk, allocated_to_an_invoice),
        Filter(
            "has_credit",
            lambda p: "true",
            lambda m, o: set_fields(o, allocated=o.amount, unallocated=Decimal(0)),
        ),
        *dates("received_on", "received"),
        Filter(
            "created_by",
            lambda x: x.created_by.username,
            lambda m, o: set_fields(m, created_by=someone("thandi")),
        ),
        *dates("created_at"),
    )

    def make(self, n):
        return payment_record(
            client=ClientFactory(),
            amount=f"{100 + n}",
            by=None,
            reference=f"EFT {n}-{n}",
            keep_credit=True,
        )

    def create_data(self):
        client = ClientFactory()
        return {
            "client": client.pk,
            "amount": "250.00",
            "method": "cash",
            "reference": "Till slip 4",
            "keep_credit": True,
        }
