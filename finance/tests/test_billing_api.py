"""The money documents' API (issue 11, parts 9 and 10): /api/v1/invoices/, /credit-notes/ and
/payments/. Each write's happy path; each bad input refused with a 400 naming its field and
nothing written; an issued invoice never changed; the roles matrix on the actions; the filters
a person uses most (overdue, status, client); lists that do not run a query per row; money as
strings, never floats. The generated tests of each endpoint are in billing_endpoints.py."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import models
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from clients.tests.factories import ClientFactory
from finance import services
from finance.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentState,
)
from finance.services.invoices import credit_note_create, invoice_issue, invoice_line_add
from finance.services.payments import payment_record
from laseros.testing import assert_constant_queries, grow_to, unchanged
from projects.models import ProjectStatus
from projects.services import project_transition
from projects.tests.factories import ProjectFactory, design_document

from .billing_endpoints import draft_invoice, issued_invoice

pytestmark = pytest.mark.django_db

INVOICES, CREDIT_NOTES, PAYMENTS = "/api/v1/invoices/", "/api/v1/credit-notes/", "/api/v1/payments/"
NEVER_CHANGED = "never changed or deleted. Make a credit note"


@pytest.fixture
def manager(api):
    return api("Manager")


@pytest.fixture
def accepted():
    """An accepted quote: 3 × R 100 and 1 × R 33.33 (R 333.33 excl. VAT)."""
    job = ProjectFactory()
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


# --- invoices -------------------------------------------------------------------------------------


def test_a_draft_is_made_from_a_jobs_lines_money_as_strings(manager):
    job = ProjectFactory()
    lines = [
        {"description": "Base plates", "quantity": 2, "unit_price": "150.00"},
        {"description": "Brackets", "quantity": 4, "unit_price": "12.50", "discount_pct": "10"},
    ]
    response = manager.post(INVOICES, {"project": job.pk, "lines": lines, "reference": "PO 7"})
    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["status"], body["number"], body["payment_state"]) == ("draft", None, "unpaid")
    assert body["project_code"] == job.code and body["reference"] == "PO 7"
    # 2 × 150 + 4 × 12.50 less 10 % = 345.00; VAT 15 % on the total = 51.75
    assert (body["subtotal"], body["vat"], body["total"], body["balance"]) == (
        "345.00",
        "51.75",
        "396.75",
        "396.75",
    )
    assert [(line["description"], line["line_total"]) for line in body["lines"]] == [
        ("Base plates", "300.00"),
        ("Brackets", "45.00"),
    ]
    assert body["overdue"] is False


def test_a_deposit_invoice_is_made_from_an_accepted_quote(manager, accepted):
    response = manager.post(
        INVOICES, {"quote": accepted.pk, "kind": "deposit", "deposit_pct": "50"}
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert (body["kind"], body["quote_number"], body["project"]) == (
        "deposit",
        accepted.number,
        accepted.project_id,
    )
    assert body["subtotal"] == "166.67" and len(body["lines"]) == 1


def test_a_standard_invoice_from_the_quote_takes_its_lines(manager, accepted):
    response = manager.post(INVOICES, {"quote": accepted.pk})
    assert response.status_code == 201, response.data
    assert [line["description"] for line in response.data["lines"]] == ["Plate", "Bracket"]
    assert response.data["total"] == "383.33"


def test_issuing_numbers_it_and_lines_are_added_to_a_draft_only(manager):
    invoice = draft_invoice()
    response = manager.post(
        f"{INVOICES}{invoice.pk}/lines/",
        {"description": "Delivery", "quantity": 1, "unit_price": "50"},
    )
    assert response.status_code == 201, response.data
    assert response.data["subtotal"] == "150.00" and len(response.data["lines"]) == 2
    response = manager.post(f"{INVOICES}{invoice.pk}/issue/")
    assert response.status_code == 200, response.data
    today = timezone.localdate()
    assert response.data["number"] == f"INV-{today.year}-0001"
    assert (response.data["status"], response.data["issued_on"]) == ("issued", today.isoformat())
    assert response.data["total"] == "172.50" and response.data["balance"] == "172.50"


def test_a_draft_is_changed_and_deleted(manager):
    invoice = draft_invoice()
    response = manager.patch(f"{INVOICES}{invoice.pk}/", {"notes": "Collect at gate 2."})
    assert response.status_code == 200, response.data
    assert response.data["notes"] == "Collect at gate 2."
    assert manager.delete(f"{INVOICES}{invoice.pk}/").status_code == 204
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "", {"reference": "PO 9"}),
        ("delete", "", None),
        ("post", "lines/", {"description": "More", "quantity": 1, "unit_price": "5"}),
        ("post", "issue/", None),
    ],
    ids=["patch", "delete", "add-line", "issue-again"],
)
def test_an_issued_invoice_is_never_changed_or_deleted(manager, method, path, body):
    invoice = issued_invoice()
    with unchanged(Invoice, InvoiceLine):
        response = getattr(manager, method)(f"{INVOICES}{invoice.pk}/{path}", body)
    assert response.status_code == 400, response.data
    assert NEVER_CHANGED in str(response.data["detail"]), response.data


LINE = {"description": "Plates", "quantity": 2, "unit_price": "10.00"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": -3}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"discount_pct": "150"}, "discount_pct"),
        ({"discount_pct": "-5"}, "discount_pct"),
        ({"unit_price": None}, "unit_price"),
        ({"unit_price": "-1.00"}, "unit_price"),
        ({"unit_price": "1e3"}, None),  # a number in any JSON form is a number: allowed
        ({"description": ""}, "description"),
    ],
    ids=[
        "negative-qty",
        "zero-qty",
        "discount-over-100",
        "negative-discount",
        "no-price",
        "negative-price",
        "exponent-price",
        "no-words",
    ],
)
def test_a_bad_line_is_refused_naming_its_field_nothing_written(manager, change, field):
    line = {**LINE, **change}
    if line.get("unit_price") is None:
        line.pop("unit_price")
    job = ProjectFactory()
    if field is None:
        assert manager.post(INVOICES, {"project": job.pk, "lines": [line]}).status_code == 201
        return
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, {"project": job.pk, "lines": [LINE, line]})
    assert response.status_code == 400
    assert field in response.data["lines"][1], response.data
    draft = draft_invoice()
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(f"{INVOICES}{draft.pk}/lines/", line)
    assert response.status_code == 400 and field in response.data, response.data


def test_a_line_with_no_price_says_so(manager):
    line = {"description": "Plates", "quantity": 2}
    job = ProjectFactory()
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, {"project": job.pk, "lines": [line]})
    assert response.status_code == 400
    assert "a line has a price" in str(response.data["lines"][0]["unit_price"])


def test_a_discount_over_100_says_the_range(manager):
    """The bound's message is filled in with % by DRF: a bare "%" in it was a 500."""
    line = {**LINE, "discount_pct": "150"}
    job = ProjectFactory()
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, {"project": job.pk, "lines": [line]})
    assert response.status_code == 400
    assert response.data["lines"][0]["discount_pct"] == ["A discount is 0 to 100 %."]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "project", "Say which job"),
        ({"lines": [LINE]}, "project", "Say which job"),
        ({"project": None, "lines": [LINE]}, "project", "Say which job"),
        ({"project": 0, "lines": [LINE]}, "project", "object does not exist"),
        ({"project": "job", "lines": [LINE]}, "project", "Incorrect type"),
        ("job", "lines", "An invoice needs at least one line"),
        ("job-kind", "kind", "standard invoice"),
        ("job-deposit", "deposit_pct", "Only a deposit invoice"),
    ],
    ids=[
        "nothing",
        "no-job",
        "null-job",
        "no-such-job",
        "job-not-an-id",
        "no-lines",
        "job-as-deposit",
        "deposit-pct-on-standard",
    ],
)
def test_an_invoice_for_no_job_or_with_no_lines_is_refused(manager, body, field, words):
    if isinstance(body, str):
        job = ProjectFactory().pk
        body = {
            "job": {"project": job, "lines": []},
            "job-kind": {"project": job, "lines": [LINE], "kind": "deposit"},
            "job-deposit": {"project": job, "lines": [LINE], "deposit_pct": "30"},
        }[body]
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, body)
    assert response.status_code == 400, response.data
    assert words in str(response.data[field]), response.data


