"""The pricing engine: what a part costs to cut and sell, from plain values (DOMAIN.md, "Pricing").

Pure functions over frozen dataclasses: no ORM, no settings, `Decimal` everywhere, rounded to the
cent once (half-up) at the end. `finance.selectors.pricing_inputs` builds the inputs from the
database; a quote line can keep them (`PartPricing.to_dict()`) so its price never moves when the
rates do.

    part = price_part(PartPricing(geometry=..., material=..., preset=..., rates=..., ...))
    order = price_order([part], rates=rates, delivery=None, vat_rate=Decimal("0.15"))
"""

from .engine import (
    BreakdownItem,
    OrderPrice,
    PartPrice,
    allocate_cents,
    price_order,
    price_part,
    vat_on,
)
from .inputs import (
    Delivery,
    MaterialPrice,
    PartGeometry,
    PartPricing,
    PresetValues,
    PricingError,
    QuantityBreakRate,
    Rates,
)
from .nesting import NestPart, SheetEstimate, estimate_sheets

__all__ = [
    "BreakdownItem",
    "Delivery",
    "MaterialPrice",
    "NestPart",
    "OrderPrice",
    "PartGeometry",
    "PartPrice",
    "PartPricing",
    "PresetValues",
    "PricingError",
    "QuantityBreakRate",
    "Rates",
    "SheetEstimate",
    "allocate_cents",
    "estimate_sheets",
    "price_order",
    "price_part",
    "vat_on",
]
