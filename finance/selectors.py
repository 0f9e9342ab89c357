"""Reads for pricing: the shop's rates, the material's prices and the cut preset, turned into the
pricing engine's plain inputs (the engine never touches the ORM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from inventory.constants import material_code
from inventory.models import Material
from inventory.selectors import find_stock
from production.models import CutPreset, Machine
from production.services import default_machine

from .models import RATES_PK, DeliveryOption, QuantityBreak, ShopRates
from .pricing import (
    Delivery,
    MaterialPrice,
    PartGeometry,
    PartPricing,
    PresetValues,
    PricingError,
    QuantityBreakRate,
    Rates,
)

# Gases in the order a preset is chosen when the caller names none: the cheapest first.
GAS_PREFERENCE = ("AIR", "O2", "N2")
CENT = Decimal("0.01")
THICKNESS_MATCH_MM = Decimal("0.005")  # a preset's thickness is the asked one (2 places kept)


def current_rates() -> ShopRates:
    """The shop's rates (the one row; its defaults when the row is missing, unsaved)."""
    rates = ShopRates.objects.select_related("machine").filter(pk=RATES_PK).first()
    return rates if rates is not None else ShopRates(pk=RATES_PK)


def rates_machine(rates: ShopRates) -> Machine | None:
    """The machine prices are worked out on: the rates' own, else the default machine."""
    return rates.machine if rates.machine_id else default_machine()


def part_gap_mm(code: str) -> Decimal:
    """The gap between parts in a nest: acrylic's own, else steel's."""
    key = "NEST_PART_GAP_ACRYLIC_MM" if code == "ACR" else "NEST_PART_GAP_MM"
    return Decimal(str(getattr(settings, key)))


def rates_snapshot(rates: ShopRates | None = None) -> Rates:
    """The engine's Rates from the rates row, the machine's hourly rate and the breaks.
    PricingError when there is no machine, or it has no hourly rate."""
    rates = rates or current_rates()
    machine = rates_machine(rates)
    if machine is None:
        raise PricingError(
            "There is no active machine to price the cutting on: add one in Production.",
            field="rates",
            code="no_machine",
        )
    if machine.hourly_rate is None:
        raise PricingError(
            f"Machine {machine.code} has no hourly rate, so its time cannot be priced: set it on "
            "the machine's page.",
            field="rates",
            code="no_machine_rate",
        )
    breaks = tuple(
        QuantityBreakRate(min_quantity=b.min_quantity, discount_pct=b.discount_pct)
        for b in QuantityBreak.objects.order_by("min_quantity")
    )
    return Rates(
        machine_code=machine.code,
        machine_rate_per_hour=machine.hourly_rate,
        travel_allowance_pct=rates.travel_allowance_pct,
        setup_minutes_per_job=rates.setup_minutes_per_job,
        setup_minutes_per_part=rates.setup_minutes_per_part,
        handling_per_part=rates.handling_per_part,
        bending_per_bend=rates.bending_per_bend,
        margin_pct=rates.margin_pct,
        minimum_per_part=rates.minimum_per_part,
        minimum_per_order=rates.minimum_per_order,
        rush_surcharge_pct=rates.rush_surcharge_pct,
        sheet_utilisation=Decimal(rates.sheet_utilisation),
        whole_sheets=rates.whole_sheets,
        edge_margin_mm=Decimal(str(settings.NEST_EDGE_MARGIN_MM)),
        max_units_per_nest=int(settings.NEST_MAX_UNITS_PER_PART),
        quantity_breaks=breaks,
    )


def find_material(value: str) -> Material:
    """The active material for a code or a name as users type it; PricingError names the
    material when it is unknown."""
    text = (value or "").strip()
    code = material_code(text) or text.upper()
    found = Material.objects.filter(code=code, is_active=True).first() if code else None
    if found is None:
        raise PricingError(
            f"Unknown material {text!r}: use one of the shop's material codes "
            f"({', '.join(Material.objects.filter(is_active=True).values_list('code', flat=True))}).",
            field="material",
            code="unknown_material",
        )
    return found