def test_more_lines_than_an_invoice_takes_are_refused_before_any_is_read(manager):
    job = ProjectFactory()
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, {"project": job.pk, "lines": [LINE] * 1001})
    assert response.status_code == 400
    assert response.data["lines"] == {"non_field_errors": ["At most 1,000 lines on one invoice."]}


def test_a_quote_that_is_not_accepted_is_not_invoiced(manager):
    quote = services.quote_create(project=ProjectFactory(), by=None)
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(INVOICES, {"quote": quote.pk})
    assert response.status_code == 400
    assert "only an accepted quote is invoiced" in str(response.data["quote"])


@pytest.mark.parametrize("pct", ["0", "100", "-5"])
def test_a_deposit_out_of_range_is_refused(manager, accepted, pct):
    with unchanged(Invoice, InvoiceLine):
        response = manager.post(
            INVOICES, {"quote": accepted.pk, "kind": "deposit", "deposit_pct": pct}
        )
    assert response.status_code == 400 and "deposit_pct" in response.data, response.data


# --- credit notes ---------------------------------------------------------------------------------


def test_a_credit_note_reverses_part_of_an_invoice_then_the_rest(manager):
    invoice = issued_invoice()  # R 100 + 15 % = R 115
    response = manager.post(
        CREDIT_NOTES,
        {"invoice": invoice.pk, "reason": "One plate scratched", "amount_excl_vat": "40"},
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["number"].startswith("CN-") and body["invoice_number"] == invoice.number
    assert (body["subtotal"], body["vat"], body["total"]) == ("40.00", "6.00", "46.00")
    assert len(body["lines"]) == 1
    invoice_now = manager.get(f"{INVOICES}{invoice.pk}/").data
    assert (invoice_now["credited"], invoice_now["balance"]) == ("46.00", "69.00")
    response = manager.post(CREDIT_NOTES, {"invoice": invoice.pk, "reason": "Job cancelled"})
    assert response.status_code == 201 and response.data["total"] == "69.00"
    assert manager.get(f"{INVOICES}{invoice.pk}/").data["status"] == "credited"


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ("draft", "invoice", "only an issued invoice is credited"),
        ("too-much", "amount_excl_vat", "At most R 100.00"),
        ("no-reason", "reason", "blank"),
        ("zero", "amount_excl_vat", "more than R 0.00"),
    ],
)
def test_a_bad_credit_note_is_refused_nothing_written(manager, case, field, words):
    invoice = draft_invoice() if case == "draft" else issued_invoice()
    body = {"invoice": invoice.pk, "reason": "Scratched"}
    body |= {"too-much": {"amount_excl_vat": "100.01"}, "no-reason": {"reason": ""}}.get(case, {})
    body |= {"zero": {"amount_excl_vat": "0"}}.get(case, {})
    with unchanged(CreditNote, CreditNoteLine, Invoice):
        response = manager.post(CREDIT_NOTES, body)
    assert response.status_code == 400, response.data
    assert words in str(response.data[field]), response.data


