"""What it costs and what we bill: the shop's rates (pricing), later quotes, invoices, payments.

Rates are data a manager edits in the admin; every change goes through `finance.services` and is
kept in the rates' change log and the audit trail. The pricing engine (`finance.pricing`) never
reads these models: `finance.selectors.pricing_inputs` turns them into its plain inputs, which a
quote line will keep as they were.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from laseros.help_texts import with_settings

ZERO = Decimal("0")
CENT_VALUE = Decimal("0.01")
MONEY = {"max_digits": 12, "decimal_places": 2}
PCT = {"max_digits": 5, "decimal_places": 2}
MINUTES = {"max_digits": 7, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(ZERO)]
PERCENT = [MinValueValidator(ZERO), MaxValueValidator(Decimal("1000"))]
MAX_MONEY = Decimal("9999999999.99")
MONEY_RANGE = [MinValueValidator(ZERO), MaxValueValidator(MAX_MONEY)]
RATES_PK = 1


def default_sheet_utilisation() -> Decimal:
    return Decimal(str(settings.SHEET_UTILISATION))


class ShopRates(models.Model):
    """The shop's pricing rates: one row, changed through `finance.services.rates_update`, which
    keeps a change log (who, when, why, each value before and after)."""

    machine = models.ForeignKey(
        "production.Machine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The machine prices are worked out on, at its hourly rate (set on the machine). "
        "Empty: the machine paid jobs are queued on.",
    )
    travel_allowance_pct = models.DecimalField(
        "travel allowance (%)",
        **PCT,
        default=Decimal("10"),
        validators=PERCENT,
        help_text="Added to the cutting and piercing time for the head's moves between cuts.",
    )
    setup_minutes_per_job = models.DecimalField(
        **MINUTES,
        default=Decimal("15"),
        validators=NOT_NEGATIVE,
        help_text="Loading the sheet, the program and the first cut check, once per job; shared "
        "by the job's parts and spread over their quantity.",
    )
    setup_minutes_per_part = models.DecimalField(
        **MINUTES,
        default=Decimal("5"),
        validators=NOT_NEGATIVE,
        help_text="Extra set-up for each different part of a job, spread over its quantity.",
    )
    handling_per_part = models.DecimalField(
        "handling per part (R)",
        **MONEY,
        default=Decimal("0.50"),
        validators=MONEY_RANGE,
        help_text="Deburring, sorting and packing one part, excl. VAT.",
    )
    bending_per_bend = models.DecimalField(
        "bending per bend (R)",
        **MONEY,
        default=Decimal("15.00"),
        validators=MONEY_RANGE,
        help_text="Each bend of each part on the press brake, excl. VAT.",
    )
    margin_pct = models.DecimalField(
        "margin (%)",
        **PCT,
        default=Decimal("25"),
        validators=PERCENT,
        help_text="Added to the cost (machine, material, set-up, extras).",
    )
    minimum_per_part = models.DecimalField(
        "minimum per part (R)",
        **MONEY,
        default=Decimal("5.00"),
        validators=MONEY_RANGE,
        help_text="No part sells for less, excl. VAT.",
    )
    minimum_per_order = models.DecimalField(
        "minimum per order (R)",
        **MONEY,
        default=Decimal("250.00"),
        validators=MONEY_RANGE,
        help_text="An order's parts are topped up to this, excl. VAT and delivery.",
    )
    rush_surcharge_pct = models.DecimalField(
        "rush surcharge (%)",
        **PCT,
        default=Decimal("50"),
        validators=PERCENT,
        help_text="Added to a rush line's price (after margin and quantity break).",
    )
    sheet_utilisation = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=default_sheet_utilisation,
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1"))],
        help_text=with_settings(
            "The share of a sheet that ends up as parts (the shop's default is "
            "{SHEET_UTILISATION}); a part's material is its weight ÷ this."
        ),
    )
    whole_sheets = models.BooleanField(
        "whole sheets",
        default=False,
        help_text=with_settings(
            "Charge the whole sheets a job needs (estimated by nesting the parts' outlines, at "
            "most {NEST_MAX_UNITS_PER_PART} of a part per sheet) instead of the parts' weight."
        ),
    )
    no_preset_fallback = models.BooleanField(
        "price without a preset",
        default=False,
        help_text="When no cut preset matches a material, thickness and gas, price the line with "
        "the fallback speed and pierce time below (the line is marked 'no preset'). Off: such a "
        "line is refused until a preset is added.",
    )
    fallback_cut_speed_mm_min = models.DecimalField(
        "fallback cut speed (mm/min)",
        max_digits=9,
        decimal_places=1,
        default=Decimal("1000"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="A slow, safe speed for lines with no preset.",
    )
    fallback_pierce_time_s = models.DecimalField(
        "fallback pierce time (s)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=NOT_NEGATIVE,
        help_text="A long, safe pierce time for lines with no preset.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "shop rates"
        verbose_name_plural = "shop rates"
        constraints = [models.CheckConstraint(condition=Q(pk=RATES_PK), name="shoprates_one_row")]

    def __str__(self) -> str:
        return "Shop rates"


RATES_LOGGED_FIELDS = tuple(
    f.name for f in ShopRates._meta.concrete_fields if f.name not in ("id", "updated_at")
)


class ShopRatesChange(models.Model):
    """One change of the rates: who, when, why and each value before and after (the log)."""

    rates = models.ForeignKey(ShopRates, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, help_text="Why the rates were changed.")
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "rates change"

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d}: {self.reason}"

    @property
    def fields_changed(self) -> str:
        return ", ".join(sorted(self.changes))


class QuantityBreak(models.Model):
    """From a quantity on, a line is cheaper by a percentage (the largest break reached)."""

    min_quantity = models.PositiveIntegerField(
        unique=True,
        validators=[MinValueValidator(2), MaxValueValidator(1_000_000)],
        help_text="The break applies from this many parts of one line.",
    )
    discount_pct = models.DecimalField(
        "discount (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
        help_text="Taken off the line's cost and margin.",
    )

    class Meta:
        ordering = ["min_quantity"]
        verbose_name = "quantity break"

    def __str__(self) -> str:
        return f"{self.min_quantity}+ : {self.discount_pct.normalize():f} % off"


class DeliveryOption(models.Model):
    """How an order leaves the shop and what it adds to the order (collection is R 0)."""

    code = models.SlugField(max_length=30, unique=True, help_text="e.g. collect, local, courier.")
    name = models.CharField(max_length=100, help_text="As the quote shows it: Collection.")
    price = models.DecimalField(
        "price (R)", **MONEY, default=ZERO, validators=MONEY_RANGE, help_text="Excl. VAT."
    )
    is_active = models.BooleanField(default=True, help_text="Untick to stop offering it.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "delivery option"

    def __str__(self) -> str:
        return self.name


# --- quotes -----------------------------------------------------------------------------------

MAX_QUOTE_QUANTITY = 1_000_000
DISCOUNT = [MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]


class QuoteStatus(models.TextChoices):
    """A quote's statuses; the moves are data (finance.quotes.QUOTE_MOVES)."""

    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    REVISED = "revised", "Revised (a later revision replaces it)"


