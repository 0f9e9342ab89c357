"""The documents as PDFs for people signed in to the admin: shown in the browser, or downloaded
with ?download=1. Each view checks the view permission of what it prints (the role matrix) and,
for money documents, that the user sees money (laseros.money): operators get a 403. A delivery
note has no prices, so whoever may see the job may print it. URL names: finance/urls.py."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from clients.models import Client
from laseros.files import FILE_CSP
from laseros.money import can_see_money
from projects.models import Project

from . import pdf
from .models import CreditNote, Invoice, Quote
from .services.documents import StoredPdfChanged, issued_pdf
from .statements import client_statement


def _allowed(request: HttpRequest, *perms: str, money: bool = True) -> HttpResponse | None:
    """None when the user may have the document; else the login page or a 403."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_active and user.is_staff) or not user.has_perms(perms):
        raise PermissionDenied
    if money and not can_see_money(user):
        raise PermissionDenied
    return None


def pdf_response(request: HttpRequest, data: bytes, filename: str) -> HttpResponse:
    """The PDF inline (the browser shows it), or as a download with ?download=1."""
    response = HttpResponse(data, content_type="application/pdf")
    as_attachment = request.GET.get("download") in ("1", "true", "yes")
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A quote's PDF (drawn now: a sent quote never changes, nor does its PDF)."""
    if (refused := _allowed(request, "finance.view_quote")) is not None:
        return refused
    quote = get_object_or_404(Quote, pk=pk)
    return pdf_response(request, pdf.quote_pdf(quote), f"{quote.label}.pdf")


def _issued(request: HttpRequest, document: Invoice | CreditNote) -> HttpResponse:
    try:
        data = issued_pdf(document=document, by=request.user)
    except StoredPdfChanged as exc:
        return HttpResponse(
            " ".join(exc.messages), status=409, content_type="text/plain; charset=utf-8"
        )
    return pdf_response(request, data, f"{document.label}.pdf")


@require_safe
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A tax invoice's PDF: an issued one as it was first drawn and stored; a draft drawn now."""
    if (refused := _allowed(request, "finance.view_invoice")) is not None:
        return refused
    return _issued(request, get_object_or_404(Invoice, pk=pk))


@require_safe
def credit_note_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _allowed(request, "finance.view_creditnote")) is not None:
        return refused
    return _issued(request, get_object_or_404(CreditNote, pk=pk))


@require_safe
def delivery_note_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's delivery note: its parts and quantities, no prices."""
    if (refused := _allowed(request, "projects.view_project", money=False)) is not None:
        return refused
    project = get_object_or_404(Project, pk=pk)
    return pdf_response(
        request, pdf.delivery_note_pdf(project), f"Delivery note {project.code}.pdf"
    )


def _date(value: str | None, default: dt.date, name: str) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"?{name}= is a date written YYYY-MM-DD (2026-11-30), not {value[:20]!r}."
        ) from None


@require_safe
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A client's statement, ?start=YYYY-MM-DD&end=YYYY-MM-DD (default: this month to today)."""
    if (refused := _allowed(request, "finance.view_invoice", "clients.view_client")) is not None:
        return refused
    client = get_object_or_404(Client, pk=pk)
    today = timezone.localdate()
    try:
        end = _date(request.GET.get("end"), today, "end")
        start = _date(request.GET.get("start"), end.replace(day=1), "start")
        statement = client_statement(client, start=start, end=end)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            " ".join(exc.messages), content_type="text/plain; charset=utf-8"
        )
    name = f"Statement {client.code} {start:%Y-%m-%d} to {end:%Y-%m-%d}.pdf"
    return pdf_response(request, pdf.statement_pdf(statement), name)
