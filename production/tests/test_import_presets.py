"""`manage.py import_presets`: a folder of CypCut .fsm files (names only) or a CSV/XLSX table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError

from laseros.models import ActivityLog
from laseros.testing import as_xlsx, run_import
from production.models import CutPreset, CutPresetChange

SAMPLES = Path(__file__).parent / "samples"
FSM_FOLDER = SAMPLES / "presets"
TABLE = SAMPLES / "presets.csv"

pytestmark = pytest.mark.django_db


def run(path, *args) -> str:
    return run_import("import_presets", path, *args)


def preset(code, thickness, gas, nozzle, note=""):
    return CutPreset.objects.get(
        material__code=code, thickness_mm=Decimal(thickness), gas=gas, nozzle=nozzle, note=note
    )


def test_fsm_names_become_presets_and_unreadable_names_are_reported():
    out = run(FSM_FOLDER)
    assert "6 created, 0 updated, 0 unchanged, 3 skipped, 0 failed" in out
    assert "skipped ('colour swatch.fsm': no thickness at the start of the name" in out
    assert (
        "skipped ('10mm. o2  fsm亮.fsm': no material in the name (use --default-material); "
        "no nozzle in the name (use --default-nozzle))" in out
    )
    s355 = preset("MS", "16", "O2", "1.4D", "S355")  # "02" is O2
    assert s355.name == "16mm 02 MS 1.4D S355"
    assert s355.source_file_name == "16mm 02 MS 1.4D S355.fsm"
    assert preset("MS", "3", "AIR", "1.5SN", "New").name == "3mm Air MS 1.5sn New"
    assert preset("SS", "1", "N2", "1.5SN", "New")
    assert preset("CS", "0.5", "AIR", "1.5SN", "Used")
    vastrap = CutPreset.objects.get(material__code="VAST")
    assert vastrap.thickness_mm == Decimal("6") and "6-7.7 mm" in vastrap.note
    assert ActivityLog.objects.filter(action="create", object_repr=s355.name).exists()

    out = run(FSM_FOLDER)
    assert "0 created, 0 updated, 6 unchanged, 3 skipped, 0 failed" in out
    assert CutPreset.objects.count() == 6


def test_defaults_fill_names_that_carry_no_material_or_nozzle():
    out = run(FSM_FOLDER, "--default-material", "ms", "--default-nozzle", "1.5sn")
    assert "8 created, 0 updated, 0 unchanged, 1 skipped, 0 failed" in out
    bright = preset("MS", "10", "O2", "1.5SN", "亮")
    assert bright.source_file_name == "10mm. o2  fsm亮.fsm"
    assert preset("MS", "12", "O2", "1.5SN", "").name == "12mm. o2  fsm"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_table_with_human_headers_imports_and_bad_rows_fail(fmt, tmp_path):
    table = TABLE if fmt == "csv" else as_xlsx(TABLE, tmp_path / "presets.xlsx")
    out = run(table)
    assert "5 created, 0 updated, 0 unchanged, 0 skipped, 3 failed" in out
    assert "row 7: failed (gas: 'Plasma' is not Air, O2 or N2)" in out
    assert "row 8: failed (material: 'Unobtainium' is not a material the shop knows" in out
    assert "row 9: failed (thickness_mm: 'abc' is not a number; cut_speed_mm_min: 'fast'" in out
    one = preset("MS", "1", "AIR", "1.5SN")
    assert (one.cut_speed_mm_min, one.actual_power_w, one.pierce_time_s) == (
        Decimal("35000.0"),
        3000,
        Decimal("0.30"),
    )
    assert (one.gas_pressure_bar, one.kerf_mm) == (Decimal("12.00"), Decimal("0.100"))
    assert preset("MS", "3", "O2", "1.2D").cut_speed_mm_min == Decimal("4200.0")
    assert preset("SS", "3", "N2", "1.5SN", "New").gas_pressure_bar == Decimal("14.00")
    assert "5 unchanged" in run(table)
    assert CutPreset.objects.count() == 5


def test_a_changed_parameter_goes_through_the_change_log(tmp_path):
    run(TABLE)
    faster = tmp_path / "faster.csv"
    faster.write_text("material,thickness_mm,gas,nozzle,cut_speed_mm_min\nMS,3,O2,1.2D,4500\n")
    out = run(faster)
    assert "row 2: updated" in out and "(cut_speed_mm_min)" in out
    change = CutPresetChange.objects.get()
    assert change.changes == {"cut_speed_mm_min": ["4200.0", "4500.0"]}
    assert change.reason == "imported from faster.csv"
    assert preset("MS", "3", "O2", "1.2D").pierce_time_s == Decimal("0.80")  # empty: left alone


def test_a_name_column_alone_is_read_like_a_file_name(tmp_path):
    table = tmp_path / "names.csv"
    table.write_text("name,cut speed (mm/min)\n8mm ms oxy cut 1.5sn,1900\n")
    assert "1 created" in run(table)
    assert preset("MS", "8", "O2", "1.5SN").cut_speed_mm_min == Decimal("1900.0")


def test_the_same_preset_twice_in_one_file_is_skipped_not_flipped(tmp_path):
    table = tmp_path / "twice.csv"
    table.write_text(
        "material,thickness_mm,gas,nozzle,name\nMS,3,Air,1.5SN,first\nms,3.0,air,1.5sn,second\n"
    )
    out = run(table)
    assert "row 3: skipped (second: the same preset (MS 3mm AIR 1.5SN) as first above)" in out
    assert "1 unchanged, 1 skipped" in run(table)
    assert CutPreset.objects.get().name == "first"


def test_dry_run_saves_nothing_and_an_empty_folder_is_an_error(tmp_path):
    assert "DRY RUN" in run(FSM_FOLDER, "--dry-run")
    assert not CutPreset.objects.exists()
    with pytest.raises(CommandError, match="no .fsm files"):
        run(tmp_path)
