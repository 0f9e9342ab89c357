"""Preset names as the shop's controller files carry them (../shared/corpus/legacy/6000_Presets)."""

from decimal import Decimal

import pytest

from production.cypcut_names import UnreadableName, parse_fsm_name

CASES = [
    ("3mm Air MS 1.5sn New.fsm", "3", "MS", "AIR", "1.5SN", "New"),
    ("10mm O2 MS Cut 1.2D.fsm", "10", "MS", "O2", "1.2D", ""),
    ("16mm 02 MS 1.4D S355.fsm", "16", "MS", "O2", "1.4D", "S355"),
    ("16mm O2 MS D1.4E - New.fsm", "16", "MS", "O2", "1.4E", "New"),
    ("0.5mm C Air CS Used 1.5sn - coloursmpl.fsm", "0.5", "CS", "AIR", "1.5SN", "Used coloursmpl"),
    ("1mm ss nitro cut 1.5sn - New.fsm", "1", "SS", "N2", "1.5SN", "New"),
    ("8mm ms oxy cut 1.5sn.fsm", "8", "MS", "O2", "1.5SN", ""),
    ("8mm MS O2 1.2DN - MEH.fsm", "8", "MS", "O2", "1.2DN", "MEH"),
    ("3mm MS Air 2sn - Test.fsm", "3", "MS", "AIR", "2SN", "Test"),
    ("1.2mm Al air cut 1.5sn.fsm", "1.2", "AL", "AIR", "1.5SN", ""),
    ("10mm. N2  fsm.fsm", "10", None, "N2", None, ""),
    ("10mm. o2  fsm亮.fsm", "10", None, "O2", None, "亮"),
    ("6mm. N2  fsm (2).fsm", "6", None, "N2", None, "(2)"),
    ("22mm o2.fsm", "22", None, "O2", None, ""),
    ("1.6mm ms air cut 1.5sn + Engrave.fsm", "1.6", "MS", "AIR", "1.5SN", "Engrave"),
]


@pytest.mark.parametrize(("name", "thickness", "material", "gas", "nozzle", "note"), CASES)
def test_reads_the_shops_preset_names(name, thickness, material, gas, nozzle, note):
    parsed = parse_fsm_name(name)
    assert (parsed.thickness_mm, parsed.material, parsed.gas, parsed.nozzle, parsed.note) == (
        Decimal(thickness),
        material,
        gas,
        nozzle,
        note,
    )


def test_thickness_range_is_kept():
    parsed = parse_fsm_name("6-7.7mm VASTRAP Air Cut 1.5sn.fsm")
    assert parsed.thickness_mm == Decimal("6") and parsed.thickness_max_mm == Decimal("7.7")
    assert (parsed.material, parsed.gas, parsed.nozzle) == ("VAST", "AIR", "1.5SN")
    assert "6-7.7 mm" in parsed.note


def test_names_without_thickness_are_unreadable():
    with pytest.raises(UnreadableName, match="no thickness"):
        parse_fsm_name("colour swatch.fsm")
