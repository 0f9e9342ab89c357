"""The client's tracking pages, /t/<token>/...: server-rendered, no script (the site's CSP runs
none), plain forms that work on any phone. A tampered, expired or revoked link, and an unknown
one, get the same plain 404; every request counts toward the address's rate limit."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from finance import pdf
from finance.models import Invoice, InvoiceStatus
from finance.pdf_views import pdf_response
from finance.services.documents import StoredPdfChanged, issued_pdf
from laseros.audit.context import client_ip
from laseros.files import stored_file_response

from . import services
from .limits import over_limit
from .links import mark_used, open_link
from .selectors import quote_document, shown_quote, tracking_page

# What the page says after a form went through (?done=...): fixed words, nothing from the URL.
DONE = {
    "accepted": "Thank you: you accepted the quote. Your job is approved.",
    "declined": "Thank you: we have your answer and will be in touch.",
    "paid": "Thank you: we have your proof of payment.",
}


def not_found(request: HttpRequest) -> HttpResponse:
    """The one answer for any link that does not open: it says nothing of why."""
    return _private(render(request, "site/tracking/not_found.html", status=404))


def _private(response: HttpResponse) -> HttpResponse:
    """A client's page is theirs: not cached, not indexed. (Its address goes to no other site:
    the site's Referrer-Policy is same-origin; "no-referrer" would make the browser send
    `Origin: null` with the page's forms, which CSRF refuses.)"""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def tracked(view):
    """Count the request toward the address's limit (429 past it), then open the link (the
    plain 404 when it does not); the view gets the live link."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = over_limit(client_ip(request))
        if wait:
            response = render(request, "site/tracking/too_many.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return _private(response)
        link = open_link(token)
        if link is None:
            return not_found(request)
        return _private(view(request, link, token, *args, **kwargs))

    return never_cache(wrapper)


def _page(request: HttpRequest, link, token: str, *, error: str = "", status: int = 200):
    page = tracking_page(link.project)
    done = DONE.get(request.GET.get("done", "")) if not error else ""
    shop = {
        "phone": settings.SHOP_PHONE,
        "email": settings.SHOP_EMAIL,
        "bank_details": settings.SHOP_BANK_DETAILS,
    }
    context = {
        "page": page,
        "project": page.project,
        "token": token,
        "error": error,
        "done": done,
        "shop": shop,
    }
    return render(request, "site/tracking/page.html", context, status=status)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _back(token: str, done: str) -> HttpResponse:
    return redirect(reverse("tracking:page", args=[token]) + f"?done={done}")


@require_safe
@tracked
def page(request: HttpRequest, link, token: str) -> HttpResponse:
    mark_used(link)
    return _page(request, link, token)


@require_POST
@tracked
def accept(request: HttpRequest, link, token: str) -> HttpResponse:
    try:
        services.tracking_quote_accept(link=link, ip=client_ip(request))
    except ValidationError as exc:
        return _page(request, link, token, error=_error_text(exc), status=400)
    return _back(token, "accepted")


@require_POST
@tracked
def decline(request: HttpRequest, link, token: str) -> HttpResponse:
    try:
        services.tracking_quote_decline(
            link=link, ip=client_ip(request), reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        return _page(request, link, token, error=_error_text(exc), status=400)
    return _back(token, "declined")


@require_POST
@tracked
def payment(request: HttpRequest, link, token: str) -> HttpResponse:
    try:
        services.tracking_payment_upload(
            link=link,
            ip=client_ip(request),
            file=request.FILES.get("proof"),
            amount=request.POST.get("amount", "").strip().replace(" ", "").replace(",", "."),
        )
    except ValidationError as exc:
        return _page(request, link, token, error=_error_text(exc), status=400)
    return _back(token, "paid")


@require_safe
@tracked
def quote_file(request: HttpRequest, link, token: str) -> HttpResponse:
    """The quote the client was sent: finance's PDF, or the quote document kept with the job."""
    project = link.project
    quote = shown_quote(project)
    if quote is not None:
        return pdf_response(request, pdf.quote_pdf(quote), f"{quote.label}.pdf")
    document = quote_document(project)
    if document is None:
        return not_found(request)
    return stored_file_response(
        document.file.name, document.content_type, document.original_name, inline=True
    )


@require_safe
@tracked
def invoice_file(request: HttpRequest, link, token: str, pk: int) -> HttpResponse:
    """One of the job's issued invoices, as it was issued."""
    invoice = Invoice.objects.filter(
        pk=pk,
        project_id=link.project_id,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CREDITED),
    ).first()
    if invoice is None:
        return not_found(request)
    try:
        data = issued_pdf(document=invoice, by=None)
    except StoredPdfChanged:
        return HttpResponse(
            "This invoice cannot be shown just now; please contact us.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    return pdf_response(request, data, f"{invoice.label}.pdf")
