"""The documents as PDFs (issue 11, part 6), read back with PyMuPDF: a quote with its parts'
pictures, material and size lines, the R 0 collection line, VAT and the terms; a tax invoice with
what the VAT Act asks; a credit note; a delivery note with no prices; a client's statement with
its running and closing balance; an issued document's PDF stored once; who may have them.

LASEROS_PDF_SHOTS=/tmp/pdfshots saves a PNG of each document's first page there, to look at."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance import pdf, services
from finance.models import CreditNote, Invoice
from finance.services.documents import StoredPdfChanged, issued_pdf
from finance.services.invoices import (
    credit_note_create,
    invoice_create,
    invoice_from_quote,
    invoice_issue,
)
from finance.services.payments import payment_record
from finance.statements import client_statement
from laseros.models import ActivityLog
from projects.models import ProjectStatus
from projects.services import project_transition
from projects.tests.factories import design_document

pytestmark = pytest.mark.django_db  # the root URLs serve finance's under finance/

DAY = dt.date(2026, 11, 2)
CLIENT_VAT = "4123456789"


def text_of(data: bytes) -> tuple[list[str], pymupdf.Document]:
    document = pymupdf.open(stream=data, filetype="pdf")
    return [document[n].get_text() for n in range(document.page_count)], document


def one_line(text: str) -> str:
    return " ".join(text.split())


def shot(name: str, data: bytes) -> None:
    folder = os.environ.get("LASEROS_PDF_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with pymupdf.open(stream=data, filetype="pdf") as document:
            for number in range(document.page_count):
                pixmap = document[number].get_pixmap(dpi=110)
                pixmap.save(Path(folder) / f"{name}-p{number + 1}.png")


@pytest.fixture
def vat_client(job):
    client = job.client
    client.name = "Dockside Steel (Pty) Ltd"
    client.address = "1 Dock Road\nCongella\nDurban 4013"
    client.vat_number = CLIENT_VAT
    client.contact_person = "Thandi Mokoena"
    client.save()
    return client


def _drawing_quote(job, measured, *, text_lines: int = 0, send: bool = True):
    file = measured()
    quote = services.quote_create(project=job, by=None, delivery="collect")
    services.quote_line_add(quote=quote, by=None, file=file, quantity=2)
    services.quote_line_add(
        quote=quote, by=None, description="Folding, 2 bends a part", unit_price="45", quantity=2
    )
    for n in range(text_lines):
        services.quote_line_add(
            quote=quote, by=None, description=f"Gusset {n + 1}", unit_price="12.5", quantity=4
        )
    if send:
        design_document(job)
        project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
        services.quote_send(quote=quote, by=None)
    quote.refresh_from_db()
    return quote, file


def _invoice(job, lines, *, today=DAY):
    draft = invoice_create(project=job, by=None, lines=lines)
    return invoice_issue(invoice=draft, by=None, today=today)


# --- quotes -------------------------------------------------------------------------------------


def test_a_quote_shows_each_part_with_material_and_dimensions_its_picture_and_the_collection(
    vat_client, job, measured
):
    quote, file = _drawing_quote(job, measured)
    data = pdf.quote_pdf(quote)
    shot("quote", data)
    pages, document = text_of(data)
    text = one_line("\n".join(pages))
    assert "Quotation" in text and quote.number in text
    assert "Base plate" in text
    assert "Material: Mild steel (MS) 10 mm" in text
    assert "Dimensions: 200 × 200 mm" in text
    line = quote.lines.get(file=file)
    assert pdf.thumbnail_uri(file)  # the drawing has a preview
    assert f"2 {rand(line.unit_price)} {rand(line.line_total)}" in text
    # the R 0 collection line, then the totals and VAT at 15 %
    assert "Collection 1 R 0.00 R 0.00" in text
    assert f"Total excl. VAT {rand(quote.total_excl_vat)}" in text
    assert f"VAT 15 % {rand(quote.vat)}" in text
    assert f"Total incl. VAT {rand(quote.total_incl_vat)}" in text
    # the shop's terms, its VAT number and bank details; the client's
    assert "valid for 20 working days" in text
    assert "No production until paid in full" in text
    assert "Payment counts as approval of the profile" in text
    assert "VAT no. 4000123456" in text and "Demo Bank" in text
    assert "Dockside Steel (Pty) Ltd" in text and f"VAT no. {CLIENT_VAT}" in text
    assert f"Valid until {quote.expires_on:%-d %b %Y}" in text
    assert "Page 1 of 1" in text
    # the part's thumbnail is on the page (a picture 160 px on its long side)
    sizes = [(image[2], image[3]) for image in document[0].get_images()]
    assert any(max(size) == pdf.THUMBNAIL_PX for size in sizes), sizes


def test_a_quotes_pdf_reads_as_many_queries_at_6_drawing_lines_as_at_2(job, measured):
    file = measured()

    def queries(lines: int) -> int:
        quote = services.quote_create(project=job, by=None, delivery="collect")
        for _ in range(lines):
            services.quote_line_add(quote=quote, by=None, file=file, quantity=1)
        with CaptureQueriesContext(connection) as seen:
            pdf.quote_context(quote)
            pdf.delivery_lines(job)
        return len(seen)

    assert queries(2) == queries(6)


def test_a_quote_without_drawings_has_no_part_picture_and_a_draft_says_so(job):
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="Cutting", unit_price="1080.24", quantity=1
    )
    data = pdf.quote_pdf(quote)
    pages, document = text_of(data)
    text = one_line(pages[0])
    assert "DRAFT — not yet sent" in text
    assert "R 1 080.24" in text  # the house's money: a space between thousands
    assert "20 working days from sending" in text
    assert not [i for i in document[0].get_images() if max(i[2], i[3]) == pdf.THUMBNAIL_PX]


def test_a_long_quote_numbers_its_pages_and_repeats_the_heading(vat_client, job, measured):
    quote, _file = _drawing_quote(job, measured, text_lines=40)
    data = pdf.quote_pdf(quote)
    shot("quote-long", data)
    pages, _document = text_of(data)
    assert len(pages) == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert quote.number in pages[1]  # the footer names the document on every page
    assert "Unit price" in pages[1]  # the table's heading again
    assert "Gusset 40" in pages[1] and "Total incl. VAT" in pages[1]


def test_what_a_client_typed_is_printed_as_text_and_nothing_is_fetched(job, caplog):
    client = job.client
    client.name = '<img src="http://198.51.100.7/x.png"> Evil & Co'
    client.address = '<link rel="stylesheet" href="file:///etc/passwd">'
    client.save()
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="<b>bold</b> plate", unit_price="10", quantity=1
    )
    text = one_line(text_of(pdf.quote_pdf(quote))[0][0])
    assert '<img src="http://198.51.100.7/x.png"> Evil & Co' in text
    assert "<b>bold</b> plate" in text
    for address in ("file:///etc/passwd", "http://198.51.100.7/x.png"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            pdf.embedded_only().fetch(address)


# --- tax invoices and credit notes ----------------------------------------------------------------


def test_a_tax_invoice_shows_what_the_vat_act_asks(vat_client, job):
    invoice = _invoice(
        job,
        [
            {"description": "Base plate 200 × 200, MS 10 mm", "quantity": 12, "unit_price": "90"},
            {"description": "Folding", "quantity": 1, "unit_price": "5000.5"},
        ],
    )
    data = pdf.invoice_pdf(invoice)
    shot("invoice", data)
    text = one_line(text_of(data)[0][0])
    assert "Tax Invoice" in text and "DRAFT" not in text
    assert f"Invoice no. {invoice.number}" in text and "Date 2 Nov 2026" in text
    # the supplier's name, address and VAT number; the recipient's
    assert "Laser OS Demo Shop" in text and "Unit 4, 12 Demo Road" in text
    assert "VAT no. 4000123456" in text
    assert "Dockside Steel (Pty) Ltd 1 Dock Road Congella Durban 4013" in text
    assert f"VAT no. {CLIENT_VAT}" in text
    # each line: description, quantity, unit price, value; then the VAT and the total
    assert "Base plate 200 × 200, MS 10 mm 12 R 90.00 R 1 080.00" in text
    assert "Folding 1 R 5 000.50 R 5 000.50" in text
    assert "Total excl. VAT R 6 080.50" in text
    assert "VAT 15 % R 912.08" in text  # 6 080.50 × 0.15 = 912.075, half up
    assert "Total incl. VAT R 6 992.58" in text
    assert f"use {invoice.number} as the payment reference" in text


def test_an_invoice_from_a_quote_keeps_its_parts_material_and_size_lines(vat_client, job, measured):
    quote, _file = _drawing_quote(job, measured)
    services.quote_accept(quote=quote, by=None)
    draft = invoice_from_quote(quote=quote, by=None, reference="PO 4471")
    invoice = invoice_issue(invoice=draft, by=None, today=DAY)
    data = pdf.invoice_pdf(invoice)
    shot("invoice-from-quote", data)
    text = one_line(text_of(data)[0][0])
    assert "1 Base plate Material: Mild steel (MS) 10 mm Dimensions: 200 × 200 mm 2" in text
    assert "Collection 1 R 0.00 R 0.00" in text
    assert f"Our quote {quote.label}" in text and "Your order no. PO 4471" in text
    assert f"Total incl. VAT {rand(invoice.total)}" in text


def test_an_issued_invoice_prints_the_client_as_issued_and_no_vat_number_they_lack(job):
    client = job.client
    client.vat_number = ""
    client.save()
    invoice = _invoice(job, [{"description": "Cutting", "quantity": 1, "unit_price": "100"}])
    client.name = "Renamed Later (Pty) Ltd"
    client.save()
    text = one_line(text_of(pdf.invoice_pdf(invoice))[0][0])
    assert invoice.client_name in text and "Renamed Later" not in text
    assert text.count("VAT no.") == 2  # the shop's, in the heading and as supplier


def test_a_draft_invoice_says_it_is_no_tax_invoice_yet_and_is_never_stored(job):
    draft = invoice_create(
        project=job, by=None, lines=[{"description": "Cutting", "quantity": 1, "unit_price": "1"}]
    )
    data = issued_pdf(document=draft)
    text = one_line(text_of(data)[0][0])
    assert "DRAFT — not a valid tax invoice until issued" in text
    assert "(given on issue)" in text
    draft.refresh_from_db()
    assert not draft.pdf and not draft.pdf_sha256


def test_an_issued_invoices_pdf_is_stored_once_and_never_changes(job, settings):
    invoice = _invoice(job, [{"description": "Cutting", "quantity": 3, "unit_price": "100"}])
    first = issued_pdf(document=invoice)
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(".pdf") and invoice.number in invoice.pdf.name
    assert invoice.pdf_sha256 == hashlib.sha256(first).hexdigest()
    with invoice.pdf.open("rb") as stored:
        assert stored.read() == first
    # paid in part since, and the shop's details changed: the same bytes
    payment_record(client=job.client, amount="100", by=None, received_on=DAY)
    settings.SHOP_NAME = "Another Name Ltd"
    assert issued_pdf(document=invoice) == first
    assert Invoice.objects.get(pk=invoice.pk).pdf_sha256 == invoice.pdf_sha256
    stored = ActivityLog.objects.filter(message__startswith=f"PDF of {invoice.number} stored")
    assert stored.count() == 1  # once, in the audit trail


def test_a_stored_pdf_that_changed_is_refused_not_drawn_again(job):
    invoice = _invoice(job, [{"description": "Cutting", "quantity": 1, "unit_price": "100"}])
    issued_pdf(document=invoice)
    invoice.refresh_from_db()
    with invoice.pdf.open("wb") as stored:
        stored.write(b"%PDF-1.7 tampered")
    with pytest.raises(StoredPdfChanged, match="not the one issued"):
        issued_pdf(document=invoice)
    invoice.pdf.storage.delete(invoice.pdf.name)
    with pytest.raises(StoredPdfChanged, match="missing from the file store"):
        issued_pdf(document=invoice)


def test_a_credit_note_names_the_invoice_it_credits_and_is_stored_once(vat_client, job):
    invoice = _invoice(job, [{"description": "Cutting", "quantity": 2, "unit_price": "500"}])
    note = credit_note_create(
        invoice=invoice, by=None, reason="Two parts cut short", amount_excl_vat="200", today=DAY
    )
    data = issued_pdf(document=note)
    shot("credit-note", data)
    text = one_line(text_of(data)[0][0])
    assert "Credit Note" in text and note.number in text
    assert f"Credits tax invoice {invoice.number}" in text
    assert "Reason: Two parts cut short" in text
    assert "VAT no. 4000123456" in text and f"VAT no. {CLIENT_VAT}" in text
    assert "Credit excl. VAT R 200.00" in text and "VAT 15 % R 30.00" in text
    assert "Total credited R 230.00" in text
    note = CreditNote.objects.get(pk=note.pk)
    assert note.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert issued_pdf(document=note) == data


# --- delivery notes -------------------------------------------------------------------------------


def test_a_delivery_note_lists_the_accepted_quotes_parts_and_quantities_without_prices(
    vat_client, job, measured
):
    quote, _file = _drawing_quote(job, measured)
    services.quote_accept(quote=quote, by=None)
    data = pdf.delivery_note_pdf(job, today=DAY)
    shot("delivery-note", data)
    pages, document = text_of(data)
    text = one_line(pages[0])
    assert "Delivery Note" in text and job.code in text and quote.label in text
    assert "1 Base plate Material: Mild steel (MS) 10 mm Dimensions: 200 × 200 mm 2" in text
    assert "Folding, 2 bends a part 2" in text
    assert "4 parts in 2 lines" in text
    assert not re.search(r"R \d", text)  # no prices
    assert "Received by (name)" in text
    assert any(max(i[2], i[3]) == pdf.THUMBNAIL_PX for i in document[0].get_images())


def test_a_job_without_a_quote_delivers_its_drawings_parts(job, measured):
    measured()
    text = one_line(text_of(pdf.delivery_note_pdf(job, today=DAY))[0][0])
    assert "Base plate" in text and "Dimensions: 200 × 200 mm" in text


# --- statements -----------------------------------------------------------------------------------


@pytest.fixture
def statement_books(vat_client, job):
    """Before the period: INV A (R 115.00, paid on 20 Aug) and INV C (R 11.50, never paid).
    In it: INV B (R 230.00) on 10 Oct; R 115.00 paid on 15 Oct; B credited R 57.50 on 2 Nov."""
    older = _invoice(
        job,
        [{"description": "Shims", "quantity": 1, "unit_price": "10"}],
        today=dt.date(2026, 7, 1),
    )
    paid = _invoice(
        job,
        [{"description": "Cutting", "quantity": 1, "unit_price": "100"}],
        today=dt.date(2026, 8, 1),
    )
    payment_record(
        client=job.client, amount="115", by=None, received_on=dt.date(2026, 8, 20), invoices=[paid]
    )
    later = _invoice(
        job,
        [{"description": "Brackets", "quantity": 4, "unit_price": "50"}],
        today=dt.date(2026, 10, 10),
    )
    payment_record(
        client=job.client,
        amount="115",
        by=None,
        received_on=dt.date(2026, 10, 15),
        invoices=[later],
        reference="EFT 7781",
    )
    credit_note_create(
        invoice=later, by=None, reason="Short", amount_excl_vat="50", today=dt.date(2026, 11, 2)
    )
    return {"older": older, "paid": paid, "later": later}


def test_a_statement_runs_from_the_opening_to_the_closing_balance(statement_books, vat_client):
    statement = client_statement(vat_client, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))
    assert statement.opening_balance == Decimal("11.50")  # 11.50 + 115 - 115
    later = statement_books["later"]
    assert [(r.date, r.document, r.debit, r.credit, r.balance) for r in statement.rows] == [
        (dt.date(2026, 10, 10), later.number, Decimal("230.00"), 0, Decimal("241.50")),
        (dt.date(2026, 10, 15), "Payment", 0, Decimal("115.00"), Decimal("126.50")),
        (dt.date(2026, 11, 2), "CN-2026-0001", 0, Decimal("57.50"), Decimal("69.00")),
    ]
    assert statement.closing_balance == Decimal("69.00")
    # on 30 Nov: B (51 days) owes 230 - 115 - 57.50; C (152 days) owes 11.50
    ageing = statement.ageing
    assert (ageing.current, ageing.days_30, ageing.days_60, ageing.days_90_plus) == (
        0,
        Decimal("57.50"),
        0,
        Decimal("11.50"),
    )
    assert ageing.total == statement.closing_balance

    data = pdf.statement_pdf(statement)
    shot("statement", data)
    text = one_line(text_of(data)[0][0])
    assert "Statement" in text and vat_client.code in text
    assert "Opening balance R 11.50" in text
    assert f"{later.number} Invoice: JB-" in text
    assert "R 230.00 R 241.50" in text
    assert "Payment received, EFT (ref. EFT 7781) R 115.00 R 126.50" in text
    assert "R 57.50 R 69.00" in text
    assert "Closing balance R 230.00 R 172.50 R 69.00" in text
    assert "R 0.00 R 57.50 R 0.00 R 11.50 R 69.00" in text  # the ageing row


def test_money_kept_as_credit_comes_off_the_oldest_invoices_in_the_ageing(
    statement_books, vat_client
):
    payment_record(
        client=vat_client,
        amount="100",
        by=None,
        received_on=dt.date(2026, 11, 20),
        invoices=[],
        keep_credit=True,
    )
    statement = client_statement(vat_client, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert statement.closing_balance == Decimal("-31.00")
    ageing = statement.ageing
    assert ageing.days_90_plus == 0 and ageing.days_30 == 0
    assert ageing.current == Decimal("-31.00") and ageing.total == statement.closing_balance
    text = one_line(text_of(pdf.statement_pdf(statement))[0][0])
    assert "You are in credit: R 31.00" in text


def test_a_statement_that_ends_before_it_starts_is_refused(vat_client):
    with pytest.raises(Exception, match="starts .* after it ends"):
        client_statement(vat_client, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 1))


# --- views ----------------------------------------------------------------------------------------


@pytest.fixture
def issued(job):
    return _invoice(job, [{"description": "Cutting", "quantity": 1, "unit_price": "100"}])


def test_an_operator_is_refused_every_money_document_and_a_manager_gets_them(
    client, make_user, issued, job
):
    client.force_login(make_user("op", role="Operator"))
    for name, pk in (
        ("finance:invoice-pdf", issued.pk),
        ("finance:statement-pdf", job.client.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 403
    issued.refresh_from_db()
    assert not issued.pdf_sha256  # a refusal draws and stores nothing

    client.force_login(make_user("boss", role="Manager"))
    response = client.get(reverse("finance:invoice-pdf", args=[issued.pk]) + "?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'attachment; filename="{issued.number}.pdf"' == response["Content-Disposition"]
    body = response.content
    issued.refresh_from_db()
    assert hashlib.sha256(body).hexdigest() == issued.pdf_sha256
    assert client.get(reverse("finance:invoice-pdf", args=[issued.pk])).content == body


def test_an_operator_may_print_a_jobs_delivery_note_which_has_no_prices(client, make_user, job):
    client.force_login(make_user("op", role="Operator"))
    response = client.get(reverse("finance:delivery-note-pdf", args=[job.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_signed_out_visitor_is_sent_to_log_in(client, issued):
    response = client.get(reverse("finance:invoice-pdf", args=[issued.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_statement_view_reads_its_dates_and_refuses_bad_ones(
    client, make_user, statement_books, vat_client
):
    client.force_login(make_user("boss", role="Manager"))
    url = reverse("finance:statement-pdf", args=[vat_client.pk])
    response = client.get(url, {"start": "2026-10-01", "end": "2026-11-30"})
    assert response.status_code == 200
    assert "Closing balance R 230.00 R 172.50 R 69.00" in one_line(text_of(response.content)[0][0])
    bad = client.get(url, {"start": "1 Oct", "end": "2026-11-30"})
    assert bad.status_code == 400 and b"YYYY-MM-DD" in bad.content
    backwards = client.get(url, {"start": "2026-12-01", "end": "2026-11-30"})
    assert backwards.status_code == 400 and b"after it ends" in backwards.content


def test_a_viewer_reads_a_quote_and_a_credit_note(client, make_user, job, issued):
    quote = services.quote_create(project=job, by=None)
    note = credit_note_create(invoice=issued, by=None, reason="Wrong size")
    client.force_login(make_user("office", role="Viewer"))
    assert client.get(reverse("finance:quote-pdf", args=[quote.pk])).status_code == 200
    assert client.get(reverse("finance:credit-note-pdf", args=[note.pk])).status_code == 200


def rand(value: Decimal) -> str:
    from finance.pricing.engine import rand as house

    return house(value)


def test_drawing_a_pdf_leaves_truncated_images_refused(tmp_path):
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when it is imported; the worker that
    draws PDFs also reads the shop's photos, which must still refuse a truncated one."""
    import io

    from PIL import Image, ImageFile

    from finance.pdf import render_pdf

    assert render_pdf("base.html", {}).startswith(b"%PDF-")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, "PNG")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(buffer.getvalue()[:-40])
    with pytest.raises(OSError), Image.open(truncated) as image:
        image.load()