# --- payments -------------------------------------------------------------------------------------


def test_a_payment_is_recorded_and_allocated_to_the_invoice(manager):
    invoice = issued_invoice()
    day = timezone.localdate()
    body = {
        "client": invoice.client_id,
        "amount": "115.00",
        "received_on": day.isoformat(),
        "method": "eft",
        "reference": "FNB 88213",
        "project": invoice.project_id,
    }
    response = manager.post(PAYMENTS, body)
    assert response.status_code == 201, response.data
    assert (response.data["amount"], response.data["unallocated"]) == ("115.00", "0.00")
    assert response.data["allocations"] == [
        {
            "id": response.data["allocations"][0]["id"],
            "invoice": invoice.pk,
            "invoice_number": invoice.number,
            "amount": "115.00",
            "created_at": response.data["allocations"][0]["created_at"],
        }
    ]
    invoice_now = manager.get(f"{INVOICES}{invoice.pk}/").data
    assert (invoice_now["payment_state"], invoice_now["balance"]) == ("paid", "0.00")


def test_more_than_is_due_is_refused_naming_the_amount_unless_kept_as_credit(manager):
    invoice = issued_invoice()  # R 115 due
    body = {"client": invoice.client_id, "amount": "200", "reference": "EFT"}
    with unchanged(Payment, PaymentAllocation, Invoice):
        response = manager.post(PAYMENTS, body)
    assert response.status_code == 400
    words = str(response.data["amount"])
    assert "R 200.00 is more than is due (R 115.00" in words and "credit" in words
    response = manager.post(PAYMENTS, {**body, "keep_credit": True})
    assert response.status_code == 201, response.data
    assert (response.data["allocated"], response.data["unallocated"]) == ("115.00", "85.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client": None}, "client"),
        ({"client": "drop"}, "client"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-20"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"method": "cheque"}, "method"),
        ({"received_on": "tomorrow"}, "received_on"),
        ({"project": "other-client"}, "project"),
        ({"invoices": "other-client"}, "invoices"),
    ],
    ids=[
        "null-client",
        "no-client",
        "zero",
        "negative",
        "fraction-of-a-cent",
        "no-such-method",
        "in-the-future",
        "another-clients-job",
        "another-clients-invoice",
    ],
)
def test_a_bad_payment_is_refused_naming_its_field_nothing_written(manager, change, field):
    invoice = issued_invoice()
    other = issued_invoice()
    body = {"client": invoice.client_id, "amount": "10", "keep_credit": True, **change}
    if body["client"] == "drop":
        del body["client"]
    if body.get("received_on") == "tomorrow":
        body["received_on"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    if body.get("project") == "other-client":
        body["project"] = other.project_id
    if body.get("invoices") == "other-client":
        body["invoices"] = [other.pk]
    with unchanged(Payment, PaymentAllocation, Invoice):
        response = manager.post(PAYMENTS, body)
    assert response.status_code == 400, response.data
    assert field in response.data, response.data


def test_a_payments_credit_is_allocated_by_hand(manager):
    client = ClientFactory()
    first, second = ProjectFactory(client=client), ProjectFactory(client=client)
    payment = payment_record(
        client=client, project=first, amount="500", by=None, keep_credit=True
    )  # paid ahead for the first job: the second job's invoice does not take it by itself
    invoice = issued_invoice(project=second)
    url = f"{PAYMENTS}{payment.pk}/allocate/"
    with unchanged(Payment, PaymentAllocation, Invoice):
        response = manager.post(url, {"invoice": invoice.pk, "amount": "500"})
    assert response.status_code == 400
    assert "has R 115.00 to pay, not R 500.00" in str(response.data["amount"])
    response = manager.post(url, {"invoice": invoice.pk, "amount": "15"})
    assert response.status_code == 200, response.data
    assert response.data["unallocated"] == "485.00"
    assert [a["amount"] for a in response.data["allocations"]] == ["15.00"]
    response = manager.post(url, {"invoice": invoice.pk, "amount": "100.00"})  # the rest due
    assert response.status_code == 200 and response.data["unallocated"] == "385.00"
    invoice.refresh_from_db()
    assert invoice.payment_state == PaymentState.PAID


def test_credit_is_not_allocated_to_another_clients_invoice(manager):
    payment = payment_record(client=ClientFactory(), amount="50", by=None, keep_credit=True)
    invoice = issued_invoice()
    with unchanged(Payment, PaymentAllocation, Invoice):
        response = manager.post(f"{PAYMENTS}{payment.pk}/allocate/", {"invoice": invoice.pk})
    assert response.status_code == 400
    assert "another client's invoice" in str(response.data["invoice"])


# --- PDFs ----------------------------------------------------------------------------------------


def _pdf(response) -> bytes:
    assert response.status_code == 200, getattr(response, "data", response)
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF")
    return data


def test_an_issued_invoices_pdf_is_stored_once_and_served_as_issued(manager):
    invoice = issued_invoice()
    first = _pdf(manager.get(f"{INVOICES}{invoice.pk}/pdf/"))
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 and invoice.pdf.name
    assert _pdf(manager.get(f"{INVOICES}{invoice.pk}/pdf/", {"download": "1"})) == first
    response = manager.get(f"{INVOICES}{invoice.pk}/pdf/", {"download": "1"})
    assert response["Content-Disposition"].startswith("attachment")


def test_a_credit_notes_pdf_and_a_drafts_which_is_never_stored(manager):
    note = credit_note_create(
        invoice=issued_invoice(), by=None, reason="Short", amount_excl_vat="5"
    )
    _pdf(manager.get(f"{CREDIT_NOTES}{note.pk}/pdf/"))
    draft = draft_invoice()
    _pdf(manager.get(f"{INVOICES}{draft.pk}/pdf/"))
    draft.refresh_from_db()
    assert not draft.pdf_sha256


def test_a_stored_pdf_that_changed_is_a_409_not_drawn_again(manager):
    invoice = issued_invoice()
    _pdf(manager.get(f"{INVOICES}{invoice.pk}/pdf/"))
    Invoice.objects.filter(pk=invoice.pk).update(pdf_sha256="0" * 64)
    response = manager.get(f"{INVOICES}{invoice.pk}/pdf/")
    assert response.status_code == 409
    assert "is not the one issued" in response.json()["detail"]


def test_an_operator_gets_no_pdf_a_viewer_does(api):
    invoice = issued_invoice()
    assert api("Operator").get(f"{INVOICES}{invoice.pk}/pdf/").status_code == 403
    viewer = api("Viewer")
    _pdf(viewer.get(f"{INVOICES}{invoice.pk}/pdf/"))
    assert viewer.get(f"{INVOICES}0/pdf/").status_code == 404


def test_a_quotes_pdf_is_drawn_for_those_who_read_quotes(api, manager):
    quote = services.quote_create(project=ProjectFactory(), by=None)
    services.quote_line_add(quote=quote, by=None, description="Plate", unit_price="100", quantity=3)
    _pdf(manager.get(f"/api/v1/quotes/{quote.pk}/pdf/"))
    assert api("Operator").get(f"/api/v1/quotes/{quote.pk}/pdf/").status_code == 403
    assert manager.get("/api/v1/quotes/0/pdf/").status_code == 404


# --- the roles matrix -----------------------------------------------------------------------------


ACTIONS = {
    "issue": lambda: (f"{INVOICES}{draft_invoice().pk}/issue/", None),
    "add-line": lambda: (f"{INVOICES}{draft_invoice().pk}/lines/", LINE),
    "delete": lambda: (f"{INVOICES}{draft_invoice().pk}/", "DELETE"),
    "credit": lambda: (CREDIT_NOTES, {"invoice": issued_invoice().pk, "reason": "x"}),
    "pay": lambda: (PAYMENTS, {"client": ClientFactory().pk, "amount": "5", "keep_credit": True}),
    "allocate": lambda: _allocation(),
}


def _allocation():
    client = ClientFactory()
    payment = payment_record(
        client=client, project=ProjectFactory(client=client), amount="5", by=None, keep_credit=True
    )
    invoice = issued_invoice(project=ProjectFactory(client=client))
    return f"{PAYMENTS}{payment.pk}/allocate/", {"invoice": invoice.pk}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("Admin", True), ("Manager", True), ("Viewer", False), ("Operator", False)],
)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_roles_matrix_on_each_write(api, role, allowed, name):
    """Finance: Admin and Manager all, Viewer reads only, Operator nothing."""
    url, body = ACTIONS[name]()
    client = api(role)
    if allowed:
        response = client.delete(url) if body == "DELETE" else client.post(url, body)
        assert response.status_code in (200, 201, 204), response.data
        return
    with unchanged(Invoice, InvoiceLine, CreditNote, Payment, PaymentAllocation):
        response = client.delete(url) if body == "DELETE" else client.post(url, body)
    assert response.status_code == 403, response.data


