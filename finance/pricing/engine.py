"""The arithmetic of a price (DOMAIN.md, "Pricing"), exact until the one rounding at the end.

A part's line:
  machine   = (cut length ÷ cut speed + pierces × pierce time) × (1 + travel %) × quantity,
              at the machine's hourly rate
  material  = net area × thickness × density × price per kg ÷ sheet utilisation × quantity,
              or, in whole-sheets mode, the sheets the nest estimate needs × price per sheet
  setup     = (the job's setup minutes ÷ its distinct parts + the part's own) at the hourly rate
              (so it is spread over the quantity)
  extras    = handling per part × quantity + bends × price per bend × quantity
  margin    = margin % of all the above
  break     = the quantity break's % off (cost + margin)
  rush      = rush % on (cost + margin − break)
  minimum   = what tops the line up to the minimum per part × quantity
The unit price is that total ÷ quantity, rounded to the cent half-up (the one rounding); the line
total is unit price × quantity, and the breakdown's amounts are allocated to the cent so that they
add up to it exactly (largest remainder, ties to the earlier item).

An order adds its delivery and what tops it up to the minimum per order; VAT is on the order's
total excluding VAT, half-up to the cent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from production.estimating import EstimateError, machine_minutes

from .inputs import Delivery, PartPricing, PricingError, Rates, Snapshot
from .nesting import NestPart, SheetEstimate, estimate_sheets

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
SIXTY = Decimal(60)
MAX_QUANTITY = 1_000_000


@dataclasses.dataclass(frozen=True)
class BreakdownItem(Snapshot):
    """One part of a price: a stable code, a label in the shop's words, and its amount."""

    code: str
    label: str
    amount: Decimal

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "amount": f"{self.amount:.2f}"}


@dataclasses.dataclass(frozen=True)
class PartPrice(Snapshot):
    """A priced line: unit price and line total in cents, the breakdown that adds up to the line
    total, and the figures behind it."""

    quantity: int
    unit_price: Decimal
    line_total: Decimal
    breakdown: tuple[BreakdownItem, ...]
    machine_minutes: Decimal  # cutting, piercing and travel for the whole quantity, 2 places
    setup_minutes: Decimal
    material_kg: Decimal  # the parts' net weight, 3 places
    quantity_break_pct: Decimal
    flags: tuple[str, ...]  # "no_preset" when the machine time comes from the fallback
    sheets: SheetEstimate | None = None


@dataclasses.dataclass(frozen=True)
class OrderPrice(Snapshot):
    """The lines, what the order adds (delivery, the minimum per order) and the VAT."""

    lines: tuple[PartPrice, ...]
    extras: tuple[BreakdownItem, ...]
    total_excl_vat: Decimal
    vat_rate: Decimal
    vat: Decimal
    total_incl_vat: Decimal


def rand(amount: Decimal) -> str:
    """R 1 234.50, as the shop writes money."""
    sign = "-" if amount < 0 else ""
    whole = f"{abs(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}".replace(",", " ")
    return f"{sign}R {whole}"


def _num(value: Decimal, places: int = 2) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(value: Decimal) -> str:
    return f"{_num(value)} %"


