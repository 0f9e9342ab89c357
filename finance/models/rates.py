"""The shop's rates: one row a manager edits (its change log kept by `finance.services`), the
quantity breaks and the delivery options; and the field sizes every finance model shares."""

from __future__ import annotations

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