@pytest.mark.parametrize("url", [INVOICES, CREDIT_NOTES, PAYMENTS])
def test_an_operator_sees_no_money_document_a_viewer_reads_them(api, url):
    credit_note_create(invoice=issued_invoice(), by=None, reason="x", amount_excl_vat="1")
    payment_record(client=ClientFactory(), amount="5", by=None, keep_credit=True)
    assert api("Operator").get(url).status_code == 403
    response = api("Viewer").get(url)
    assert response.status_code == 200 and response.data["count"] == 1


# --- filters --------------------------------------------------------------------------------------


def test_the_overdue_status_and_client_filters(manager):
    client = ClientFactory()
    late = issued_invoice(project=ProjectFactory(client=client))
    Invoice.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    due_today = issued_invoice(project=ProjectFactory(client=client))
    draft = draft_invoice(project=ProjectFactory(client=client))
    paid_late = issued_invoice()
    Invoice.objects.filter(pk=paid_late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    payment_record(client=paid_late.client, amount=paid_late.total, by=None)

    def ids(**query):
        response = manager.get(INVOICES, query)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {due_today.pk, draft.pk, paid_late.pk}
    assert ids(status="draft") == {draft.pk}
    assert ids(status=["draft", "issued"]) == {late.pk, due_today.pk, draft.pk, paid_late.pk}
    assert ids(client=client.pk) == {late.pk, due_today.pk, draft.pk}
    assert ids(client=client.pk, overdue="true", payment_state="unpaid") == {late.pk}
    assert manager.get(f"{INVOICES}{late.pk}/").data["overdue"] is True
    response = manager.get(INVOICES, {"status": "sent"})
    assert response.status_code == 400 and "status" in response.data


# --- query counts ---------------------------------------------------------------------------------


def _invoice_with_everything(n: int) -> None:
    """An issued invoice from a quote-less job, two lines, part paid, part credited."""
    invoice = draft_invoice(n)
    invoice_line_add(invoice=invoice, by=None, description="Delivery", quantity=1, unit_price="20")
    invoice_issue(invoice=invoice, by=None)
    payment_record(client=invoice.client, amount="10", by=None, invoices=[invoice])
    credit_note_create(invoice=invoice, by=None, reason="Late", amount_excl_vat="5")


@pytest.mark.parametrize("url", [INVOICES, CREDIT_NOTES, PAYMENTS])
def test_the_lists_run_as_many_queries_at_20_rows_as_at_5(manager, url):
    """Each row brings its lines, allocations and their invoices (5 against 20 rows: each row
    is an invoice issued, paid and credited through the services, ~1 s a row at 50)."""
    model = {INVOICES: Invoice, CREDIT_NOTES: CreditNote, PAYMENTS: Payment}[url]
    assert_constant_queries(
        lambda: manager.get(url), grow_to(model, _invoice_with_everything), small=5, large=20
    )


# --- money is never a float -----------------------------------------------------------------------


def _finance_serializers():
    for name in ("finance.api", "finance.billing_api"):
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, serializers.Serializer)
                and obj.__module__ == name
            ):
                yield obj