def material_price(material: Material, thickness_mm: Decimal) -> MaterialPrice:
    """The material's prices from its sheet stock (±the stock tolerance): the sheet's unit cost
    per sheet, and per kg that cost over the sheet's weight. PricingError when nothing is priced."""
    what = f"{material.code} {thickness_mm.normalize():f} mm"
    if material.density_g_cm3 is None:
        raise PricingError(
            f"{material.name} has no density, so its parts cannot be weighed: set it on the "
            "material.",
            field="material",
            code="no_density",
        )
    if material.max_thickness_mm is not None and thickness_mm > material.max_thickness_mm:
        raise PricingError(
            f"{what} is thicker than the machine cuts {material.name.lower()} "
            f"({material.max_thickness_mm.normalize():f} mm at most).",
            field="thickness_mm",
            code="too_thick",
        )
    stock = find_stock(material, thickness_mm)
    if stock is None or not stock.unit_cost:
        raise PricingError(
            f"{what} has no sheet price: add its sheet stock with the cost of a sheet in Stock.",
            field="material",
            code="no_sheet_price",
        )
    sheet_kg = (
        Decimal(stock.width_mm) * stock.length_mm * stock.thickness_mm * material.density_g_cm3
    ) / 1_000_000
    return MaterialPrice(
        code=material.code,
        name=material.name,
        density_g_cm3=material.density_g_cm3,
        price_per_kg=stock.unit_cost / sheet_kg,
        price_per_sheet=stock.unit_cost,
        sheet_width_mm=Decimal(stock.width_mm),
        sheet_length_mm=Decimal(stock.length_mm),
        part_gap_mm=part_gap_mm(material.code),
    )


def priceable_presets() -> QuerySet[CutPreset]:
    """Active presets with what a price needs: a cut speed and a pierce time."""
    return CutPreset.objects.filter(
        is_active=True, cut_speed_mm_min__gt=0, pierce_time_s__isnull=False
    )


def find_preset(material: Material, thickness_mm: Decimal, gas: str = "") -> CutPreset | None:
    """The active preset for material × thickness (× gas when given) with a cut speed and a
    pierce time; with no gas asked, air before oxygen before nitrogen."""
    presets = list(
        priceable_presets()
        .filter(
            material=material,
            thickness_mm__gte=thickness_mm - THICKNESS_MATCH_MM,
            thickness_mm__lte=thickness_mm + THICKNESS_MATCH_MM,
        )
        .order_by("nozzle", "note", "id")
    )
    if gas:
        presets = [p for p in presets if p.gas == gas]
    rank = {g: i for i, g in enumerate(GAS_PREFERENCE)}
    presets.sort(key=lambda p: rank.get(p.gas, len(rank)))
    return presets[0] if presets else None


def preset_values(
    material: Material, thickness_mm: Decimal, gas: str, rates: ShopRates
) -> PresetValues:
    """The preset's speed and pierce time, or the rates' fallback (flagged) when none matches
    and the rates allow it; else PricingError saying which preset is missing."""
    preset = find_preset(material, thickness_mm, gas)
    if preset is not None:
        assert preset.cut_speed_mm_min is not None and preset.pierce_time_s is not None
        return PresetValues(
            label=str(preset),
            cut_speed_mm_min=preset.cut_speed_mm_min,
            pierce_time_s=preset.pierce_time_s,
            gas=preset.gas,
            preset_id=preset.pk,
        )
    what = f"{material.code} {thickness_mm.normalize():f} mm" + (f" {gas}" if gas else "")
    if not rates.no_preset_fallback:
        raise PricingError(
            f"No cut preset for {what} (with a cut speed and a pierce time), so the machine time "
            "cannot be priced. Add the preset, or allow pricing without a preset in the rates.",
            field="gas" if gas else "thickness_mm",
            code="no_preset",
        )
    return PresetValues(
        label=f"no preset for {what}: fallback {rates.fallback_cut_speed_mm_min.normalize():f} "
        f"mm/min, {rates.fallback_pierce_time_s.normalize():f} s a pierce",
        cut_speed_mm_min=rates.fallback_cut_speed_mm_min,
        pierce_time_s=rates.fallback_pierce_time_s,
        gas=gas,
        is_fallback=True,
    )


