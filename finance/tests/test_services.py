"""Writes on the rates (logged, audited, refused whole when wrong) and the reads that turn the
database into the engine's inputs (preset lookup, material prices, refusals that name a field)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import selectors, services
from finance.models import RATES_PK, DeliveryOption, QuantityBreak, ShopRates, ShopRatesChange
from finance.pricing import PricingError
from laseros.models import ActivityLog
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db


def test_a_rates_change_is_logged_and_audited(make_user):
    boss = make_user("boss", role="Manager")
    entry = services.rates_update(
        changes={"margin_pct": Decimal("30"), "whole_sheets": True}, by=boss, reason="new year"
    )
    assert entry is not None and entry.by == boss
    assert entry.changes == {"margin_pct": ["25.00", "30.00"], "whole_sheets": [False, True]}
    audit = ActivityLog.objects.filter(message="new year").get()
    assert audit.changes == entry.changes
    # the same values again change nothing and log nothing
    assert services.rates_update(changes={"margin_pct": "30"}, by=boss, reason="again") is None
    assert ShopRatesChange.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"sheet_utilisation": Decimal("1.5")}, "why", "sheet_utilisation"),
        ({"margin_pct": Decimal("-1")}, "why", "margin_pct"),
        ({"minimum_per_order": "lots"}, "why", "minimum_per_order"),
        ({"margin_pct": Decimal("40")}, "  ", "reason"),
        ({"discount_everything": 100}, "why", "discount_everything"),
    ],
)
def test_a_bad_rates_change_changes_nothing(changes, reason, field):
    with unchanged(ShopRates, ShopRatesChange), pytest.raises(ValidationError) as refused:
        services.rates_update(changes=changes, reason=reason)
    assert field in refused.value.message_dict


def test_quantity_breaks_and_delivery_options_are_audited():
    qbreak = services.quantity_break_save(
        quantity_break=QuantityBreak(min_quantity=50, discount_pct=Decimal("7.5"))
    )
    option = services.delivery_option_save(
        option=DeliveryOption(code="courier", name="Courier", price=Decimal("180"))
    )
    services.quantity_break_delete(quantity_break=qbreak)
    actions = list(
        ActivityLog.objects.filter(object_repr__in=[str(qbreak), str(option)])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "create", "delete"]
    with pytest.raises(ValidationError):
        services.quantity_break_save(
            quantity_break=QuantityBreak(min_quantity=1, discount_pct=Decimal("5"))
        )


def test_the_preset_is_found_by_material_thickness_and_gas(pricing_shop):
    from production.tests.factories import CutPresetFactory

    ms, ten = pricing_shop["material"], Decimal("10")
    air = CutPresetFactory(material=ms, thickness_mm=ten, gas="AIR", nozzle="1.5SN")
    CutPresetFactory(material=ms, thickness_mm=ten, gas="N2", cut_speed_mm_min=None)
    assert selectors.find_preset(ms, ten) == air  # no gas asked: air first
    assert selectors.find_preset(ms, ten, "O2") == pricing_shop["preset"]
    assert selectors.find_preset(ms, ten, "N2") is None  # no cut speed: it cannot price


def test_the_material_is_priced_from_its_sheet(pricing_shop):
    price = selectors.material_price(pricing_shop["material"], Decimal("10.2"))  # ±0.3 mm
    assert price.price_per_sheet == Decimal("6000.00")
    # R 6 000 over 1225 × 2450 × 10 mm × 7.85 g/cm³ = 235.598 kg
    assert price.price_per_kg.quantize(Decimal("0.0001")) == Decimal("25.4671")
    assert (price.sheet_width_mm, price.sheet_length_mm, price.part_gap_mm) == (1225, 2450, 2)


@pytest.mark.parametrize("typed", ["ms", "Mild Steel", " MS "])
def test_materials_are_found_as_users_type_them(pricing_shop, typed):
    assert selectors.find_material(typed).code == "MS"


def test_refusals_name_the_field(pricing_shop):
    with pytest.raises(PricingError, match="Unknown material 'kryptonite'") as refused:
        selectors.pricing_setup(material="kryptonite", thickness_mm=Decimal("10"))
    assert refused.value.field == "material"
    ShopRates.objects.filter(pk=RATES_PK).update(machine=None)
    pricing_shop["machine"].is_active = False
    pricing_shop["machine"].save()
    with pytest.raises(PricingError, match="no active machine") as refused:
        selectors.pricing_setup(material="MS", thickness_mm=Decimal("10"))
    assert refused.value.field == "rates"
