"""The pricing engine's machine time is production's machine_minutes (issue 12: one function for
the quote and the queue): the engine calls it, and every figure is what the engine's own
arithmetic gave before (its formula written out here, checked on many lines). No database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import production.estimating
from finance.pricing import PartGeometry, price_part
from finance.tests.test_pricing import PLATE, PRESET, RATES, pricing


def _before(p):
    """The engine's machine time as it worked it out before it called machine_minutes (its own
    arithmetic, copied from finance/pricing/engine.py)."""
    from finance.pricing import engine

    cut_min = p.geometry.cut_length_mm / p.preset.cut_speed_mm_min
    pierce_min = p.geometry.pierce_count * p.preset.pierce_time_s / engine.SIXTY
    travel_min = (cut_min + pierce_min) * p.rates.travel_allowance_pct / engine.HUNDRED
    total_min = (cut_min + pierce_min + travel_min) * p.quantity
    return engine._MachineTime(
        cut_min,
        pierce_min,
        travel_min,
        total_min,
        total_min * p.rates.machine_rate_per_hour / engine.SIXTY,
    )


def test_the_engine_calls_productions_machine_minutes(monkeypatch):
    calls = []
    real = production.estimating.machine_minutes

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("finance.pricing.engine.machine_minutes", spy)
    price_part(pricing())
    assert calls == [
        {
            "cut_length_mm": PLATE.cut_length_mm,
            "cut_speed_mm_min": PRESET.cut_speed_mm_min,
            "pierce_count": PLATE.pierce_count,
            "pierce_time_s": PRESET.pierce_time_s,
            "quantity": 10,
            "travel_allowance_pct": RATES.travel_allowance_pct,
        }
    ]


decimals = st.decimals(min_value=D("0.1"), max_value=D("100000"), places=1)


@settings(max_examples=200, deadline=None)
@given(
    cut=decimals,
    speed=decimals,
    pierces=st.integers(min_value=0, max_value=5000),
    pierce_s=st.decimals(min_value=D("0"), max_value=D("5"), places=2),
    travel=st.decimals(min_value=D("0"), max_value=D("50"), places=2),
    quantity=st.integers(min_value=1, max_value=100_000),
)
def test_the_machine_minutes_and_the_line_are_what_the_engine_gave_before(
    cut, speed, pierces, pierce_s, travel, quantity
):
    p = pricing(
        geometry=dataclasses.replace(PLATE, cut_length_mm=cut, pierce_count=pierces),
        preset=dataclasses.replace(PRESET, cut_speed_mm_min=speed, pierce_time_s=pierce_s),
        rates=dataclasses.replace(RATES, travel_allowance_pct=travel),
        quantity=quantity,
    )
    price = price_part(p)
    with mock.patch("finance.pricing.engine._machine_time", _before):
        before = price_part(p)
    assert price == before  # every figure: unit price, breakdown, machine minutes, labels
    assert price.machine_minutes == before.machine_minutes


def test_a_bad_preset_is_still_the_engines_pricing_error():
    import pytest

    from finance.pricing import PricingError

    bad = pricing(preset=dataclasses.replace(PRESET, cut_speed_mm_min=D("0")))
    with pytest.raises(PricingError, match="cut speed"):
        price_part(bad)
    assert isinstance(PLATE, PartGeometry)