def find_delivery(code: str) -> Delivery | None:
    """The active delivery option with this code (None for no code); PricingError if unknown."""
    if not code:
        return None
    option = DeliveryOption.objects.filter(code=code.strip().lower(), is_active=True).first()
    if option is None:
        known = ", ".join(
            DeliveryOption.objects.filter(is_active=True).values_list("code", flat=True)
        )
        raise PricingError(
            f"Unknown delivery {code!r}: use one of {known or 'none (no options are set up)'}.",
            field="delivery",
        )
    return Delivery(code=option.code, name=option.name, price=option.price)


def geometry_from_metadata(metadata: dict[str, Any], *, bends: int = 0) -> PartGeometry:
    """The engine's PartGeometry from a reading's metadata (ingest's vocabulary); PricingError
    (field "file") when the drawing did not measure what a price needs."""

    def number(key: str) -> Decimal | None:
        value = metadata.get(key)
        if value is None or isinstance(value, bool):
            return None
        try:
            found = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None
        return found if found.is_finite() else None

    cut = number("cut_length_mm")
    if not cut or cut <= 0:
        raise PricingError(
            "The drawing has no cut length (no closed outlines were found), so it cannot be "
            "priced.",
            field="file",
            code="nothing_to_cut",
        )
    bbox = metadata.get("bbox_mm") or [None, None]
    width = number_from(bbox, 0)
    height = number_from(bbox, 1)
    if width is None or height is None:
        raise PricingError("The drawing's size could not be measured.", field="file")
    area = number("area_mm2") or Decimal(0)
    pierces = number("pierce_count") or Decimal(0)
    return PartGeometry(
        cut_length_mm=cut,
        pierce_count=int(pierces),
        area_mm2=area,
        width_mm=width,
        height_mm=height,
        bends=bends,
    )


def number_from(values: Any, index: int) -> Decimal | None:
    try:
        found = Decimal(str(values[index]))
    except (InvalidOperation, ValueError, TypeError, IndexError):
        return None
    return found if found.is_finite() and found > 0 else None


@dataclass(frozen=True)
class PricingSetup:
    """What a price needs besides the drawing, checked before the drawing is read."""

    material: Material
    material_price: MaterialPrice
    thickness_mm: Decimal
    gas: str
    preset: PresetValues
    rates: Rates
    delivery: Delivery | None
    vat_rate: Decimal

    def for_part(
        self, geometry: PartGeometry, *, quantity: int, rush: bool, distinct_parts: int = 1
    ) -> PartPricing:
        return PartPricing(
            geometry=geometry,
            material=self.material_price,
            thickness_mm=self.thickness_mm,
            gas=self.preset.gas or self.gas,
            quantity=quantity,
            preset=self.preset,
            rates=self.rates,
            rush=rush,
            distinct_parts_in_job=distinct_parts,
        )


def pricing_setup(
    *, material: str, thickness_mm: Decimal, gas: str = "", delivery: str = ""
) -> PricingSetup:
    """Material, prices, preset, rates and delivery for a price; PricingError names the field at
    fault (an unknown material, no sheet price, no preset, no machine rate)."""
    found = find_material(material)
    rates_row = current_rates()
    return PricingSetup(
        material=found,
        material_price=material_price(found, thickness_mm),
        thickness_mm=thickness_mm,
        gas=gas,
        preset=preset_values(found, thickness_mm, gas, rates_row),
        rates=rates_snapshot(rates_row),
        delivery=find_delivery(delivery),
        vat_rate=Decimal(str(settings.VAT_RATE)),
    )


# --- VAT, invoices, balances ----------------------------------------------------------------------


