"""What we cut from: materials, sheet stock, every movement, offcuts.

Quantities on hand change only through `inventory.services.stock_move` (row lock, movement,
audit entry); the database refuses a negative balance as the last line of defence.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

MM = {"max_digits": 6, "decimal_places": 2}
ZERO = Decimal("0")
# Bounds on what a user can send, so counts fit the database's integers on SQLite and
# PostgreSQL and a stock's value (sheets × unit cost) fits its 14 digits.
MAX_SHEETS = 100_000
MAX_SIDE_MM = 100_000
MAX_UNIT_COST = Decimal("1000000")
SHEETS = [MinValueValidator(0), MaxValueValidator(MAX_SHEETS)]
SIDE_MM = [MinValueValidator(1), MaxValueValidator(MAX_SIDE_MM)]
MAX_ALIASES = 50
ALIAS_MAX_LENGTH = 60


def validate_aliases(value) -> None:
    """Aliases are a list of names: strings of at most 60 characters (no NUL, which PostgreSQL
    refuses in JSON), at most 50 of them."""
    if not isinstance(value, list) or not all(isinstance(alias, str) for alias in value):
        raise ValidationError('Give a list of names, e.g. ["mild", "mild steel"].')
    if len(value) > MAX_ALIASES:
        raise ValidationError(f"At most {MAX_ALIASES} aliases.")
    for alias in value:
        if len(alias) > ALIAS_MAX_LENGTH or "\x00" in alias:
            raise ValidationError(
                f"An alias is a name of at most {ALIAS_MAX_LENGTH} characters: {alias[:20]!r}…"
            )


class Material(models.Model):
    """A material the shop cuts (DOMAIN.md): its code, density and the names users type."""

    code = models.CharField(max_length=10, unique=True, help_text="MS, SS, GALV, AL, VAST, ...")
    name = models.CharField(max_length=100, help_text="The name on quotes: Mild steel, Aluminium.")
    density_g_cm3 = models.DecimalField(
        "density (g/cm³)",
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Used to weigh parts for material pricing (steel 7.85).",
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names users type, matched case-insensitively."
    )
    max_thickness_mm = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The machine's limit for this material, if any.",
    )
    is_active = models.BooleanField(default=True, help_text="Untick to hide it from new work.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        """The aliases are a list of names (null, a number or an object are refused)."""
        super().clean()
        try:
            validate_aliases(self.aliases)
        except ValidationError as exc:
            raise ValidationError({"aliases": exc.messages}) from exc


class SheetStockQuerySet(models.QuerySet):
    def with_value(self):
        """Annotate `value` (on hand × unit cost, ZAR) and `to_order` (reorder suggestion)."""
        return self.annotate(
            value=ExpressionWrapper(
                F("quantity_on_hand") * F("unit_cost"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            to_order=Case(
                When(
                    quantity_on_hand__lte=F("reorder_level"),
                    then=Greatest(
                        F("reorder_quantity"), F("reorder_level") - F("quantity_on_hand") + 1
                    ),
                ),
                default=Value(0),
                output_field=models.IntegerField(),
            ),
        )

    def for_list(self):
        return self.select_related("material").with_value()

    def low(self):
        """Sheets at or below their reorder level (a level of 0 means: warn when out)."""
        return self.filter(is_active=True, quantity_on_hand__lte=F("reorder_level"))


class SheetStock(models.Model):
    """Full sheets of one material, thickness and size kept in one place, counted in sheets."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="stock")
    thickness_mm = models.DecimalField(
        **MM, validators=[MinValueValidator(Decimal("0.1"))], help_text="Nominal thickness."
    )
    width_mm = models.PositiveIntegerField(validators=SIDE_MM, help_text="Sheet width, e.g. 1225.")
    length_mm = models.PositiveIntegerField(
        validators=SIDE_MM, help_text="Sheet length, e.g. 2450."
    )
    quantity_on_hand = models.IntegerField(
        default=0,
        editable=False,
        validators=SHEETS,
        help_text="Whole sheets in stock. Changed only by stock movements (receive, use, adjust).",
    )
    reorder_level = models.PositiveIntegerField(
        default=0,
        validators=SHEETS,
        help_text="Reorder when the sheets on hand fall to this number or below.",
    )
    reorder_quantity = models.PositiveIntegerField(
        default=0, validators=SHEETS, help_text="How many sheets to order at a time."
    )
    location = models.CharField(max_length=60, blank=True, help_text="Rack or bay, e.g. Rack A.")
    unit_cost = models.DecimalField(
        "unit cost (ZAR)",
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(MAX_UNIT_COST)],
        help_text="What one sheet costs, excluding VAT.",
    )
    supplier = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Untick for sheets no longer stocked.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SheetStockQuerySet.as_manager()

    class Meta:
        ordering = ["material__code", "thickness_mm", "width_mm", "length_mm"]
        verbose_name = "sheet stock"
        verbose_name_plural = "sheet stock"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_on_hand__gte=0), name="sheetstock_on_hand_not_negative"
            ),
            models.UniqueConstraint(
                fields=["material", "thickness_mm", "width_mm", "length_mm", "location"],
                name="sheetstock_unique_kind_per_location",
            ),
        ]
        indexes = [models.Index(fields=["material", "thickness_mm"])]

    def __str__(self) -> str:
        text = f"{self.material.code} {self.thickness_mm.normalize():f}mm"
        text += f" {self.width_mm}×{self.length_mm}"
        return f"{text} ({self.location})" if self.location else text

    @property
    def stock_value(self) -> Decimal:
        return (self.unit_cost or ZERO) * self.quantity_on_hand

    @property
    def is_low(self) -> bool:
        return self.quantity_on_hand <= self.reorder_level

    @property
    def suggested_order(self) -> int:
        """Sheets to order now: the reorder quantity, or enough to rise above the level."""
        if not self.is_low:
            return 0
        return max(self.reorder_quantity, self.reorder_level - self.quantity_on_hand + 1)


class MovementKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase (received)"
    USAGE = "usage", "Usage (cut)"
    ADJUSTMENT = "adjustment", "Adjustment (stock take)"
    RETURN = "return", "Return (back to stock)"
    WASTE = "waste", "Waste (damaged, scrapped)"


# Which way each kind moves stock: +1 adds, -1 takes, 0 either (DOMAIN.md's movement kinds).
MOVEMENT_SIGN = {
    MovementKind.PURCHASE: 1,
    MovementKind.RETURN: 1,
    MovementKind.USAGE: -1,
    MovementKind.WASTE: -1,
    MovementKind.ADJUSTMENT: 0,
}


class StockMovementQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("stock__material", "by", "caused_by_type")


class StockMovement(models.Model):
    """One change to a sheet stock's count, with the balance after it: the stock's ledger.

    Written only by `inventory.services.stock_move`. `caused_by` names what caused it (a laser
    run, a purchase order) without inventory importing the app that owns it.
    """

    stock = models.ForeignKey(SheetStock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices, db_index=True)
    quantity = models.IntegerField(
        validators=[MinValueValidator(-MAX_SHEETS), MaxValueValidator(MAX_SHEETS)],
        help_text="Sheets in (+) or out (−).",
    )
    balance_after = models.IntegerField(
        validators=SHEETS, help_text="Sheets on hand after this movement."
    )
    reason = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who moved the stock; empty for the system.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    caused_by_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    caused_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    caused_by = GenericForeignKey("caused_by_type", "caused_by_id")
    reference = models.CharField(
        max_length=120, blank=True, help_text="What caused it, in words: 'Laser run 12', 'PO 881'."
    )

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="stockmovement_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["purchase", "return"], quantity__gt=0)
                    | Q(kind__in=["usage", "waste"], quantity__lt=0)
                    | (Q(kind="adjustment") & ~Q(quantity=0))
                ),
                name="stockmovement_sign_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["caused_by_type", "caused_by_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} → {self.balance_after}"


def offcut_min_size_mm() -> tuple[int, int]:
    """The smallest remnant worth keeping, (short side, long side) in mm (DOMAIN.md 150×300)."""
    return (
        int(getattr(settings, "OFFCUT_MIN_WIDTH_MM", 150)),
        int(getattr(settings, "OFFCUT_MIN_LENGTH_MM", 300)),
    )


class OffcutStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    USED = "used", "Used"
    SCRAPPED = "scrapped", "Scrapped"


# The allowed moves of an offcut (STYLE.md rule 4); checked in inventory.services.
OFFCUT_TRANSITIONS = {
    OffcutStatus.AVAILABLE: {OffcutStatus.USED, OffcutStatus.SCRAPPED},
    OffcutStatus.USED: set(),
    OffcutStatus.SCRAPPED: set(),
}


class OffcutQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("material", "source_stock__material")

    def available(self):
        return self.filter(status=OffcutStatus.AVAILABLE)


class Offcut(models.Model):
    """A remnant big enough to keep (DOMAIN.md: larger than 150×300 mm), tagged OC-0001."""

    tag = models.CharField(
        max_length=20, unique=True, editable=False, help_text="Generated OC-0001; never reused."
    )
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="offcuts")
    thickness_mm = models.DecimalField(**MM, validators=[MinValueValidator(Decimal("0.1"))])
    width_mm = models.PositiveIntegerField(validators=SIDE_MM, help_text="The shorter side, in mm.")
    length_mm = models.PositiveIntegerField(validators=SIDE_MM, help_text="The longer side, in mm.")
    location = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10,
        choices=OffcutStatus.choices,
        default=OffcutStatus.AVAILABLE,
        editable=False,
        db_index=True,
    )
    source_stock = models.ForeignKey(
        SheetStock,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offcuts",
        help_text="The sheet stock it was cut from, if known.",
    )
    source_reference = models.CharField(
        max_length=120, blank=True, help_text="Where it came from: 'Laser run 12'."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OffcutQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width_mm__lte=F("length_mm")), name="offcut_width_is_shorter_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.material.code} {self.thickness_mm.normalize():f}mm {self.size}"

    def clean(self) -> None:
        """The width is the shorter side; too small a remnant is not kept (a setting)."""
        from django.core.exceptions import ValidationError

        if self.width_mm and self.length_mm and self.width_mm > self.length_mm:
            self.width_mm, self.length_mm = self.length_mm, self.width_mm
        min_w, min_l = offcut_min_size_mm()
        if self.width_mm and self.length_mm and (self.width_mm < min_w or self.length_mm < min_l):
            raise ValidationError(
                f"An offcut of {self.width_mm}×{self.length_mm} mm is too small to keep: "
                f"remnants must be at least {min_w}×{min_l} mm."
            )

    @property
    def size(self) -> str:
        return f"{self.width_mm}×{self.length_mm}"

    @property
    def area_mm2(self) -> int:
        return self.width_mm * self.length_mm
