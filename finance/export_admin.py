"""The admin's accounting-export actions: the selected invoices, credit notes or payments as a
CSV download for Xero or Sage Accounting (finance.exports says what each file holds and where
its layout comes from). Drafts in the selection are left out, and the user is told so.

Add them to an admin's `actions`: `actions = [export_xero, export_sage]` on the invoice,
credit-note and payment admins (the file holds what the admin lists: the model decides).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .exports import DOCUMENT_MODELS, Documents, Layout, documents_for_export, export_lines
from .models import InvoiceStatus

LAYOUT_NAMES = {Layout.XERO: "Xero", Layout.SAGE: "Sage Accounting"}


def export_filename(layout: Layout, what: Documents) -> str:
    """xero-invoices-20261205-1030.csv"""
    return f"{layout.value}-{what.value}-{timezone.localtime():%Y%m%d-%H%M}.csv"


def accounting_download(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], layout: Layout
) -> HttpResponse | None:
    """The selected documents in `layout` as a CSV attachment; None (and a message) when the
    selection holds nothing the books take."""
    what = DOCUMENT_MODELS.get(queryset.model)
    if what is None:
        raise TypeError(f"{queryset.model.__name__} is not exported to the books.")
    if what == Documents.INVOICES:
        drafts = queryset.filter(status=InvoiceStatus.DRAFT).count()
        if drafts:
            modeladmin.message_user(
                request,
                f"{drafts} draft invoice(s) left out of the {LAYOUT_NAMES[layout]} file: a draft "
                "is not in the books until it is issued.",
                messages.WARNING,
                fail_silently=True,
            )
    documents = documents_for_export(what, queryset)
    if not documents.exists():
        modeladmin.message_user(
            request,
            f"Nothing to export to {LAYOUT_NAMES[layout]}: choose issued invoices, credit notes "
            "or payments.",
            messages.WARNING,
            fail_silently=True,
        )
        return None
    response = HttpResponse(
        "".join(export_lines(layout, what, documents)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(layout, what)}"'
    return response


@admin.action(description="Export selected for Xero (CSV)")
def export_xero(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    return accounting_download(modeladmin, request, queryset, Layout.XERO)


@admin.action(description="Export selected for Sage Accounting (CSV)")
def export_sage(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    return accounting_download(modeladmin, request, queryset, Layout.SAGE)
