"""Quotes (QT-YYYY-####, revisions as rows) and their lines, each keeping what it was priced with."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from laseros.help_texts import with_settings

from .rates import MONEY, MONEY_RANGE, PCT, ZERO

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
