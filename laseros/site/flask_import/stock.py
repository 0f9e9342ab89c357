"""Materials, sheet stock and cut presets from the old system.

The old `materials` table is sheet stock (material × thickness × sheet size, with a count and a
cost per sheet); its sheet-metal `inventory_items` are too. Each becomes a SheetStock whose count
is booked as an opening balance (a movement, as every count in Laser OS). Gas and consumables
have no place in Laser OS and are skipped with that reason. The old stock transactions are
already in the counts: each is kept as history on its stock's audit trail. Presets become
CutPresets (material × thickness × gas × nozzle × note).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from inventory.management.cells import material_for, parse_sheet_size
from inventory.models import SheetStock
from inventory.services import stock_create
from laseros.audit import record
from laseros.importing import CREATED, RowSkipped
from laseros.models import ActivityLog
from production.models import CutPreset, Gas
from production.services import preset_create

from .base import ImportRun, Row, old_decimal, text

DEFAULT_SHEET = "1225x2450"
SHEET_UNITS = ("sheet", "sheets")


def _stock(
    run: ImportRun,
    *,
    material_text: str,
    thickness: Decimal | None,
    size_text: str,
    quantity: Any,
    unit_cost: Decimal | None,
    location: str = "",
    extra: dict[str, Any] | None = None,
    source: str,
):
    """The sheet stock of one old row: made with its count as the opening balance, or found
    (same material, thickness, size and place) and left as Laser OS counts it."""
    if thickness is None or thickness <= 0:
        raise ValueError("no thickness: sheet stock needs one")
    try:
        material = material_for(material_text, by=run.by)
    except ValueError as exc:
        raise ValueError(f"material: {exc}") from None
    size = parse_sheet_size(size_text or DEFAULT_SHEET)
    assert size is not None
    try:
        count = int(old_decimal(quantity) or 0)
    except ValueError as exc:
        raise ValueError(f"sheets on hand: {exc}") from None
    if count < 0:
        raise ValueError(f"{count} sheets on hand: a count cannot be negative")
    thickness = thickness.quantize(Decimal("0.01"))
    found = SheetStock.objects.filter(
        material=material,
        thickness_mm=thickness,
        width_mm=size[0],
        length_mm=size[1],
        location=location,
    ).first()
    if found is not None:
        raise RowSkipped(
            f"{found} is already in Laser OS (from another old row or typed in); its count is "
            "kept, not added to"
        )
    stock = stock_create(
        material=material,
        thickness_mm=thickness,
        width_mm=size[0],
        length_mm=size[1],
        location=location,
        by=run.by,
        opening_quantity=count,
        reason=f"opening balance, from the old system's {source}",
        unit_cost=unit_cost or Decimal("0"),
        **(extra or {}),
    )
    return CREATED, stock, f"{stock}: {count} sheets"


def import_materials(run: ImportRun) -> None:
    def handle(row: Row):
        unit = text(row.get("unit")).lower() or "sheets"
        if unit not in SHEET_UNITS:
            raise RowSkipped(f"counted in {unit}, not sheets: Laser OS keeps sheet stock only")
        return _stock(
            run,
            material_text=text(row["material_type"]),
            thickness=old_decimal(row["thickness"]),
            size_text=text(row["sheet_size"]),
            quantity=row["quantity"],
            unit_cost=old_decimal(row["cost_per_unit"], "0.01"),
            source="materials",
        )

    run.table("materials", handle)


def import_inventory_items(run: ImportRun) -> None:
    def handle(row: Row):
        category, unit = text(row["category"]), text(row["unit"]).lower()
        if category.lower() != "sheet metal" or unit not in SHEET_UNITS:
            raise RowSkipped(
                f"{row['item_code']} {row['name']} ({category}, in {unit}): Laser OS keeps sheet "
                "stock only"
            )
        thickness = old_decimal(row["thickness"]) or old_decimal(row.get("thickness_mm"))
        if thickness is None:
            match = re.search(r"(\d+(?:\.\d+)?)\s*mm", text(row["name"]), re.IGNORECASE)
            thickness = Decimal(match.group(1)) if match else None
        notes = "; ".join(
            part
            for part in (
                text(row["notes"]),
                f"old item {row['item_code']} {row['name']}",
                f"supplier contact {text(row.get('supplier_contact'))}"
                if text(row.get("supplier_contact")) not in ("", "None")
                else "",
            )
            if part
        )
        supplier = text(row.get("supplier_name"))
        return _stock(
            run,
            material_text=text(row["material_type"]) or text(row["name"]),
            thickness=thickness,
            size_text=text(row.get("sheet_size")),
            quantity=row["quantity_on_hand"],
            unit_cost=old_decimal(row["unit_cost"], "0.01"),
            location=text(row.get("location")) if text(row.get("location")) != "None" else "",
            extra={
                "reorder_level": int(Decimal(str(row["reorder_level"] or 0))),
                "reorder_quantity": int(Decimal(str(row["reorder_quantity"] or 0))),
                "supplier": "" if supplier == "None" else supplier[:120],
                "notes": notes,
            },
            source="inventory items",
        )

    run.table("inventory_items", handle)


def import_inventory_transactions(run: ImportRun) -> None:
    """History only: the old item's count already includes every transaction."""

    def handle(row: Row):
        stock = run.new("inventory_items", row["inventory_item_id"])
        if stock is None:
            raise RowSkipped("its inventory item was not imported as sheet stock")
        words = (
            f"old system, {text(row['transaction_date'])[:16]}, "
            f"{text(row['performed_by']) or 'someone'}: {text(row['transaction_type'])} "
            f"{row['quantity']} ({text(row['notes'])})"
        )
        entry = record(
            action=ActivityLog.Action.IMPORT,
            obj=stock,
            message=words + "; already in the count brought over",
            user=run.by,
        )
        return CREATED, entry, f"{stock}: {words}"

    run.table("inventory_transactions", handle)