class QuoteStatusGroups:
    """Named groups: a quote still waiting on the client, and one that is finished."""

    OPEN = (QuoteStatus.DRAFT, QuoteStatus.SENT)
    DONE = (
        QuoteStatus.ACCEPTED,
        QuoteStatus.DECLINED,
        QuoteStatus.EXPIRED,
        QuoteStatus.REVISED,
    )


class QuoteQuerySet(models.QuerySet):
    def for_list(self) -> QuoteQuerySet:
        """What quote lists show: the job and the client, in the same query."""
        return self.select_related("project", "client", "created_by")


class Quote(models.Model):
    """A priced offer to a client for a job (QT-2026-0001, revision 1, 2, ...).

    A revision is its own row with the same number: a sent revision is never edited, so what
    the client was sent stays as it was; changing it makes the next revision (a draft)."""

    number = models.CharField(
        max_length=20,
        db_index=True,
        editable=False,
        help_text="QT-YYYY-####, per year, gap-free; every revision of a quote keeps its number.",
    )
    revision = models.PositiveSmallIntegerField(
        default=1,
        editable=False,
        validators=[MinValueValidator(1)],
        help_text="1 for the first quote sent; a change after sending makes the next one.",
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="quotes", verbose_name="job"
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="Who the quote is for: the job's client.",
    )
    status = models.CharField(
        max_length=10,
        choices=QuoteStatus.choices,
        default=QuoteStatus.DRAFT,
        editable=False,
        db_index=True,
        help_text="Draft, then sent; the client accepts or declines, or it expires.",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.CharField(
        max_length=255, blank=True, editable=False, help_text="Why it was declined or revised."
    )
    sent_on = models.DateField(
        null=True, blank=True, editable=False, help_text="When the quote went to the client."
    )
    expires_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=with_settings(
            "The date sent + {QUOTE_VALID_WORKING_DAYS} working days; after it the quote expires."
        ),
    )
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivery_name = models.CharField(
        max_length=100, blank=True, help_text="How the order leaves the shop (Collection)."
    )
    delivery_price = models.DecimalField(
        "delivery (R)", **MONEY, default=ZERO, validators=MONEY_RANGE, help_text="Excl. VAT."
    )
    minimum_per_order = models.DecimalField(
        "minimum order (R)",
        **MONEY,
        default=ZERO,
        validators=MONEY_RANGE,
        editable=False,
        help_text="The rates' minimum per order when the quote was made; the parts are topped "
        "up to it.",
    )
    subtotal = models.DecimalField(
        "parts (R)", **MONEY, default=ZERO, editable=False, help_text="The lines, excl. VAT."
    )
    minimum_top_up = models.DecimalField(
        "minimum order top-up (R)", **MONEY, default=ZERO, editable=False
    )
    total_excl_vat = models.DecimalField(
        "total excl. VAT (R)", **MONEY, default=ZERO, editable=False
    )
    vat_rate = models.DecimalField(
        "VAT rate", max_digits=5, decimal_places=4, default=ZERO, editable=False
    )
    vat = models.DecimalField("VAT (R)", **MONEY, default=ZERO, editable=False)
    total_incl_vat = models.DecimalField(
        "total incl. VAT (R)", **MONEY, default=ZERO, editable=False
    )
    notes = models.TextField(blank=True, help_text="Shown to the client under the lines.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="quote_revision_gte_1"),
            models.CheckConstraint(
                condition=Q(status__in=QuoteStatus.values), name="quote_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(total_excl_vat__gte=0) & Q(vat__gte=0),
                name="quote_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """QT-2026-0001, or QT-2026-0001 rev 2 from the second revision on."""
        return self.number if self.revision == 1 else f"{self.number} rev {self.revision}"


class QuoteLineKind(models.TextChoices):
    PRODUCT = "product", "Catalogue product"
    DRAWING = "drawing", "Measured drawing"
    TEXT = "text", "Free text"


class QuoteLine(models.Model):
    """One line of a quote: a product, a measured drawing or free text, with its price.

    A drawing's line keeps what it was priced from (the engine's input: rates, preset, material
    prices, geometry) and the breakdown, so a change of rates never moves an old quote."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=QuoteLineKind.choices)
    description = models.CharField(
        max_length=255, help_text="What the client reads: the part, the material, the size."
    )
    product = models.ForeignKey(
        "projects.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.ForeignKey(
        "ingest.FileIngest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quote_lines",
        verbose_name="drawing",
        help_text="The measured drawing the line was priced from.",
    )
    material_code = models.CharField(max_length=10, blank=True)
    thickness_mm = models.DecimalField(
        "thickness (mm)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    cut_length_mm = models.DecimalField(max_digits=12, decimal_places=1, null=True, blank=True)
    pierce_count = models.PositiveIntegerField(null=True, blank=True)
    area_mm2 = models.DecimalField(
        "area (mm²)", max_digits=14, decimal_places=1, null=True, blank=True
    )
    width_mm = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    height_mm = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUOTE_QUANTITY)],
        help_text="How many the client wants (at least 1).",
    )
    unit_price = models.DecimalField(
        "unit price (R)",
        **MONEY,
        validators=MONEY_RANGE,
        help_text="Excl. VAT; a drawing's comes from the pricing, a product's from the catalogue.",
    )
    discount_pct = models.DecimalField(
        "discount (%)",
        **PCT,
        default=ZERO,
        validators=DISCOUNT,
        help_text="Taken off the line, 0 to 100 %.",
    )
    line_total = models.DecimalField("line total (R)", **MONEY, editable=False)
    pricing_input = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The rates, preset, material prices and geometry the line was priced with.",
    )
    breakdown = models.JSONField(
        default=list, blank=True, editable=False, help_text="[{code, label, amount}]"
    )
    flags = models.JSONField(default=list, blank=True, editable=False, help_text='["no_preset"]')
    checks = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The drawing's checks when it was quoted: [{code, message}].",
    )

    class Meta:
        ordering = ["quote", "position", "id"]
        verbose_name = "quote line"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="quoteline_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quoteline_price_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0) & Q(discount_pct__lte=100),
                name="quoteline_discount_0_100",
            ),
            models.CheckConstraint(condition=Q(line_total__gte=0), name="quoteline_total_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


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


# --- payments -----------------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    EFT = "eft", "EFT"
    CASH = "cash", "Cash"
    CARD = "card", "Card"


class Payment(models.Model):
    """Money received from a client: amount, date, method, reference and the proof of payment.
    It is allocated to the client's invoices; what is not allocated is the client's credit."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name="job",
        help_text="The job it was paid for, if the client said.",
    )
    amount = models.DecimalField(
        "amount (R)",
        **MONEY,
        validators=[MinValueValidator(CENT_VALUE), MaxValueValidator(MAX_MONEY)],
        help_text="As received, VAT included.",
    )
    received_on = models.DateField(db_index=True)
    method = models.CharField(
        max_length=5, choices=PaymentMethod.choices, default=PaymentMethod.EFT
    )
    reference = models.CharField(
        max_length=100, blank=True, help_text="The bank reference or receipt number."
    )
    document = models.ForeignKey(
        "projects.ProjectDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name="proof of payment",
    )
    allocated = models.DecimalField("allocated (R)", **MONEY, default=ZERO, editable=False)
    unallocated = models.DecimalField(
        "client credit (R)",
        **MONEY,
        default=ZERO,
        editable=False,
        db_index=True,
        help_text="Not allocated to an invoice: the client's credit.",
    )
    notes = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(unallocated__gte=0),
                name="payment_allocation_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"R {self.amount} from {self.client_id} on {self.received_on}"


class PaymentAllocation(models.Model):
    """This much of a payment settles this invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField("amount (R)", **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "payment allocation"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"R {self.amount} to {self.invoice}"
