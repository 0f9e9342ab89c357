"""Factories for inventory records (other apps' tests may use them too)."""

from __future__ import annotations

from decimal import Decimal

import factory

from inventory.constants import material_spec
from inventory.models import Material, MovementKind, Offcut, SheetStock, StockMovement


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material
        django_get_or_create = ("code",)

    code = "MS"
    name = factory.LazyAttribute(lambda o: spec.name if (spec := material_spec(o.code)) else o.code)
    density_g_cm3 = Decimal("7.85")


class SheetStockFactory(factory.django.DjangoModelFactory):
    """Sheet stock; `quantity_on_hand` is set directly here (tests only: services move stock)."""

    class Meta:
        model = SheetStock

    material = factory.SubFactory(MaterialFactory)
    thickness_mm = Decimal("3")
    width_mm = 1225
    length_mm = 2450
    location = factory.Sequence(lambda n: f"Rack {n}")
    quantity_on_hand = 10
    reorder_level = 2
    reorder_quantity = 10
    unit_cost = Decimal("1800.00")
    supplier = "Macsteel"


class StockMovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockMovement

    stock = factory.SubFactory(SheetStockFactory)
    kind = MovementKind.PURCHASE
    quantity = 1
    balance_after = factory.LazyAttribute(lambda o: o.stock.quantity_on_hand)


class OffcutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offcut

    tag = factory.Sequence(lambda n: f"OC-{n + 1:04d}")
    material = factory.SubFactory(MaterialFactory)
    thickness_mm = Decimal("3")
    width_mm = 400
    length_mm = 900
    location = "Offcut rack"
