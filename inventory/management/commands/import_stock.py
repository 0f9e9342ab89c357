"""manage.py import_stock FILE [--dry-run] [--user NAME]: sheet stock from a CSV or XLSX file.

Columns: material (code or a name people type), thickness_mm, width_mm + length_mm (or one
"sheet size" column like 1225x2450), quantity, reorder_level, reorder_quantity, location,
unit_cost, supplier, notes. A row is one kind of sheet in one place (material × thickness × size
× location). New stock is created with its quantity as an opening-balance movement; a different
quantity on existing stock is booked as a stock-take adjustment, so every change is in the
ledger. Empty cells leave what is there. Running the same file twice changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction

from inventory.management.cells import (
    keyed_row,
    material_for,
    parse_decimal,
    parse_int,
    parse_money,
    parse_sheet_size,
)
from inventory.models import SheetStock
from inventory.services import stock_adjust, stock_create, stock_update
from laseros.actors import Actor
from laseros.importing import CREATED, UNCHANGED, UPDATED, ImportCommand, read_table

ALIASES = {
    "material_code": "material",
    "mat": "material",
    "thickness": "thickness_mm",
    "thick": "thickness_mm",
    "t_mm": "thickness_mm",
    "width": "width_mm",
    "length": "length_mm",
    "size": "sheet_size",
    "sheet": "sheet_size",
    "sheet_size_mm": "sheet_size",
    "qty": "quantity",
    "quantity_on_hand": "quantity",
    "on_hand": "quantity",
    "sheets": "quantity",
    "reorder_qty": "reorder_quantity",
    "reorder_at": "reorder_level",
    "cost": "unit_cost",
    "unit_cost_zar": "unit_cost",
    "price": "unit_cost",
    "price_per_sheet": "unit_cost",
    "bay": "location",
    "rack": "location",
}
TEXT_FIELDS = ("location", "supplier", "notes")


class StockRowHandler:
    """One row of the file -> created, updated or unchanged stock (raises to fail the row)."""

    def __init__(self, *, source: str, by: Actor = None):
        self.source = source
        self.by = by

    def __call__(self, row: dict[str, str]) -> tuple[str, str]:
        cells = keyed_row(row, ALIASES)
        errors: dict[str, str] = {}

        def read(name: str, parse, **kwargs):
            try:
                return parse(cells.get(name, ""), **kwargs)
            except ValueError as exc:
                errors[name] = str(exc)
                return None

        thickness = read("thickness_mm", parse_decimal, what="thickness")
        width = read("width_mm", parse_int, what="width in mm", minimum=1)
        length = read("length_mm", parse_int, what="length in mm", minimum=1)
        size = read("sheet_size", parse_sheet_size)
        quantity = read("quantity", parse_int, what="whole number of sheets")
        reorder_level = read("reorder_level", parse_int, what="whole number of sheets")
        reorder_quantity = read("reorder_quantity", parse_int, what="whole number of sheets")
        unit_cost = read("unit_cost", parse_money)
        if size and (width or length) and (width, length) != size:
            errors["sheet_size"] = f"{size[0]}x{size[1]} does not match width_mm × length_mm"
        if size:
            width, length = size
        if not cells.get("material"):
            errors["material"] = "required"
        if thickness is None:
            errors.setdefault("thickness_mm", "required")
        elif thickness <= 0:
            errors["thickness_mm"] = "must be more than 0"
        if not (width and length) and not errors.keys() & {"width_mm", "length_mm", "sheet_size"}:
            errors["sheet_size"] = "give width_mm and length_mm, or a sheet size like 1225x2450"
        if errors:
            raise ValueError("; ".join(f"{name}: {text}" for name, text in errors.items()))

        try:
            material = material_for(cells["material"], by=self.by)
        except ValueError as exc:
            raise ValueError(f"material: {exc}") from None
        thickness = thickness.quantize(Decimal("0.01"))
        location = cells.get("location", "").strip()
        label = f"{material.code} {thickness.normalize():f}mm {width}×{length}"
        label += f" ({location})" if location else ""
        fields: dict[str, Any] = {
            "reorder_level": reorder_level,
            "reorder_quantity": reorder_quantity,
            "unit_cost": unit_cost,
            **{name: cells.get(name, "").strip() for name in TEXT_FIELDS if name != "location"},
        }
        fields = {k: v for k, v in fields.items() if v not in (None, "")}  # empty leaves as is

        try:
            with transaction.atomic():
                return self._save(
                    material, thickness, width, length, location, quantity, fields, label
                )
        except DatabaseError as exc:
            raise ValueError(f"the database refused the row: {exc}") from None

    def _save(self, material, thickness, width, length, location, quantity, fields, label):
        stock = SheetStock.objects.filter(
            material=material,
            thickness_mm=thickness,
            width_mm=width,
            length_mm=length,
            location=location,
        ).first()
        reason = f"imported from {self.source}"
        if stock is None:
            stock_create(
                material=material,
                thickness_mm=thickness,
                width_mm=width,
                length_mm=length,
                location=location,
                by=self.by,
                opening_quantity=quantity or 0,
                reason=f"opening balance, {reason}",
                **fields,
            )
            return CREATED, f"{label}: {quantity or 0} sheets"
        changes = {k: v for k, v in fields.items() if getattr(stock, k) != v}
        notes = []
        if changes:
            stock_update(stock=stock, by=self.by, **changes)
            notes.append(", ".join(sorted(changes)))
        if quantity is not None and quantity != stock.quantity_on_hand:
            before = stock.quantity_on_hand
            stock_adjust(stock=stock, counted=quantity, by=self.by, reason=f"stock take, {reason}")
            notes.append(f"quantity {before} → {quantity}")
        if not notes:
            return UNCHANGED, label
        return UPDATED, f"{label}: {'; '.join(notes)}"


class Command(ImportCommand):
    help = (
        "Import sheet stock from a CSV or XLSX file (material, thickness_mm, width_mm, length_mm "
        "or sheet_size, quantity, reorder_level, reorder_quantity, location, unit_cost, supplier)."
    )

    def prepare(self, path, *, by, options):
        _headers, rows = read_table(path)
        return rows, StockRowHandler(source=path.name, by=by)
