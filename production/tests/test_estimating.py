"""Estimated minutes (issue 12, point 3): one pure function, shared by the queue and finance's
pricing; a queue item gets its minutes from the job's measured drawings and its preset."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from production.estimating import EstimateError, machine_minutes


def test_cut_length_over_speed_plus_pierces_times_pierce_time_plus_setup():
    # 2 400 mm at 1 200 mm/min = 2 min; 6 pierces × 0.5 s = 0.05 min; × 10 pieces; + 10 min setup
    time = machine_minutes(
        cut_length_mm=D("2400"),
        cut_speed_mm_min=D("1200"),
        pierce_count=6,
        pierce_time_s=D("0.5"),
        quantity=10,
        setup_minutes=D("10"),
    )
    assert (time.cut_min, time.pierce_min, time.travel_min) == (D(2), D("0.05"), D(0))
    assert time.cutting_min == D("20.5")
    assert time.setup_min == D(10)
    assert time.total_min == D("30.5")
    assert time.whole_minutes == 31  # the queue keeps whole minutes, rounded up


def test_the_travel_allowance_is_a_percentage_of_cutting_and_piercing():
    time = machine_minutes(
        cut_length_mm=D("1000"),
        cut_speed_mm_min=D("500"),
        pierce_count=12,
        pierce_time_s=D("1"),
        quantity=3,
        travel_allowance_pct=D("10"),
    )
    assert time.travel_min == D("0.22")  # (2 + 0.2) × 10 %
    assert time.total_min == (D(2) + D("0.2") + D("0.22")) * 3


def test_the_figures_are_the_pricing_engines_exactly():
    """Finance's engine calls this function for its machine time: the same Decimal arithmetic,
    step for step, for any inputs (checked against the formula as the engine wrote it)."""
    rng = random.Random(12)
    for _ in range(300):
        cut = D(rng.randint(1, 10**7)) / 10
        speed = D(rng.randint(1, 60000)) / 10
        pierces = rng.randint(0, 5000)
        pierce_s = D(rng.randint(0, 500)) / 100
        travel = D(rng.randint(0, 3000)) / 100
        quantity = rng.randint(1, 10**6)
        cut_min = cut / speed
        pierce_min = pierces * pierce_s / 60
        travel_min = (cut_min + pierce_min) * travel / 100
        time = machine_minutes(
            cut_length_mm=cut,
            cut_speed_mm_min=speed,
            pierce_count=pierces,
            pierce_time_s=pierce_s,
            quantity=quantity,
            travel_allowance_pct=travel,
        )
        assert time.total_min == (cut_min + pierce_min + travel_min) * quantity
        assert (time.cut_min, time.pierce_min, time.travel_min) == (cut_min, pierce_min, travel_min)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"cut_speed_mm_min": D(0)}, "cut speed must be more than 0"),
        ({"cut_speed_mm_min": None}, "no cut speed"),
        ({"pierce_time_s": D("-1")}, "pierce time cannot be negative"),
        ({"cut_length_mm": D("-5")}, "cut length cannot be negative"),
        ({"pierce_count": -1}, "pierces cannot be negative"),
        ({"quantity": 0}, "quantity must be at least 1"),
        ({"setup_minutes": D("-1")}, "setup cannot be negative"),
        ({"cut_length_mm": "lots"}, "not a number"),
        ({"cut_length_mm": D("NaN")}, "not a number"),
        ({"cut_length_mm": D("Infinity")}, "not a number"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(given, words):
    values = {
        "cut_length_mm": D("100"),
        "cut_speed_mm_min": D("1000"),
        "pierce_count": 1,
        "pierce_time_s": D("0.5"),
        "quantity": 1,
        **given,
    }
    with pytest.raises(EstimateError, match=words):
        machine_minutes(**values)


def test_whole_numbers_and_text_give_decimals_not_floats():
    time = machine_minutes(
        cut_length_mm=100, cut_speed_mm_min=1000, pierce_count=3, pierce_time_s="0.2", quantity=3
    )
    assert isinstance(time.total_min, D) and time.total_min == D("0.33")
