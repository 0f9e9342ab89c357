"""manage.py calibrate_rates: proposes a speed factor per preset (the median of actual ÷ estimate
over its runs, with their number) and the travel allowance the runs support; changes nothing
without --apply, and with it applies what is accepted, in one transaction, through the preset's
and the rates' change logs."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from finance.models import RATES_PK, ShopRates, ShopRatesChange
from finance.services.calibration import PresetProposal, calibration_apply, calibration_propose
from finance.tests.runs_and_quotes import (
    TEN,
    TEN_MINUTE_SPEED,
    cut,
    paid_job,
    quoted,
    ten_minutes_a_ten,
)
from laseros.models import ActivityLog
from laseros.testing import unchanged
from production.models import CutPreset, CutPresetChange
from production.tests.factories import CutPresetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(pricing_shop):
    ten_minutes_a_ten(pricing_shop["preset"])
    return pricing_shop


@pytest.fixture
def plate(shop, measured):
    return measured()


def runs_at(shop, plate, *, count: int, minutes: int, gas: str = "", preset=None) -> None:
    """`count` jobs, each quoted 10.00 minutes and cut in one run of `minutes`."""
    for n in range(count):
        job = paid_job(shop)
        quoted(job, plate, gas=gas)
        cut(shop, [(job, 1000)], minutes=minutes, preset=preset, days_ago=30 - n)


def calibrate(*args: str) -> str:
    out = StringIO()
    call_command("calibrate_rates", *args, stdout=out)
    return out.getvalue()


def test_six_runs_at_1_2_propose_factor_1_2_and_change_nothing_without_apply(shop, plate):
    runs_at(shop, plate, count=6, minutes=12)

    with unchanged(CutPreset, CutPresetChange, ShopRates, ShopRatesChange):
        printed = calibrate()

    assert "6 of 6 runs compared" in printed
    assert "speed factor 1.200 over 6 runs; cut speed 1026.2 -> 855.2 mm/min" in printed
    assert "Nothing changed" in printed
    [proposal] = calibration_propose().presets
    assert (proposal.preset_id, proposal.factor, proposal.runs) == (
        shop["preset"].pk,
        Decimal("1.200"),
        6,
    )


def test_apply_yes_changes_the_preset_through_its_change_log_and_the_audit(shop, plate, make_user):
    runs_at(shop, plate, count=6, minutes=12)
    make_user("maria", role="Manager")

    printed = calibrate("--apply", "--yes", "--reason", "November's runs", "--user", "maria")

    preset = CutPreset.objects.get(pk=shop["preset"].pk)
    assert preset.cut_speed_mm_min == Decimal("855.2")
    change = CutPresetChange.objects.get(preset=preset)
    assert change.changes["cut_speed_mm_min"] == ["1026.2", "855.2"]
    assert change.by.username == "maria"
    assert change.reason.startswith("November's runs (calibrate_rates: speed factor 1.200 over 6")
    assert ActivityLog.objects.filter(
        object_id=str(preset.pk),
        action=ActivityLog.Action.UPDATE,
        changes__has_key="cut_speed_mm_min",
    ).exists()
    assert "Applied 1 proposal(s): 1 preset(s) changed" in printed
    assert not ShopRatesChange.objects.exists()
    # the same runs against today's speed: nothing more to propose (not the 1.2 again)
    assert "No change proposed." in calibrate()


def test_min_runs_skips_a_preset_with_fewer_runs(shop, plate):
    runs_at(shop, plate, count=6, minutes=12)

    with unchanged(CutPreset, CutPresetChange, ShopRates, ShopRatesChange):
        printed = calibrate("--min-runs", "7", "--apply", "--yes", "--reason", "try")

    assert "No change proposed." in printed
    assert "Skipped: 10mm O2 MS 1.2D, 6 run(s): fewer than 7 runs (--min-runs)" in printed


def test_the_default_needs_5_runs(shop, plate):
    runs_at(shop, plate, count=4, minutes=12)

    assert calibration_propose().presets == ()
    assert "fewer than 5 runs" in calibrate()


def test_interactive_applies_only_what_is_answered_yes(shop, plate, monkeypatch):
    runs_at(shop, plate, count=6, minutes=12)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with unchanged(CutPreset, CutPresetChange):
        assert "Nothing accepted" in calibrate("--apply", "--reason", "looked")
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    calibrate("--apply", "--reason", "looked again")
    assert CutPreset.objects.get(pk=shop["preset"].pk).cut_speed_mm_min == Decimal("855.2")


def test_presets_off_by_the_same_factor_propose_the_travel_allowance_instead(
    shop, plate, make_user
):
    nitrogen = CutPresetFactory(
        material=shop["material"],
        thickness_mm=TEN,
        gas="N2",
        nozzle="2SN",
        note="",
        name="10mm N2 MS 2SN",
        cut_speed_mm_min=TEN_MINUTE_SPEED,
        pierce_time_s=Decimal("0"),
    )
    runs_at(shop, plate, count=5, minutes=12, gas="O2")
    runs_at(shop, plate, count=5, minutes=12, gas="N2", preset=nitrogen)

    calibration = calibration_propose()

    [travel] = calibration.rates
    assert (travel.field, travel.value_now, travel.value_new, travel.runs) == (
        "travel_allowance_pct",
        Decimal("0.00"),
        Decimal("20.00"),
        10,
    )
    assert calibration.presets == ()  # the overrun is counted once, as travel
    calibrate("--apply", "--yes", "--reason", "moves between cuts")
    assert ShopRates.objects.get(pk=RATES_PK).travel_allowance_pct == Decimal("20.00")
    entry = ShopRatesChange.objects.get()
    assert entry.changes == {"travel_allowance_pct": ["0.00", "20.00"]}
    assert entry.reason.startswith("moves between cuts (calibrate_rates:")
    assert not CutPresetChange.objects.exists()
    assert "No change proposed." in calibrate()


def test_nothing_is_half_applied(shop, plate):
    other = CutPresetFactory(material=shop["material"], thickness_mm=TEN, gas="N2", note="")
    good = PresetProposal(
        preset_id=shop["preset"].pk,
        label="O2",
        runs=6,
        factor=Decimal("1.2"),
        speed_now=TEN_MINUTE_SPEED,
        speed_new=Decimal("855.2"),
    )
    stale = PresetProposal(
        preset_id=other.pk,
        label="N2",
        runs=6,
        factor=Decimal("1.2"),
        speed_now=Decimal("9999.0"),  # not its speed any more
        speed_new=Decimal("8332.5"),
    )
    with unchanged(CutPreset, CutPresetChange), pytest.raises(ValidationError, match="Nothing was"):
        calibration_apply(proposals=[good, stale], by=None, reason="both")


def test_bad_options_and_an_operator_are_refused_and_change_nothing(shop, plate, make_user):
    runs_at(shop, plate, count=6, minutes=12)
    make_user("olga", role="Operator")
    with unchanged(CutPreset, CutPresetChange):
        with pytest.raises(CommandError, match="--reason"):
            calibrate("--apply", "--yes")
        with pytest.raises(CommandError, match="may not change cut presets"):
            calibrate("--apply", "--yes", "--reason", "x", "--user", "olga")
        with pytest.raises(CommandError, match="--apply"):
            calibrate("--yes")
        with pytest.raises(CommandError, match="at least 1"):
            calibrate("--min-runs", "0", "--apply", "--yes", "--reason", "x")
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            calibrate("--since", "last tuesday", "--apply", "--yes", "--reason", "x")
        with pytest.raises(CommandError, match="no user called"):
            calibrate("--apply", "--yes", "--reason", "x", "--user", "nobody")


def test_no_runs_says_so_and_exits_0(shop):
    assert "No laser runs to compare with their quotes" in calibrate()
    assert "No laser runs since 2026-01-01" in calibrate("--since", "2026-01-01")
