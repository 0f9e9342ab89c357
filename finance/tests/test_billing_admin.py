"""The books in the admin: a draft invoice typed with its lines, issued by its button; payments
and credit notes from the invoice's page; an issued invoice that cannot be edited or deleted;
the payment form that says when a payment is more than is due; the job's and client's pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finance.models import CreditNote, Invoice, InvoiceStatus, Payment, PaymentState
from finance.services.invoices import invoice_create, invoice_issue
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db


def _lines(*rows):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for n, (description, quantity, price, discount) in enumerate(rows):
        data |= {
            f"lines-{n}-position": str(n + 1),
            f"lines-{n}-description": description,
            f"lines-{n}-quantity": str(quantity),
            f"lines-{n}-unit_price": price,
            f"lines-{n}-discount_pct": discount,
        }
    for prefix in ("allocations", "credit_notes"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


@pytest.fixture
def boss(client, make_user):
    client.force_login(make_user("boss", role="Manager"))
    return client


def _issued(job, price="1000"):
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": price}]
    )
    return invoice_issue(invoice=draft, by=None)


def test_a_manager_types_a_draft_with_lines_and_issues_it(boss, job):
    response = boss.post(
        "/admin/finance/invoice/add/",
        {"project": job.pk, "reference": "PO 77", "notes": ""}
        | _lines(("Plates", 4, "250.00", "0"), ("Bends", 8, "15", "10")),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number is None
    assert invoice.subtotal == Decimal("1108.00")  # 1 000 + 8 × 15 less 10 %
    assert invoice.total == Decimal("1274.20")
    page = boss.get(f"/admin/finance/invoice/{invoice.pk}/change/").content.decode()
    assert 'data-action="issue"' in page and 'data-action="pay"' not in page
    boss.post(f"/admin/finance/invoice/{invoice.pk}/do/issue/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number.startswith("INV-")
    page = boss.get(f"/admin/finance/invoice/{invoice.pk}/change/").content.decode()
    assert "R 1 274.20 to pay" in page
    assert 'data-action="pay"' in page and 'data-action="credit"' in page
    assert "never changed or deleted" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (("Plates", -1, "10", "0"), "The quantity is at least 1"),
        (("Plates", 1, "", "0"), "This field is required"),
        (("Plates", 1, "10", "150"), "less than or equal to 100"),
    ],
)
def test_bad_lines_on_the_form_are_said_and_nothing_is_saved(boss, job, row, words):
    with unchanged(Invoice):
        response = boss.post(
            "/admin/finance/invoice/add/", {"project": job.pk, "reference": ""} | _lines(row)
        )
    assert response.status_code == 200 and words in response.content.decode()


def test_an_issued_invoice_cannot_be_edited_or_deleted(boss, job):
    invoice = _issued(job)
    with unchanged(Invoice):
        boss.post(
            f"/admin/finance/invoice/{invoice.pk}/change/",
            {"reference": "changed", "notes": "x"} | _lines(("More", 1, "1", "0")),
        )
        response = boss.post(f"/admin/finance/invoice/{invoice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert invoice.lines.count() == 1


def test_payments_and_credit_notes_from_the_invoices_page(boss, job):
    invoice = _issued(job)  # R 1 150.00
    url = f"/admin/finance/invoice/{invoice.pk}/do/"
    with unchanged(Payment):
        page = boss.post(
            url + "pay/", {"amount": "2000", "method": "eft", "received_on": ""}, follow=True
        )
    assert "R 2000.00 is more than is due (R 1150.00" in page.content.decode()
    page = boss.post(
        url + "pay/", {"amount": "500", "method": "cash", "reference": "till 4"}, follow=True
    )
    assert "R 500.00 recorded" in page.content.decode()
    invoice.refresh_from_db()
    assert invoice.payment_state == PaymentState.PART_PAID and invoice.balance == Decimal("650.00")
    with unchanged(CreditNote):
        page = boss.post(url + "credit/", {"reason": "", "amount_excl_vat": ""}, follow=True)
    assert "Say why the invoice is credited" in page.content.decode()
    page = boss.post(
        url + "credit/", {"reason": "one short", "amount_excl_vat": "100"}, follow=True
    )
    assert "credits R 115.00" in page.content.decode()
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("535.00")


def test_the_payment_form_refuses_more_than_is_due_on_its_field(boss, job):
    _issued(job, "100")
    data = {
        "client": job.client.pk,
        "amount": "500",
        "received_on": "2026-11-02",
        "method": "eft",
        "reference": "x",
        "notes": "",
        "allocations-TOTAL_FORMS": "0",
        "allocations-INITIAL_FORMS": "0",
    }
    with unchanged(Payment):
        response = boss.post("/admin/finance/payment/add/", data)
    assert response.status_code == 200
    assert "R 500.00 is more than is due" in response.content.decode()
    response = boss.post("/admin/finance/payment/add/", data | {"keep_credit": "on"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.unallocated == Decimal("385.00")
    page = boss.get(f"/admin/finance/payment/{payment.pk}/change/").content.decode()
    assert "R 385.00 of this payment is" in page


def test_the_jobs_page_lists_its_invoices_and_an_operator_sees_no_books(client, make_user, job):
    invoice = _issued(job)
    client.force_login(make_user("boss", role="Manager"))
    page = client.get(f"/admin/projects/project/{job.pk}/change/").content.decode()
    assert invoice.number in page
    client.force_login(make_user("op", role="Operator"))
    assert client.get("/admin/finance/invoice/").status_code == 403
    assert client.get("/admin/finance/payment/").status_code == 403
    page = client.get(f"/admin/projects/project/{job.pk}/change/").content.decode()
    assert invoice.number not in page


def test_the_invoice_list_filters_overdue(boss, job):
    import datetime as dt

    job.client.payment_terms = "net7"
    job.client.save()
    old = invoice_issue(
        invoice=invoice_create(
            project=job, by=None, lines=[{"description": "Old", "quantity": 1, "unit_price": "5"}]
        ),
        by=None,
        today=dt.date(2026, 1, 5),
    )
    fresh = _issued(job)
    page = boss.get("/admin/finance/invoice/?overdue=yes").content.decode()
    assert old.number in page and fresh.number not in page


def test_the_lists_export_to_xero_and_sage(boss, job):
    invoice = _issued(job)
    for action, heading in (("export_xero", "*ContactName"), ("export_sage", "Customer")):
        response = boss.post(
            "/admin/finance/invoice/",
            {"action": action, "_selected_action": [invoice.pk]},
        )
        assert response.status_code == 200, action
        assert response["Content-Type"].startswith("text/csv")
        body = response.content.decode()
        assert heading in body.splitlines()[0] and invoice.number in body


def test_an_accepted_quote_becomes_a_draft_invoice_or_a_deposit(boss, job):
    from finance import services
    from projects.models import ProjectStatus
    from projects.services import project_transition
    from projects.tests.factories import design_document

    design_document(job)
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Plate", unit_price="100", quantity=3)
    url = f"/admin/finance/invoice/from-quote/{quote.pk}/"
    with unchanged(Invoice):
        page = boss.post(url, {"kind": "standard"}, follow=True).content.decode()
    assert "only an accepted quote is invoiced" in page
    services.quote_send(quote=quote, by=None)
    services.quote_accept(quote=quote, by=None)
    with unchanged(Invoice):
        page = boss.post(url, {"kind": "deposit", "deposit_pct": "150"}, follow=True)
    assert "less than 100 %" in page.content.decode()
    page = boss.get(f"/admin/finance/quote/{quote.pk}/change/").content.decode()
    assert 'data-action="invoice"' in page and url in page
    response = boss.post(url, {"kind": "deposit", "deposit_pct": "50"})
    deposit = Invoice.objects.get()
    assert response["Location"] == f"/admin/finance/invoice/{deposit.pk}/change/"
    assert deposit.kind == "deposit" and deposit.subtotal == Decimal("150.00")


def test_the_pages_link_their_pdfs(boss, job):
    from finance.services.invoices import credit_note_create

    invoice = _issued(job)
    note = credit_note_create(invoice=invoice, by=None, reason="short", amount_excl_vat="10")
    page = boss.get(f"/admin/finance/invoice/{invoice.pk}/change/").content.decode()
    assert f"/finance/invoices/{invoice.pk}/pdf/" in page
    assert f"/finance/credit-notes/{note.pk}/pdf/" in page
    response = boss.get(f"/finance/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client_page = boss.get(f"/admin/clients/client/{job.client.pk}/change/").content.decode()
    assert f"/finance/clients/{job.client.pk}/statement/pdf/" in client_page


def test_the_job_list_invoices_a_jobs_lines(boss, job):
    from projects.models import ProjectLine
    from projects.tests.factories import ProductFactory

    product = ProductFactory(name="Bracket")
    ProjectLine.objects.create(project=job, product=product, quantity=4, unit_price="25.00")
    page = boss.post(
        "/admin/projects/project/",
        {"action": "invoice_job_lines", "_selected_action": [job.pk]},
        follow=True,
    ).content.decode()
    invoice = Invoice.objects.get()
    assert f"{job.code}: draft" in page and "R 115.00 incl. VAT" in page
    assert [(line.description, line.quantity) for line in invoice.lines.all()] == [
        (f"{product.sku} Bracket", 4)
    ]
    with unchanged(Invoice):
        job.lines.all().delete()
        page = boss.post(
            "/admin/projects/project/",
            {"action": "invoice_job_lines", "_selected_action": [job.pk]},
            follow=True,
        ).content.decode()
    assert "has no job lines to invoice" in page
