"""The product catalogue and its files from the old system.

Old SKUs (SKU-MI100-0001: material letters, thickness × 10, a serial) do not follow Laser OS's
SKU (SKU-[category]-[family]-[size]-[thickness]-[material]-v[rev]); each product gets one built
from its parts (the old letters as the category, the serial as the family, the size from the old
description) and keeps its old SKU in its description. A product with no thickness or material
cannot be in the catalogue and fails with that reason.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.files import File

from inventory.management.cells import material_for
from laseros.importing import CREATED, RowSkipped
from projects.models import Product
from projects.services import product_create, product_file_add

from .base import ImportRun, Row, old_decimal, text

_OLD_SKU = re.compile(r"^SKU-([A-Z]+)\d*-(\d+)$")
_SIZE = re.compile(r"Size:\s*(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)(?!\s*\()", re.IGNORECASE)
_ROUND = re.compile(r"Size:\s*Ø\s*(\d+)", re.IGNORECASE)


def sku_parts(old_sku: str, description: str) -> tuple[str, str, str]:
    """(category, family, size) for a new SKU from the old SKU and description."""
    match = _OLD_SKU.match(old_sku.strip().upper())
    category, family = (match.group(1)[:10], match.group(2)[:10]) if match else ("OLD", "0")
    size = "STD"
    rect, round_ = _SIZE.search(description), _ROUND.search(description)
    if rect:
        size = f"{Decimal(rect.group(1)).normalize():f}x{Decimal(rect.group(2)).normalize():f}"
    elif round_:
        size = f"D{round_.group(1)}"
    return category, family, size


def import_products(run: ImportRun) -> None:
    def handle(row: Row):
        old_sku, name = text(row["sku_code"]), text(row["name"])
        thickness = old_decimal(row["thickness"], "0.01")
        if thickness is None or thickness <= 0:
            raise ValueError(f"{old_sku} {name}: no thickness; the catalogue needs one")
        try:
            material = material_for(text(row["material"]), by=run.by)
        except ValueError as exc:
            raise ValueError(f"material: {exc}") from None
        description = "\n".join(
            p for p in (text(row["description"]), text(row["notes"]), f"Old SKU: {old_sku}") if p
        )
        found = Product.objects.filter(description__contains=f"Old SKU: {old_sku}").first()
        if found is not None:
            raise RowSkipped(f"{found} was made from {old_sku} before; kept as it is")
        category, family, size = sku_parts(old_sku, text(row["description"]))
        price = old_decimal(row["unit_price"], "0.01")
        product = product_create(
            name=name,
            unit_price=price if price is not None else Decimal("0"),
            by=run.by,
            category=category,
            family=family,
            size=size,
            material=material,
            thickness_mm=thickness,
            description=description,
        )
        label = f"{product} (was {old_sku}" + (", no price yet)" if price is None else ")")
        return CREATED, product, label

    run.table("products", handle)


def import_product_files(run: ImportRun) -> None:
    def handle(row: Row):
        product = run.new("products", row["product_id"])
        if product is None:
            raise RowSkipped("its product was not imported")
        names = (text(row["stored_filename"]), text(row["original_filename"]))
        path = run.files.find(*names, size=row.get("file_size"))
        if path is None:
            raise RowSkipped(run.files.missing(*names))
        if run.dry_run:  # a stored file would outlive the rolled-back run
            return CREATED, None, f"{product.sku}: {path.name} (found; not stored in a dry run)"
        with path.open("rb") as handle_:
            upload = File(handle_, name=text(row["original_filename"]) or path.name)
            product_file = product_file_add(
                product=product, file=upload, by=run.by, note=text(row["notes"])[:255]
            )
        return CREATED, product_file, f"{product.sku}: {product_file.original_name}"

    run.table("product_files", handle)
