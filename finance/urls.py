"""Finance's pages outside the admin: the documents as PDFs (finance/pdf_views.py).

Included by the root URLs as path("finance/", include("finance.urls")); the names are
finance:quote-pdf, finance:invoice-pdf, finance:credit-note-pdf, finance:delivery-note-pdf (a
job's id) and finance:statement-pdf (a client's id, ?start=&end=)."""

from django.urls import path

from . import pdf_views

app_name = "finance"

urlpatterns = [
    path("quotes/<int:pk>/pdf/", pdf_views.quote_pdf, name="quote-pdf"),
    path("invoices/<int:pk>/pdf/", pdf_views.invoice_pdf, name="invoice-pdf"),
    path("credit-notes/<int:pk>/pdf/", pdf_views.credit_note_pdf, name="credit-note-pdf"),
    path("jobs/<int:pk>/delivery-note/pdf/", pdf_views.delivery_note_pdf, name="delivery-note-pdf"),
    path("clients/<int:pk>/statement/pdf/", pdf_views.statement_pdf, name="statement-pdf"),
]