def vat_rate_on(day: dt.date) -> Decimal:
    """The VAT rate in force on `day` (the dated table; the VAT_RATE setting when the table has
    no rate that early)."""
    from .models import VatRate

    found = VatRate.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return found.rate if found is not None else Decimal(str(settings.VAT_RATE))


@dataclass(frozen=True)
class JobBalance:
    """What a job owes: its issued invoices (less credit notes), or, before it is invoiced, its
    accepted quote; what the client has paid for it; and the difference."""

    due: Decimal
    paid: Decimal
    source: str  # "INV-2026-0001, INV-2026-0002" or "QT-2026-0001"

    @property
    def balance(self) -> Decimal:
        return self.due - self.paid

    @property
    def paid_in_full(self) -> bool:
        return self.paid >= self.due


def job_balance(project: Any) -> JobBalance | None:
    """The job's balance, or None when nothing says what it costs yet (no invoice issued and no
    quote accepted): the proof-of-payment rule alone then says whether it is paid."""
    from django.db.models import Sum

    from .models import Invoice, InvoiceStatus, Payment, PaymentAllocation, Quote, QuoteStatus

    invoices = list(
        Invoice.objects.filter(
            project=project, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CREDITED)
        ).values_list("number", "total", "credited")
    )
    unallocated = Payment.objects.filter(project=project).aggregate(s=Sum("unallocated"))["s"]
    unallocated = Decimal(unallocated or 0)
    if invoices:
        due = sum((total - credited for _, total, credited in invoices), Decimal(0))
        allocated = PaymentAllocation.objects.filter(
            invoice__project=project, invoice__status=InvoiceStatus.ISSUED
        ).aggregate(s=Sum("amount"))["s"]
        paid = Decimal(allocated or 0) + unallocated
        return JobBalance(
            due=due.quantize(CENT),
            paid=paid.quantize(CENT),
            source=", ".join(n for n, *_ in invoices),
        )
    quote = (
        Quote.objects.filter(project=project, status=QuoteStatus.ACCEPTED)
        .order_by("-accepted_at", "-id")
        .first()
    )
    if quote is None:
        return None
    return JobBalance(due=quote.total_incl_vat, paid=unallocated.quantize(CENT), source=quote.label)


def job_goes_by_delivery(project: Any) -> bool:
    """Whether the job leaves the shop by delivery: its accepted quote names a delivery option
    that is not a collection (an option whose code starts with "collect"). No accepted quote,
    or none named: the client collects."""
    from .models import Quote, QuoteStatus

    name = (
        Quote.objects.filter(project=project, status=QuoteStatus.ACCEPTED)
        .order_by("-accepted_at", "-id")
        .values_list("delivery_name", flat=True)
        .first()
    )
    if not name:
        return False
    collections = DeliveryOption.objects.filter(code__startswith="collect")
    return name.casefold() not in {n.casefold() for n in collections.values_list("name", flat=True)}


def client_credit(client: Any) -> Decimal:
    """The client's credit: what they paid that no invoice has taken yet."""
    from django.db.models import Sum

    from .models import Payment

    found = Payment.objects.filter(client=client).aggregate(s=Sum("unallocated"))["s"]
    return Decimal(found or 0).quantize(CENT)


def job_paid_reading(project: Any) -> Any:
    """The projects workflow's "paid in full" from the job's balance, once finance keeps
    something for the job (an issued invoice or a payment); None before (the proof of payment
    then says)."""
    from projects.services.jobs import rand
    from projects.workflow import PaidReading

    from .models import Invoice, InvoiceStatus, Payment

    if not project.pk:
        return None
    keeps = (
        Payment.objects.filter(project=project).exists()
        or Invoice.objects.filter(
            project=project, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CREDITED)
        ).exists()
    )
    balance = job_balance(project) if keeps else None
    if balance is None:
        return None
    return PaidReading(
        paid_in_full=balance.paid_in_full,
        text=f"{rand(balance.paid)} paid of {rand(balance.due)} due ({balance.source})",
    )
