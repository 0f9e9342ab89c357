"""Background work of finance: thin, it calls the services."""

from __future__ import annotations

from .services import quotes_expire


def expire_quotes() -> str:
    """Daily: sent quotes past their last valid day expire. Returns the summary for the log."""
    return quotes_expire().summary()


def store_issued_pdf(kind: str, pk: int) -> str:
    """After an invoice or a credit note is issued: its PDF drawn and stored with its sha256,
    so it shows the shop's details as they were on the day (not when it is first opened)."""
    from .models import CreditNote, Invoice
    from .services.documents import issued_pdf

    document: Invoice | CreditNote | None = (
        Invoice.objects.filter(pk=pk).first()
        if kind == "invoice"
        else CreditNote.objects.filter(pk=pk).first()
    )
    if document is None:
        return f"{kind} {pk}: gone"
    data = issued_pdf(document=document)
    return f"{document}: PDF stored ({len(data)} bytes)"
