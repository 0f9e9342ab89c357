"""Read queries on stock used by several callers: matching stock, low stock, reorders, value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, QuerySet, Sum
from django.db.models.functions import Abs, Coalesce

from .constants import material_code
from .models import Material, SheetStock


def resolve_material(material: Material | str) -> Material | None:
    """A Material from an instance, a code or a name as users type it ("GaLv", "Alu")."""
    if isinstance(material, Material):
        return material
    code = material_code(material) or (material or "").strip().upper()
    return Material.objects.filter(code=code).first()


def stock_matching(
    *,
    material: Material | str,
    thickness_mm: Decimal | float | str,
    width_mm: int | None = None,
    length_mm: int | None = None,
) -> QuerySet[SheetStock]:
    """Active stock of this material within ±STOCK_THICKNESS_TOLERANCE_MM of the thickness,
    the closest thickness first, then the most sheets on hand."""
    found = resolve_material(material)
    if found is None:
        return SheetStock.objects.none()
    thickness = Decimal(str(thickness_mm))
    tolerance = Decimal(str(settings.STOCK_THICKNESS_TOLERANCE_MM))
    queryset = SheetStock.objects.select_related("material").filter(
        material=found,
        is_active=True,
        thickness_mm__gte=thickness - tolerance,
        thickness_mm__lte=thickness + tolerance,
    )
    if width_mm and length_mm:
        short, long = sorted((int(width_mm), int(length_mm)))
        # A sheet fits either way round.
        queryset = queryset.filter(width_mm__gte=short, length_mm__gte=short).exclude(
            width_mm__lt=long, length_mm__lt=long
        )
    return queryset.annotate(off_by=Abs(F("thickness_mm") - thickness)).order_by(
        "off_by", "-quantity_on_hand", "id"
    )


def find_stock(
    material: Material | str,
    thickness_mm: Decimal | float | str,
    *,
    width_mm: int | None = None,
    length_mm: int | None = None,
) -> SheetStock | None:
    """The best sheet stock for a job's material and thickness (±0.3 mm by default), or None."""
    return stock_matching(
        material=material, thickness_mm=thickness_mm, width_mm=width_mm, length_mm=length_mm
    ).first()


def low_stock() -> QuerySet[SheetStock]:
    """Active stock at or below its reorder level, emptiest first."""
    return SheetStock.objects.low().for_list().order_by("quantity_on_hand", "material__code")


@dataclass(frozen=True)
class ReorderSuggestion:
    stock: SheetStock
    on_hand: int
    reorder_level: int
    quantity: int
    cost: Decimal


def reorder_suggestions() -> list[ReorderSuggestion]:
    """What to order now: for every low stock, the sheets to order and what they cost."""
    suggestions = []
    for stock in low_stock():
        to_order: int = stock.to_order  # type: ignore[attr-defined] # annotated by .low()
        if to_order > 0:
            suggestions.append(
                ReorderSuggestion(
                    stock=stock,
                    on_hand=stock.quantity_on_hand,
                    reorder_level=stock.reorder_level,
                    quantity=to_order,
                    cost=stock.unit_cost * to_order,
                )
            )
    return suggestions


def stock_value(queryset: QuerySet[SheetStock] | None = None) -> Decimal:
    """Σ on hand × unit cost (ZAR) over the given stock (all stock by default)."""
    queryset = SheetStock.objects.all() if queryset is None else queryset
    total = queryset.aggregate(
        total=Coalesce(
            Sum(F("quantity_on_hand") * F("unit_cost"), output_field=DecimalField()),
            Decimal("0"),
            output_field=DecimalField(),
        )
    )["total"]
    return Decimal(total).quantize(Decimal("0.01"))
