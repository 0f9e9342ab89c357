"""Every inventory endpoint's generated tests (laseros.api_testing): roles, create, update and
each filter proven on two rows."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from inventory.models import Material, MovementKind, Offcut, OffcutStatus, SheetStock, StockMovement
from inventory.tests.factories import (
    MaterialFactory,
    OffcutFactory,
    SheetStockFactory,
    StockMovementFactory,
)
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, OPERATOR

WRITERS = (ADMIN, MANAGER, OPERATOR)  # the shop floor books stock and offcuts
CODES = ("MS", "SS")


class TestMaterials(EndpointTests):
    prefix = "materials"
    model = Material
    writers = WRITERS
    filters = (
        Filter("q", lambda m: m.name),
        Filter("code", lambda m: m.code),
        Filter("is_active", lambda m: "false", arrange=lambda m, o: set_fields(m, is_active=False)),
    )

    def make(self, n):
        return MaterialFactory(code=f"T{n}", name=f"Test metal {'AB'[n % 2]}{n}")

    def create_data(self):
        return {"code": "CUZN", "name": "Brass", "density_g_cm3": "8.5", "aliases": ["brass"]}

    def update_data(self, obj):
        return {"name": "Brass CZ108", "max_thickness_mm": "6"}


def sheet(n: int) -> SheetStock:
    return SheetStockFactory(
        material=MaterialFactory(code=CODES[n % 2]),
        thickness_mm=Decimal(3 + 3 * n),
        width_mm=1225 + 300 * n,
        length_mm=2450 + 550 * n,
        location=f"Rack {'AB'[n % 2]}{n}",
        supplier=("Macsteel", "Columbus")[n % 2],
    )


class TestStock(EndpointTests):
    prefix = "stock"
    model = SheetStock
    writers = WRITERS
    watched = (StockMovement,)
    filters = (
        Filter("material", lambda s: s.material.code.lower()),
        Filter("thickness_mm", lambda s: s.thickness_mm),
        Filter(
            "thickness_min", lambda s: s.thickness_mm, lambda m, o: set_fields(o, thickness_mm=1)
        ),
        Filter(
            "thickness_max", lambda s: s.thickness_mm, lambda m, o: set_fields(o, thickness_mm=9)
        ),
        Filter("width_mm", lambda s: s.width_mm),
        Filter("length_mm", lambda s: s.length_mm),
        Filter("location", lambda s: s.location.lower()),
        Filter("supplier", lambda s: s.supplier[:4]),
        Filter("is_active", lambda s: "false", arrange=lambda m, o: set_fields(m, is_active=False)),
        Filter("low", lambda s: "true", arrange=lambda m, o: set_fields(m, quantity_on_hand=1)),
        *dates("created_at"),
        *dates("updated_at"),
    )

    def make(self, n):
        return sheet(n)

    def create_data(self):
        material = MaterialFactory(code="AL")
        return {
            "material": material.pk,
            "thickness_mm": "5",
            "width_mm": 1250,
            "length_mm": 2500,
            "location": "Rack Z",
            "opening_quantity": 4,
        }

    def update_data(self, obj):
        return {"location": "Bay 7", "reorder_level": 7}


class TestStockMovements(EndpointTests):
    prefix = "stock-movements"
    model = StockMovement
    watched = (SheetStock,)
    filters = (
        Filter("stock", lambda m: m.stock_id),
        Filter("kind", lambda m: m.kind),
        Filter("material", lambda m: m.stock.material.code),
        Filter(
            "by",
            lambda m: m.by.username,
            arrange=lambda m, o: set_fields(m, by=someone("sipho")),
            name="by=username",
        ),
        Filter(
            "by",
            lambda m: m.by_id,
            arrange=lambda m, o: set_fields(m, by=someone("sipho")),
            name="by=id",
        ),
        *dates("created_at"),
        Filter("reference", lambda m: m.reference[2:].upper()),
        Filter(
            "caused_by_type",
            lambda m: "inventory.OFFCUT",
            arrange=lambda m, o: set_fields(
                m, caused_by_type=ContentType.objects.get_for_model(Offcut), caused_by_id=1
            ),
        ),
        Filter(
            "caused_by_type",
            lambda m: "none",
            arrange=lambda m, o: set_fields(
                o, caused_by_type=ContentType.objects.get_for_model(Offcut), caused_by_id=1
            ),
            name="caused_by_type=none",
        ),
        Filter(
            "caused_by_id",
            lambda m: m.caused_by_id,
            arrange=lambda m, o: set_fields(m, caused_by_id=77) or set_fields(o, caused_by_id=78),
        ),
    )

    def make(self, n):
        purchase = n % 2 == 0
        return StockMovementFactory(
            stock=sheet(n),
            kind=MovementKind.PURCHASE if purchase else MovementKind.WASTE,
            quantity=1 if purchase else -1,
            reference=f"PO {'AB'[n % 2]}{n}",
        )


class TestOffcuts(EndpointTests):
    prefix = "offcuts"
    model = Offcut
    writers = WRITERS
    filters = (
        Filter("tag", lambda o: o.tag),
        Filter("material", lambda o: o.material.code),
        Filter("thickness_mm", lambda o: o.thickness_mm),
        Filter(
            "status",
            lambda o: OffcutStatus.SCRAPPED,
            arrange=lambda m, o: set_fields(m, status=OffcutStatus.SCRAPPED),
        ),
        Filter("min_width_mm", lambda o: o.width_mm),
        Filter("min_length_mm", lambda o: o.length_mm),
        Filter("location", lambda o: o.location.upper()),
        Filter(
            "source_stock",
            lambda o: o.source_stock_id,
            arrange=lambda m, o: set_fields(m, source_stock=sheet(5)),
        ),
        *dates("created_at"),
        *dates("updated_at"),
    )

    def make(self, n):
        return OffcutFactory(
            material=MaterialFactory(code=CODES[n % 2]),
            thickness_mm=Decimal(3 + 3 * n),
            width_mm=400 - 100 * n,
            length_mm=900 - 200 * n,
            location=f"Offcut rack {'AB'[n % 2]}{n}",
        )

    def create_data(self):
        return {
            "material": MaterialFactory(code="MS").pk,
            "thickness_mm": "3",
            "width_mm": 500,
            "length_mm": 1000,
            "location": "Rack O",
        }

    def update_data(self, obj):
        return {"location": "Bin 4", "notes": "kept for brackets"}