def allocate_cents(exact: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Amounts in cents that add up to `total` (a whole number of cents), each as close to its
    exact value as that allows. The difference between Σ exact and `total` is first shared out
    in proportion to the positive amounts; then each is floored to the cent and the cents left
    go to the largest remainders, the earlier item first on a tie. Deterministic."""
    total = Decimal(total)
    if total != total.quantize(CENT):
        raise ValueError(f"{total} is not a whole number of cents")
    if not exact:
        if total:
            raise ValueError("nothing to allocate a non-zero total to")
        return []
    values = [Decimal(v) for v in exact]
    difference = total - sum(values, ZERO)
    if difference:
        positive = sum((v for v in values if v > 0), ZERO)
        if positive > 0:
            values = [v + difference * v / positive if v > 0 else v for v in values]
        else:
            values[0] += difference
    cents = [v * 100 for v in values]
    floors = [c.to_integral_value(rounding=ROUND_FLOOR) for c in cents]
    left = int(total * 100 - sum(floors, ZERO))
    if not 0 <= left < len(cents) + 1:  # cannot happen: Σ remainders = left < len(values)
        raise ArithmeticError("cent allocation out of range")
    order = sorted(range(len(cents)), key=lambda i: (-(cents[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(f / 100).quantize(CENT) for f in floors]


def _check(pricing: PartPricing) -> None:
    quantity = pricing.quantity
    if not 1 <= quantity <= MAX_QUANTITY:
        raise PricingError(
            f"The quantity must be between 1 and {MAX_QUANTITY:,}.", field="quantity"
        )
    if pricing.thickness_mm <= 0:
        raise PricingError("The thickness must be more than 0 mm.", field="thickness_mm")
    geometry, preset, rates = pricing.geometry, pricing.preset, pricing.rates
    if geometry.cut_length_mm <= 0:
        raise PricingError("The drawing has nothing to cut (no cut length).", field="file")
    if geometry.pierce_count < 0 or geometry.area_mm2 < 0 or geometry.bends < 0:
        raise PricingError("The drawing's measurements cannot be negative.", field="file")
    if preset.cut_speed_mm_min <= 0:
        raise PricingError(f"{preset.label}: the cut speed must be more than 0.", field="preset")
    if preset.pierce_time_s < 0:
        raise PricingError(f"{preset.label}: the pierce time cannot be negative.", field="preset")
    if not ZERO < rates.sheet_utilisation <= 1:
        raise PricingError("Sheet utilisation must be more than 0 and at most 1.", field="rates")
    if rates.machine_rate_per_hour < 0:
        raise PricingError("The machine's hourly rate cannot be negative.", field="rates")
    if pricing.material.density_g_cm3 <= 0:
        raise PricingError(
            f"{pricing.material.name} has no density, so it cannot be weighed.", field="material"
        )


def _material_items(
    pricing: PartPricing, kg_per_part: Decimal
) -> tuple[Decimal, str, SheetEstimate | None]:
    material, rates, quantity = pricing.material, pricing.rates, pricing.quantity
    what = f"{material.code} {_num(pricing.thickness_mm)} mm"
    if rates.whole_sheets:
        if material.price_per_sheet <= 0:
            raise PricingError(
                f"{what} has no sheet price, so whole sheets cannot be priced.", field="material"
            )
        geometry = pricing.geometry
        estimate = estimate_sheets(
            [
                NestPart(
                    key="part",
                    width_mm=geometry.width_mm,
                    height_mm=geometry.height_mm,
                    area_mm2=geometry.area_mm2,
                    quantity=quantity,
                )
            ],
            sheet_width_mm=material.sheet_width_mm,
            sheet_length_mm=material.sheet_length_mm,
            part_gap_mm=material.part_gap_mm,
            edge_margin_mm=rates.edge_margin_mm,
            max_units_per_nest=rates.max_units_per_nest,
        )
        cost = material.price_per_sheet * estimate.sheets
        label = (
            f"Material: {estimate.sheets} whole sheet{'s' if estimate.sheets != 1 else ''} "
            f"{_num(material.sheet_width_mm)}×{_num(material.sheet_length_mm)} {what} at "
            f"{rand(material.price_per_sheet)} ({_pct(estimate.utilisation * HUNDRED)} used)"
        )
        return cost, label, estimate
    if material.price_per_kg <= 0:
        raise PricingError(f"{what} has no price per kg.", field="material")
    cost = kg_per_part * quantity * material.price_per_kg / rates.sheet_utilisation
    label = (
        f"Material: {_num(kg_per_part * quantity, 3)} kg {what} at "
        f"{rand(material.price_per_kg)}/kg ÷ {_num(rates.sheet_utilisation, 3)} sheet utilisation"
    )
    return cost, label, None


@dataclasses.dataclass(frozen=True)
class _MachineTime:
    cut_min: Decimal  # one part
    pierce_min: Decimal
    travel_min: Decimal
    total_min: Decimal  # the whole quantity
    cost: Decimal


def _machine_time(pricing: PartPricing) -> _MachineTime:
    """Cutting, piercing and travel for the line's quantity: production's machine_minutes (the
    one arithmetic the queue's estimates use too), with no setup (a price adds its own, spread
    over the job's parts), at the machine's hourly rate."""
    geometry, preset, rates = pricing.geometry, pricing.preset, pricing.rates
    try:
        time = machine_minutes(
            cut_length_mm=geometry.cut_length_mm,
            cut_speed_mm_min=preset.cut_speed_mm_min,
            pierce_count=geometry.pierce_count,
            pierce_time_s=preset.pierce_time_s,
            quantity=pricing.quantity,
            travel_allowance_pct=rates.travel_allowance_pct,
        )
    except EstimateError as exc:
        raise PricingError(str(exc), field="preset") from exc
    total_min = time.cutting_min
    return _MachineTime(
        time.cut_min,
        time.pierce_min,
        time.travel_min,
        total_min,
        total_min * rates.machine_rate_per_hour / SIXTY,
    )


def _cost_items(
    pricing: PartPricing, machine: _MachineTime, setup_min: Decimal, kg_per_part: Decimal
) -> tuple[list[tuple[str, str, Decimal]], SheetEstimate | None]:
    """Machine, material, set-up, handling and bending: what the line costs the shop."""
    geometry, preset, rates, quantity = (
        pricing.geometry,
        pricing.preset,
        pricing.rates,
        pricing.quantity,
    )
    material_cost, material_label, sheets = _material_items(pricing, kg_per_part)
    distinct = max(1, pricing.distinct_parts_in_job)
    items = [
        (
            "machine",
            f"Machine: {_num(machine.total_min)} min on {rates.machine_code} at "
            f"{rand(rates.machine_rate_per_hour)}/h (cut {_num(machine.cut_min * quantity)}, "
            f"pierce {geometry.pierce_count} × {_num(preset.pierce_time_s)} s × {quantity}, "
            f"travel {_pct(rates.travel_allowance_pct)}); {preset.label}",
            machine.cost,
        ),
        ("material", material_label, material_cost),
        (
            "setup",
            f"Setup: {_num(setup_min)} min (the job's {_num(rates.setup_minutes_per_job)} shared "
            f"by {distinct} part{'s' if distinct != 1 else ''} + "
            f"{_num(rates.setup_minutes_per_part)} for this part), spread over {quantity}",
            setup_min * rates.machine_rate_per_hour / SIXTY,
        ),
    ]
    handling = rates.handling_per_part * quantity
    if handling:
        items.append(
            ("handling", f"Handling: {quantity} × {rand(rates.handling_per_part)}", handling)
        )
    bending = rates.bending_per_bend * geometry.bends * quantity
    if bending:
        bends = f"{geometry.bends} bend{'s' if geometry.bends != 1 else ''}"
        label = f"Bending: {bends} × {quantity} × {rand(rates.bending_per_bend)}"
        items.append(("bending", label, bending))
    return items, sheets


def _price_items(
    pricing: PartPricing, cost: Decimal
) -> tuple[list[tuple[str, str, Decimal]], Decimal]:
    """Margin, the quantity break, rush and the minimum per part, on the line's cost; and the
    break's percentage."""
    rates, quantity = pricing.rates, pricing.quantity
    margin = cost * rates.margin_pct / HUNDRED
    items = [("margin", f"Margin: {_pct(rates.margin_pct)}", margin)]
    qbreak = rates.quantity_break_for(quantity)
    break_pct = qbreak.discount_pct if qbreak else ZERO
    discount = -(cost + margin) * break_pct / HUNDRED
    if qbreak is not None:
        label = f"Quantity break: {_pct(break_pct)} off from {qbreak.min_quantity} parts"
        items.append(("quantity_break", label, discount))
    rush = ZERO
    if pricing.rush:
        rush = (cost + margin + discount) * rates.rush_surcharge_pct / HUNDRED
        items.append(("rush", f"Rush: {_pct(rates.rush_surcharge_pct)} surcharge", rush))
    top_up = max(ZERO, rates.minimum_per_part * quantity - (cost + margin + discount + rush))
    if top_up:
        label = f"Minimum per part: {rand(rates.minimum_per_part)} × {quantity}"
        items.append(("minimum_part", label, top_up))
    return items, break_pct


def price_part(pricing: PartPricing) -> PartPrice:
    """The price of one line (see the module's formulas). PricingError names the input at fault."""
    _check(pricing)
    rates, quantity = pricing.rates, pricing.quantity
    machine = _machine_time(pricing)
    kg_per_part = (
        pricing.geometry.area_mm2 * pricing.thickness_mm * pricing.material.density_g_cm3
    ) / 1_000_000
    setup_min = (
        rates.setup_minutes_per_job / max(1, pricing.distinct_parts_in_job)
        + rates.setup_minutes_per_part
    )
    items, sheets = _cost_items(pricing, machine, setup_min, kg_per_part)
    cost = sum((amount for _, _, amount in items), ZERO)
    price_items, break_pct = _price_items(pricing, cost)
    items += price_items
    exact = sum((amount for _, _, amount in items), ZERO)
    unit_price = (exact / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    line_total = unit_price * quantity
    amounts = allocate_cents([amount for _, _, amount in items], line_total)
    return PartPrice(
        quantity=quantity,
        unit_price=unit_price,
        line_total=line_total,
        breakdown=tuple(
            BreakdownItem(code=code, label=label, amount=amount)
            for (code, label, _), amount in zip(items, amounts, strict=True)
        ),
        machine_minutes=machine.total_min.quantize(CENT, rounding=ROUND_HALF_UP),
        setup_minutes=setup_min.quantize(CENT, rounding=ROUND_HALF_UP),
        material_kg=(kg_per_part * quantity).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
        quantity_break_pct=break_pct,
        flags=("no_preset",) if pricing.preset.is_fallback else (),
        sheets=sheets,
    )


def vat_on(total_excl_vat: Decimal, vat_rate: Decimal) -> Decimal:
    """VAT on a total excluding VAT, half-up to the cent (the documented rule)."""
    if vat_rate < 0:
        raise PricingError("The VAT rate cannot be negative.", field="vat_rate")
    return (Decimal(total_excl_vat) * Decimal(vat_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def price_order(
    lines: Sequence[PartPrice],
    *,
    rates: Rates,
    delivery: Delivery | None,
    vat_rate: Decimal,
) -> OrderPrice:
    """The order's totals: its lines, the delivery, what tops the lines up to the minimum per
    order (delivery not counted towards it), and VAT on the total excluding VAT."""
    goods = sum((line.line_total for line in lines), ZERO)
    extras: list[BreakdownItem] = []
    top_up = max(ZERO, rates.minimum_per_order - goods).quantize(CENT, rounding=ROUND_HALF_UP)
    if top_up:
        extras.append(
            BreakdownItem(
                code="minimum_order",
                label=f"Minimum order: {rand(rates.minimum_per_order)}",
                amount=top_up,
            )
        )
    if delivery is not None:
        if delivery.price < 0:
            raise PricingError("A delivery price cannot be negative.", field="delivery")
        extras.append(
            BreakdownItem(
                code="delivery",
                label=f"{delivery.name}: {rand(delivery.price)}",
                amount=delivery.price.quantize(CENT, rounding=ROUND_HALF_UP),
            )
        )
    total = goods + sum((item.amount for item in extras), ZERO)
    vat = vat_on(total, vat_rate)
    return OrderPrice(
        lines=tuple(lines),
        extras=tuple(extras),
        total_excl_vat=total,
        vat_rate=Decimal(vat_rate),
        vat=vat,
        total_incl_vat=total + vat,
    )
