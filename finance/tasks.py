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
    if isinstance(document, Invoice) and document.project_id:
        from .services.invoices import invoice_email

        invoice_email(invoice=document, pdf=data)  # the client's e-mail, with the PDF issued
    return f"{document}: PDF stored ({len(data)} bytes)"


def email_quote(pk: int) -> str:
    """After a quote is sent: the client's e-mail with its PDF (comms keeps it to one)."""
    from comms.services import quote_sent

    from .models import Quote
    from .pdf import quote_pdf
    from .services.quote_status import quote_message_fields

    quote = Quote.objects.select_related("project__client").filter(pk=pk).first()
    if quote is None:
        return f"quote {pk}: gone"
    message = quote_sent(
        job=quote.project,
        quote=quote_message_fields(quote),
        document=quote,
        pdf=quote_pdf(quote),
    )
    return f"{quote.label}: " + (
        f"message {message.pk} {message.status}" if message else "no template"
    )


def send_payment_reminders() -> str:
    """Daily: reminders for overdue invoices on the days in COMMS_PAYMENT_REMINDER_DAYS."""
    from .services.invoices import payment_reminders

    return f"{payment_reminders()} payment reminders queued"
