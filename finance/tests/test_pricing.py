"""The pricing engine, by hand: every figure below is worked out in the comments, so a change in
the arithmetic shows here with the number it broke. No database: the engine is pure."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.pricing import (
    Delivery,
    MaterialPrice,
    NestPart,
    PartGeometry,
    PartPricing,
    PresetValues,
    PricingError,
    QuantityBreakRate,
    Rates,
    allocate_cents,
    estimate_sheets,
    price_order,
    price_part,
    vat_on,
)

RATES = Rates(
    machine_code="X3",
    machine_rate_per_hour=D("1200"),  # R 20 a minute
    travel_allowance_pct=D("10"),
    setup_minutes_per_job=D("15"),
    setup_minutes_per_part=D("5"),
    handling_per_part=D("0.50"),
    bending_per_bend=D("15"),
    margin_pct=D("25"),
    minimum_per_part=D("0"),
    minimum_per_order=D("0"),
    rush_surcharge_pct=D("50"),
    sheet_utilisation=D("0.85"),
    whole_sheets=False,
    edge_margin_mm=D("6"),
    max_units_per_nest=20,
    quantity_breaks=(QuantityBreakRate(10, D("5")), QuantityBreakRate(100, D("10"))),
)
MILD_STEEL = MaterialPrice(
    code="MS",
    name="Mild steel",
    density_g_cm3=D("7.85"),
    price_per_kg=D("25"),
    price_per_sheet=D("1800"),
    sheet_width_mm=D("1225"),
    sheet_length_mm=D("2450"),
    part_gap_mm=D("2"),
)
PLATE = PartGeometry(
    cut_length_mm=D("1000"),
    pierce_count=5,
    area_mm2=D("40000"),
    width_mm=D("200"),
    height_mm=D("200"),
)
PRESET = PresetValues(label="3mm Air MS 1.5SN", cut_speed_mm_min=D("4000"), pierce_time_s=D("0.6"))


def pricing(**changes) -> PartPricing:
    base = PartPricing(
        geometry=PLATE,
        material=MILD_STEEL,
        thickness_mm=D("3"),
        gas="AIR",
        quantity=10,
        preset=PRESET,
        rates=RATES,
    )
    return dataclasses.replace(base, **changes)


def rates(**changes) -> Rates:
    return dataclasses.replace(RATES, **changes)


def amounts(price) -> dict[str, D]:
    return {item.code: item.amount for item in price.breakdown}


def test_ten_plates_worked_by_hand():
    # machine: 1000/4000 = 0.25 min cut + 5 × 0.6 s = 0.05 min pierce, + 10 % travel = 0.33 min
    #          a part; × 10 = 3.3 min at R 20/min = R 66.00
    # material: 40 000 mm² × 3 mm × 7.85 g/cm³ = 0.942 kg a part; 9.42 kg × R 25 ÷ 0.85
    #          = R 277.0588…
    # setup: 15 min for the job (one part) + 5 = 20 min × R 20 = R 400.00
    # handling: 10 × R 0.50 = R 5.00;     cost = R 748.0588…
    # margin 25 % = R 187.0147…;  break (10+) 5 % of R 935.0735… = −R 46.7537…
    # line = R 888.3199… → unit R 88.83 (half-up) → line 10 × 88.83 = R 888.30
    price = price_part(pricing())
    assert price.unit_price == D("88.83")
    assert price.line_total == D("888.30")
    assert price.machine_minutes == D("3.30")
    assert price.material_kg == D("9.420")
    assert price.setup_minutes == D("20.00")
    assert price.quantity_break_pct == D("5")
    # the −R 0.0199 the unit rounding took is shared out by size, then the cents by remainder
    assert amounts(price) == {
        "machine": D("66.00"),
        "material": D("277.05"),
        "setup": D("399.99"),
        "handling": D("5.00"),
        "margin": D("187.01"),
        "quantity_break": D("-46.75"),
    }
    assert sum(amounts(price).values()) == price.line_total
    labels = {item.code: item.label for item in price.breakdown}
    assert "3.3 min on X3 at R 1 200.00/h" in labels["machine"]
    assert "9.42 kg MS 3 mm at R 25.00/kg ÷ 0.85" in labels["material"]
    assert "5 % off from 10 parts" in labels["quantity_break"]
    assert price.flags == () and price.sheets is None


def test_nine_plates_get_no_break_and_cost_more_than_ten():
    # 9 plates: machine 2.97 min × R 20 = 59.40; material 8.478 kg × 25 ÷ 0.85 = 249.3529…;
    # setup 400; handling 4.50 → cost 713.2529…, + 25 % = 891.5662 → unit 99.06, line 891.54
    price = price_part(pricing(quantity=9))
    assert (price.unit_price, price.line_total) == (D("99.06"), D("891.54"))
    assert "quantity_break" not in amounts(price)
    assert price.line_total > price_part(pricing(quantity=10)).line_total


def test_the_largest_break_reached_applies():
    price = price_part(pricing(quantity=100))
    assert price.quantity_break_pct == D("10")
    assert "10 % off from 100 parts" in price.breakdown[-1].label


def test_rush_adds_its_surcharge_after_margin_and_break():
    # 888.3199 × 1.5 = 1 332.4798 → unit 133.2480 → R 133.25, line R 1 332.50
    price = price_part(pricing(rush=True))
    assert (price.unit_price, price.line_total) == (D("133.25"), D("1332.50"))
    # rush 444.1599… plus its share (444.16 of 1 379.23 positive) of the +R 0.0202 the unit
    # rounding added = 444.1664… → R 444.17 (its cent remainder is among the largest)
    assert amounts(price)["rush"] == D("444.17")
    assert sum(amounts(price).values()) == D("1332.50")


def test_minimum_per_part_tops_the_line_up():
    price = price_part(pricing(rates=rates(minimum_per_part=D("100"))))
    # 88.83 a part is under R 100: the line is topped up by 1 000 − 888.3199 = R 111.68
    assert (price.unit_price, price.line_total) == (D("100.00"), D("1000.00"))
    assert amounts(price)["minimum_part"] == D("111.68")
    assert sum(amounts(price).values()) == D("1000.00")


def test_bends_are_priced_per_bend_per_part():
    price = price_part(pricing(geometry=dataclasses.replace(PLATE, bends=2)))
    # 2 bends × 10 parts × R 15 = R 300, + its share of the +R 0.03 the unit rounding added
    assert amounts(price)["bending"] == D("300.01")
    assert price.breakdown[4].label == "Bending: 2 bends × 10 × R 15.00"


def test_the_order_adds_delivery_the_minimum_and_vat_half_up():
    line = price_part(pricing())  # R 888.30
    order = price_order(
        [line],
        rates=rates(minimum_per_order=D("1000")),
        delivery=Delivery(code="courier", name="Courier", price=D("150")),
        vat_rate=D("0.15"),
    )
    # topped up to R 1 000 (+111.70), delivery R 150 → R 1 150.00; VAT 15 % = 172.50
    assert [(e.code, e.amount) for e in order.extras] == [
        ("minimum_order", D("111.70")),
        ("delivery", D("150.00")),
    ]
    assert (order.total_excl_vat, order.vat, order.total_incl_vat) == (
        D("1150.00"),
        D("172.50"),
        D("1322.50"),
    )


def test_vat_is_on_the_total_half_up():
    assert vat_on(D("888.30"), D("0.15")) == D("133.25")  # 133.245: half-up, not to even
    assert vat_on(D("0.03"), D("0.15")) == D("0.00")  # 0.0045


def test_whole_sheets_on_a_known_packing():
    # 200 × 200 + 2 mm gap on 1225 × 2450 less 6 mm edges: 6 across (6 × 202 − 2 = 1210 ≤ 1213),
    # 12 along (12 × 202 − 2 = 2422 ≤ 2438) = 72 fit, but at most 20 of a part in a nest
    wide = {
        "sheet_width_mm": D("1225"),
        "sheet_length_mm": D("2450"),
        "part_gap_mm": D("2"),
        "edge_margin_mm": D("6"),
    }
    plate = NestPart(
        key="p", width_mm=D("200"), height_mm=D("200"), area_mm2=D("40000"), quantity=130
    )
    capped = estimate_sheets([plate], max_units_per_nest=20, **wide)
    assert (capped.sheets, capped.units_per_sheet) == (7, 20)  # 130 ÷ 20 = 6.5 → 7
    # 130 × 40 000 mm² over 7 × 1225 × 2450 mm² = 0.24752…
    assert capped.utilisation == D("0.2475")
    free = estimate_sheets([plate], max_units_per_nest=1000, **wide)
    assert (free.sheets, free.units_per_sheet) == (2, 72)


def test_whole_sheets_price_the_sheets():
    price = price_part(pricing(quantity=130, rates=rates(whole_sheets=True)))
    assert price.sheets is not None and price.sheets.sheets == 7
    assert amounts(price)["material"] == pytest.approx(D("12600"), abs=D("1"))  # 7 × R 1 800
    assert "7 whole sheets 1225×2450 MS 3 mm at R 1 800.00" in price.breakdown[1].label


def test_a_part_too_large_for_the_sheet_is_refused():
    huge = dataclasses.replace(PLATE, width_mm=D("1300"), height_mm=D("2500"))
    with pytest.raises(PricingError, match="does not fit") as refused:
        price_part(pricing(geometry=huge, rates=rates(whole_sheets=True)))
    assert refused.value.field == "file"


def test_a_turned_part_fits():
    long = NestPart(
        key="bar", width_mm=D("2400"), height_mm=D("100"), area_mm2=D("240000"), quantity=3
    )
    found = estimate_sheets(
        [long],
        sheet_width_mm=D("1225"),
        sheet_length_mm=D("2450"),
        part_gap_mm=D("2"),
        edge_margin_mm=D("6"),
        max_units_per_nest=20,
    )
    assert found.sheets == 1


def test_the_fallback_flags_the_line():
    fallback = dataclasses.replace(PRESET, label="no preset", is_fallback=True)
    assert price_part(pricing(preset=fallback)).flags == ("no_preset",)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"thickness_mm": D("0")}, "thickness_mm"),
        ({"geometry": dataclasses.replace(PLATE, cut_length_mm=D("0"))}, "file"),
        ({"preset": dataclasses.replace(PRESET, cut_speed_mm_min=D("0"))}, "preset"),
        ({"rates": dataclasses.replace(RATES, sheet_utilisation=D("0"))}, "rates"),
    ],
)
def test_bad_input_is_refused_naming_it(changes, field):
    with pytest.raises(PricingError) as refused:
        price_part(pricing(**changes))
    assert refused.value.field == field


def test_the_snapshot_survives_json_and_prices_the_same():
    original = pricing(rush=True, rates=rates(whole_sheets=True))
    stored = json.loads(json.dumps(original.to_dict()))
    assert stored["rates"]["machine_rate_per_hour"] == "1200"
    again = PartPricing.from_dict(stored)
    assert again == original
    assert price_part(again) == price_part(original)


def test_a_snapshot_with_unknown_keys_is_refused():
    stored = pricing().to_dict()
    stored["rates"]["discount_everything"] = "100"
    with pytest.raises(PricingError, match="unknown keys"):
        PartPricing.from_dict(stored)


def test_allocate_cents_ties_go_to_the_earlier_item():
    assert allocate_cents([D("0.005"), D("0.005")], D("0.01")) == [D("0.01"), D("0.00")]
    assert allocate_cents([D("1"), D("-0.5")], D("0.50")) == [D("1.00"), D("-0.50")]


decimals = st.decimals(min_value=D("0"), max_value=D("5000"), places=3)


@settings(max_examples=150, deadline=None, database=None)
@given(
    cut=st.decimals(min_value=D("1"), max_value=D("500000"), places=2),
    pierces=st.integers(min_value=0, max_value=5000),
    area=st.decimals(min_value=D("0"), max_value=D("3000000"), places=2),
    quantity=st.integers(min_value=1, max_value=100_000),
    speed=st.decimals(min_value=D("50"), max_value=D("60000"), places=1),
    pierce_s=st.decimals(min_value=D("0"), max_value=D("5"), places=2),
    hourly=decimals,
    margin=st.decimals(min_value=D("0"), max_value=D("200"), places=2),
    handling=decimals,
    minimum=decimals,
    bends=st.integers(min_value=0, max_value=20),
    rush=st.booleans(),
    utilisation=st.decimals(min_value=D("0.05"), max_value=D("1"), places=3),
    price_per_kg=st.decimals(min_value=D("0.01"), max_value=D("500"), places=2),
)
def test_the_breakdown_always_adds_up_to_the_line_total(
    cut,
    pierces,
    area,
    quantity,
    speed,
    pierce_s,
    hourly,
    margin,
    handling,
    minimum,
    bends,
    rush,
    utilisation,
    price_per_kg,
):
    price = price_part(
        pricing(
            geometry=dataclasses.replace(
                PLATE, cut_length_mm=cut, pierce_count=pierces, area_mm2=area, bends=bends
            ),
            quantity=quantity,
            preset=dataclasses.replace(PRESET, cut_speed_mm_min=speed, pierce_time_s=pierce_s),
            rates=rates(
                machine_rate_per_hour=hourly,
                margin_pct=margin,
                handling_per_part=handling,
                minimum_per_part=minimum,
                sheet_utilisation=utilisation,
            ),
            material=dataclasses.replace(MILD_STEEL, price_per_kg=price_per_kg),
            rush=rush,
        )
    )
    assert price.line_total == price.unit_price * quantity
    assert price.unit_price == price.unit_price.quantize(D("0.01"))
    assert sum(item.amount for item in price.breakdown) == price.line_total
    assert all(item.amount == item.amount.quantize(D("0.01")) for item in price.breakdown)
    assert price.unit_price >= minimum.quantize(D("0.01"))


@settings(max_examples=200, deadline=None, database=None)
@given(
    exact=st.lists(
        st.decimals(min_value=D("-1000"), max_value=D("100000"), places=6), min_size=1, max_size=9
    ),
    nudge=st.integers(min_value=-500, max_value=500),
)
def test_allocated_cents_add_up_to_any_total(exact, nudge):
    total = (sum(exact) + D(nudge) / 100).quantize(D("0.01"))
    allocated = allocate_cents(exact, total)
    assert sum(allocated) == total
    assert allocated == allocate_cents(exact, total)  # deterministic


def test_the_engine_needs_no_django():
    """Pure arithmetic: importing and running it loads neither Django nor the ORM."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys; from decimal import Decimal as D; import finance.pricing as p; "
        "p.vat_on(D('100'), D('0.15')); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django loaded'"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