def _walk(fields, where):
    for name, field in fields.items():
        yield f"{where}.{name}", name, field
        child = getattr(field, "child", None)
        if isinstance(field, serializers.Serializer):
            yield from _walk(field.fields, f"{where}.{name}")
        elif isinstance(child, serializers.Serializer):
            yield from _walk(child.fields, f"{where}.{name}")
        elif child is not None:
            yield f"{where}.{name}[]", name, child


def test_money_is_never_a_float_in_finance_models_or_serializers():
    from django.apps import apps

    from laseros.tests.test_money import _money_like

    for model in apps.get_app_config("finance").get_models():
        for field in model._meta.concrete_fields:
            where = f"{model.__name__}.{field.name}"
            assert not isinstance(field, models.FloatField), f"{where} is a float"
            if _money_like(field.name) and isinstance(field, models.Field):
                assert not isinstance(field, models.IntegerField | models.FloatField), where
    found = 0
    for serializer_class in _finance_serializers():
        found += 1
        declared = set(getattr(serializer_class, "money_fields", ()))
        for where, name, field in _walk(serializer_class().fields, serializer_class.__name__):
            if isinstance(field, serializers.FloatField):
                # a float is a length in millimetres (a sheet's size), never a sum of money
                assert name.endswith("_mm") and not _money_like(name), f"{where} is a float"
            if isinstance(field, serializers.DecimalField):
                as_string = getattr(
                    field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING
                )
                assert as_string, f"{where} answers a JSON number"
        if serializer_class.__module__ == "finance.billing_api":
            names = set(serializer_class().fields)
            undeclared = {n for n in names if _money_like(n)} - declared
            assert not undeclared, f"{serializer_class.__name__}: money_fields lacks {undeclared}"
    assert found >= 15


def _floats(value, where: str) -> list[str]:
    """Where in a JSON answer a number is a float."""
    if isinstance(value, float):
        return [where]
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _floats(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [f for index, item in enumerate(value) for f in _floats(item, f"{where}[{index}]")]
    return []


def test_every_sum_in_the_answers_is_a_string(manager):
    _invoice_with_everything(0)
    for url in (INVOICES, CREDIT_NOTES, PAYMENTS):
        response = manager.get(url)
        assert response.status_code == 200 and response.json()["count"] == 1
        assert not _floats(response.json(), url)
    body = manager.get(INVOICES).json()["results"][0]
    # (100 + 20) + 15 % = 138.00, less 10.00 paid and a credit of 5.00 + 0.75 VAT
    assert body["total"] == "138.00" and Decimal(body["balance"]) == Decimal("122.25")
    assert body["status"] == InvoiceStatus.ISSUED
