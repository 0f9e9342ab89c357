"""The dated VAT table, invoices (INV numbers on issue) and credit notes (CN) with their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .quotes import DISCOUNT, MAX_QUOTE_QUANTITY, Quote, QuoteLine
from .rates import MONEY, PCT, ZERO

# --- VAT ----------------------------------------------------------------------------------------


class VatRate(models.Model):
    """The VAT rate from a date on (South Africa: 15 % from 1 April 2018). A document keeps the
    rate of its own date, so a later change never moves an issued invoice."""

    effective_from = models.DateField(
        unique=True, help_text="The first day the rate applies (a tax point on or after it)."
    )
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
        help_text="As a fraction: 0.1500 is 15 %.",
    )
    note = models.CharField(max_length=255, blank=True, help_text="e.g. the budget that set it.")

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "VAT rate"
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="vatrate_rate_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate * 100:.2f} % from {self.effective_from:%d %b %Y}"


# --- invoices -----------------------------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    """An invoice's life: a draft may change; an issued one never does (a credit note reverses
    it). How much is paid is its payment state, beside the status."""

    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    CREDITED = "credited", "Credited (reversed in full by a credit note)"


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PART_PAID = "part_paid", "Part paid"
    PAID = "paid", "Paid"


class InvoiceKind(models.TextChoices):
    STANDARD = "standard", "Invoice"
    DEPOSIT = "deposit", "Deposit invoice"
    FINAL = "final", "Final invoice (less the deposit)"


class InvoiceQuerySet(models.QuerySet):
    def for_list(self) -> InvoiceQuerySet:
        return self.select_related("project", "client", "quote")

    def issued(self) -> InvoiceQuerySet:
        return self.filter(status=InvoiceStatus.ISSUED)

    def open(self) -> InvoiceQuerySet:
        """Issued and not paid in full: what the client still owes."""
        return self.issued().filter(balance__gt=0)

    def overdue(self, today: dt.date) -> InvoiceQuerySet:
        return self.open().filter(due_on__lt=today)


class Invoice(models.Model):
    """A tax invoice to a client for a job (INV-2026-0001).

    A draft has no number yet: the number is given when it is issued, from a gap-free yearly
    sequence, so a deleted draft never leaves a hole. From then on nothing on it changes except
    what is paid (its payments' allocations) and what is credited (credit notes). The client's
    name, address and VAT number are copied on issue, as the tax invoice printed them."""

    number = models.CharField(
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="INV-YYYY-####, given on issue; gap-free and never reused.",
    )
    kind = models.CharField(
        max_length=10,
        choices=InvoiceKind.choices,
        default=InvoiceKind.STANDARD,
        editable=False,
        help_text="An invoice for the job, a deposit on it, or the final one less the deposit.",
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="invoices", verbose_name="job"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    quote = models.ForeignKey(
        Quote,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        editable=False,
        help_text="The accepted quote it was made from, if any.",
    )
    status = models.CharField(
        max_length=10,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    payment_state = models.CharField(
        max_length=10,
        choices=PaymentState.choices,
        default=PaymentState.UNPAID,
        editable=False,
        db_index=True,
    )
    issued_on = models.DateField(
        null=True, blank=True, editable=False, db_index=True, help_text="The tax point."
    )
    due_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The issue date plus the client's terms (7 or 30 days); on issue otherwise.",
    )
    reference = models.CharField(
        max_length=100, blank=True, help_text="The client's order number, if they gave one."
    )
    notes = models.TextField(blank=True, help_text="Printed under the lines.")
    client_name = models.CharField(max_length=200, blank=True, editable=False)
    client_address = models.TextField(blank=True, editable=False)
    client_vat_number = models.CharField(
        "client VAT number", max_length=20, blank=True, editable=False
    )
    subtotal = models.DecimalField("total excl. VAT (R)", **MONEY, default=ZERO, editable=False)
    vat_rate = models.DecimalField(
        "VAT rate", max_digits=5, decimal_places=4, default=ZERO, editable=False
    )
    vat = models.DecimalField("VAT (R)", **MONEY, default=ZERO, editable=False)
    total = models.DecimalField("total incl. VAT (R)", **MONEY, default=ZERO, editable=False)
    paid = models.DecimalField("paid (R)", **MONEY, default=ZERO, editable=False)
    credited = models.DecimalField("credited (R)", **MONEY, default=ZERO, editable=False)
    balance = models.DecimalField(
        "balance (R)",
        **MONEY,
        default=ZERO,
        editable=False,
        db_index=True,
        help_text="Total less payments allocated and credit notes.",
    )
    pdf = models.FileField(upload_to="finance/invoices/", blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT)
                | (Q(number__isnull=False) & Q(issued_on__isnull=False)),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(paid__gte=0) & Q(credited__gte=0),
                name="invoice_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    def is_overdue(self, today: dt.date) -> bool:
        return (
            self.status == InvoiceStatus.ISSUED
            and self.balance > 0
            and self.due_on is not None
            and self.due_on < today
        )


class InvoiceLine(models.Model):
    """One line of an invoice: what, how many, at what price excl. VAT. A final invoice's
    deposit line is negative (less the deposit invoiced)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUOTE_QUANTITY)],
        help_text="At least 1.",
    )
    unit_price = models.DecimalField("unit price (R)", **MONEY, help_text="Excl. VAT.")
    discount_pct = models.DecimalField(
        "discount (%)", **PCT, default=ZERO, validators=DISCOUNT, help_text="0 to 100 %."
    )
    line_total = models.DecimalField("line total (R)", **MONEY, editable=False)
    quote_line = models.ForeignKey(
        QuoteLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["invoice", "position", "id"]
        verbose_name = "invoice line"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoiceline_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0) & Q(discount_pct__lte=100),
                name="invoiceline_discount_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class CreditNote(models.Model):
    """A credit note (CN-2026-0001) reverses an issued invoice, in full or in part. It is issued
    when it is made: numbered, dated, with the invoice's VAT rate, and never changed."""

    number = models.CharField(max_length=20, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="credit_notes"
    )
    issued_on = models.DateField(db_index=True)
    reason = models.CharField(max_length=255, help_text="Why the invoice is credited.")
    subtotal = models.DecimalField("total excl. VAT (R)", **MONEY, editable=False)
    vat_rate = models.DecimalField("VAT rate", max_digits=5, decimal_places=4, editable=False)
    vat = models.DecimalField("VAT (R)", **MONEY, editable=False)
    total = models.DecimalField("total incl. VAT (R)", **MONEY, editable=False)
    pdf = models.FileField(upload_to="finance/credit-notes/", blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "credit note"
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="creditnote_total_gt_0"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def label(self) -> str:
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField("unit price (R)", **MONEY, help_text="Excl. VAT.")
    line_total = models.DecimalField("line total (R)", **MONEY)

    class Meta:
        ordering = ["credit_note", "position", "id"]
        verbose_name = "credit note line"

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"