# --- cut presets ----------------------------------------------------------------------------------

GASES = {"oxygen": Gas.O2, "o2": Gas.O2, "nitrogen": Gas.N2, "n2": Gas.N2, "air": Gas.AIR}
NOZZLE_KINDS = {"single": "SN", "double": "D", "enhanced": "E"}
_NOZZLE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*mm\s+(single|double|enhanced)\s*$", re.IGNORECASE)


def nozzle_code(text_: str) -> str:
    """ "1.5mm Single" -> "1.5SN", "2.0mm Single" -> "2SN", "1.2mm Double" -> "1.2D"."""
    match = _NOZZLE.match(text_ or "")
    if not match:
        raise ValueError(f"nozzle {text_!r} is not like '1.5mm Single'")
    size = Decimal(match.group(1)).normalize()
    return f"{size:f}{NOZZLE_KINDS[match.group(2).lower()]}"


def preset_note(name: str) -> str:
    """What tells presets of one key apart: the words in brackets, or the part after ' - '
    ('Mild Steel 1mm - Standard' -> 'Standard')."""
    bracket = re.search(r"\(([^)]*)\)\s*$", name)
    if bracket:
        return bracket.group(1).strip()[:60]
    if " - " in name and not re.match(r"^\d", name):
        return name.rsplit(" - ", 1)[1].strip()[:60]
    return ""


def _whole(value: Any) -> int | None:
    number = old_decimal(value)
    return None if number is None else int(number.to_integral_value())


def import_presets(run: ImportRun) -> None:
    def handle(row: Row):
        name = text(row["preset_name"])
        gas = GASES.get(text(row["gas_type"]).lower())
        if gas is None:
            raise ValueError(f"gas {row['gas_type']!r} is not Air, Oxygen or Nitrogen")
        try:
            material = material_for(text(row["material_type"]), by=run.by)
        except ValueError as exc:
            raise ValueError(f"material: {exc}") from None
        fields = {
            "material": material,
            "thickness_mm": old_decimal(row["thickness"], "0.01"),
            "gas": gas,
            "nozzle": nozzle_code(text(row["nozzle"])),
            "note": preset_note(name),
        }
        found = CutPreset.objects.filter(**fields).first()
        if found is not None:
            raise RowSkipped(f"{found} is already in Laser OS; its parameters are kept")
        delays = [
            f"laser {which} delay {row[f'laser_{which}_delay']} ms"
            for which in ("on", "off")
            if row.get(f"laser_{which}_delay") not in (None, "")
        ]
        corner = old_decimal(row["corner_power"])
        if corner is not None and corner > 100:  # the old column held watts or a percentage
            delays.append(f"corner power {corner.normalize():f} W")
            corner = None
        notes = "; ".join(
            p for p in (text(row["description"]), text(row["notes"]), ", ".join(delays)) if p
        )
        preset = preset_create(
            by=run.by,
            name=name[:120],
            cut_speed_mm_min=old_decimal(row["cut_speed"]),
            nozzle_height_mm=old_decimal(row["nozzle_height"], "0.01"),
            gas_pressure_bar=old_decimal(row["gas_pressure"]),
            peak_power_w=_whole(row["peak_power"]),
            actual_power_w=_whole(row["actual_power"]),
            duty_cycle_pct=old_decimal(row["duty_cycle"]),
            pulse_frequency_hz=_whole(row["pulse_frequency"]),
            beam_width_mm=old_decimal(row["beam_width"], "0.01"),
            focus_position_mm=old_decimal(row["focus_position"], "0.01"),
            pierce_time_s=old_decimal(row["pierce_time"]),
            pierce_power_w=_whole(row["pierce_power"]),
            corner_power_pct=corner,
            notes=notes,
            is_active=bool(row["is_active"]),
            **fields,
        )
        return CREATED, preset, str(preset)

    run.table("machine_settings_presets", handle)
