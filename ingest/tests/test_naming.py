"""Reading the names the shop really uses, writing stored names, and refusing hostile names."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.content.naming import (
    NameInfo,
    normalise_client_code,
    normalise_project_code,
    parse_name,
)
from ingest.content.stored_names import safe_filename, safe_part_name, stored_name

# name -> the fields it must give (None: the field must be absent)
REAL_NAMES: dict[str, dict[str, object]] = {
    "0001-Rectangle Drain-Galv-1.2mm-x20.dxf": {
        "part": "Rectangle Drain",
        "material": "GALV",
        "thickness_mm": 1.2,
        "quantity": 20,
        "project_number": "0001",
    },
    "0002-1090x2030-VAS-4mm-x2.dxf": {
        "part": "1090x2030",
        "material": "VAST",
        "thickness_mm": 4.0,
        "quantity": 2,
    },
    "0001-A Z OROS-SS-0.dxf": {
        "part": "A Z OROS",
        "material": "SS",
        "thickness_mm": None,
        "quantity": None,
    },
    "Sureaz-0.47-x1": {"part": "Sureaz", "thickness_mm": 0.47, "quantity": 1, "material": None},
    "W - VA3 - Channel - Rev 1 .dxf": {
        "part": "W - VA3 - Channel",
        "revision": "1",
        "material": None,
        "thickness_mm": None,
        "quantity": None,
    },
    "0001-Floor design- - -x1.lbrn2": {
        "part": "Floor design",
        "quantity": 1,
        "material": None,
        "thickness_mm": None,
    },
    "0005-100mm teeth-GaLv-1.2mm-x5.dxf": {
        "part": "100mm teeth",
        "material": "GALV",
        "thickness_mm": 1.2,
        "quantity": 5,
    },
    "OGOA-W-V2616-Vas-6mm-x1": {
        "user_code": "OGOA",
        "part": "W-V2616",
        "material": "VAST",
        "thickness_mm": 6.0,
        "quantity": 1,
        "version": None,
    },
    "0001-100mm L cut-Galv-x5.dxf": {
        "part": "100mm L cut",
        "material": "GALV",
        "thickness_mm": None,
        "quantity": 5,
    },
    "DEOA-200.125.100.75mm garden-Galv-1mm-x1 version 2.0.lbrn2": {
        "user_code": "DEOA",
        "part": "200.125.100.75mm garden",
        "material": "GALV",
        "thickness_mm": 1.0,
        "quantity": 1,
        "revision": "2.0",
    },
    "0007-75mm-Galv-1.2mm-x17.dxf": {
        "part": "75mm",
        "material": "GALV",
        "thickness_mm": 1.2,
        "quantity": 17,
    },
    "0002-L cut 100mm-Galv-1.2mm-x28.dxf": {
        "part": "L cut 100mm",
        "thickness_mm": 1.2,
        "quantity": 28,
    },
    "ACME-Base Plate-MS-3-12.dxf": {  # the blueprint form [USERCODE]-[DESC]-[MAT]-[THK]-[QTY]
        "user_code": "ACME",
        "part": "Base Plate",
        "material": "MS",
        "thickness_mm": 3.0,
        "quantity": 12,
    },
    "CL0001-JB-2025-10-CL0001-001-BracketLeft-MS-5mm-x14-v003.dxf": {
        "client_code": "CL-0001",
        "project_code": "JB-2025-10-CL0001-001",
        "part": "BracketLeft",
        "material": "MS",
        "thickness_mm": 5.0,
        "quantity": 14,
        "version": 3,
    },
    "Bracket Galv 1.2mm x5.dxf": {
        "part": "Bracket",
        "material": "GALV",
        "thickness_mm": 1.2,
        "quantity": 5,
    },
}


@pytest.mark.parametrize("name", list(REAL_NAMES))
def test_real_names(name: str) -> None:
    info = parse_name(name)
    for key, expected in REAL_NAMES[name].items():
        if expected is None:
            assert key not in info.fields, f"{key} should be unknown, got {info.fields.get(key)}"
        else:
            assert info.value(key) == expected, f"{key}: {info.fields.get(key)}"
            assert 0.0 < info.confidence(key) <= 1.0
            assert info.fields[key].source


def test_thickness_zero_is_unknown_and_warned() -> None:
    info = parse_name("0001-A Z OROS-SS-0.dxf")
    assert info.value("thickness_mm") is None
    assert any("'0'" in warning for warning in info.warnings)


# Forms the shop's real names take that the reader used to miss or misread (issue 10), and what a
# manager reads in them. The names come from the shop's tree (corpus/legacy/profiles_import) and
# the old system's design files (corpus/legacy/flask, whose jobs record the material and
# thickness: "Emberton roof flat", mild steel 0.53 mm, is 0014-Emberton roof-MS-053mm-x1), or are
# the forms issue 10 names (a dot before the quantity; roof sheeting's 0.47, 0.5, 0.53 and
# 0.58 mm typed without the point). `lower`: the fields read by their meaning, with a lower
# confidence than a well-formed name's (>= 0.5, so they are still used, and < 0.85); every other
# field read here is sure (>= 0.85). `warning`: words one of the name's warnings holds (None: no
# warning at all).
SURE = 0.85
ODD_NAMES: list[tuple[str, str | None, float | None, int | None, tuple[str, ...], str | None]] = [
    # name, material, thickness_mm, quantity, lower, warning
    # well-formed names read as before: sure, no warning
    ("0006-125mm garden-Galv-1.2mm-x97.dxf", "GALV", 1.2, 97, (), None),
    ("DEOA-200.125.100.75mm garden-Galv-1mm-x1 version 2.0.lbrn2", "GALV", 1.0, 1, (), None),
    ("0011-Khaya.280x140mm bracket-MS-5mm-x10.dxf", "MS", 5.0, 10, (), None),
    ("0002-Blue Plate-MS-0.53mm-x1.dxf", "MS", 0.53, 1, (), None),
    ("0011-Crank Angler-MS-0.53-x1.dxf", "MS", 0.53, 1, (), None),
    ("0013-638 Machine custom parts-MS-16mm-x1.dxf", "MS", 16.0, 1, (), None),
    # roof sheeting's thickness typed without its decimal point: the material's thicknesses say
    ("0014-Emberton roof-MS-053mm-x1.dxf", "MS", 0.53, 1, ("thickness_mm",), None),
    ("0014-Emberton roof-MS-053mm-x1.lbrn2", "MS", 0.53, 1, ("thickness_mm",), None),
    ("Roof sheet-Galv-047mm-x12.dxf", "GALV", 0.47, 12, ("thickness_mm",), None),
    ("Barge flashing-MS-058mm-x4.dxf", "MS", 0.58, 4, ("thickness_mm",), None),
    ("Ridge cap-Galv-05mm-x6.dxf", "GALV", 0.5, 6, ("thickness_mm",), None),
    ("0009-Closure-MS-053-x18.dxf", "MS", 0.53, 18, ("thickness_mm",), None),
    ("Flashing-MS-53mm-x2.dxf", "MS", 0.53, 2, ("thickness_mm",), None),  # 53 mm MS: not cut
    # a dot where the name has a dash before the quantity
    ("Galv-1.2mm.x5", "GALV", 1.2, 5, ("quantity",), None),
    ("0006-125mm garden-Galv-1.2mm.x97.dxf", "GALV", 1.2, 97, ("quantity",), None),
    ("0002-Vent in full-Sureaz-0.47.x1.dxf", None, 0.47, 1, ("quantity", "thickness_mm"), None),
    # the quantity after an underscore ("x_2"): the old system recorded these jobs' counts
    ("30_and_60_Degree_Slant_5mm_x_2.dxf", None, 5.0, 2, ("quantity", "thickness_mm"), None),
    ("Top_Wall_5mm_x_1.dxf", None, 5.0, 1, ("quantity", "thickness_mm"), None),
    ("Toothed_Slats_x_112.dxf", None, None, 112, ("quantity",), None),
    ("Plate_300_x_500_t3.dxf", None, 3.0, None, ("thickness_mm",), None),  # a size, not 500 off
    # the meaning is not clear: nothing guessed, a warning says what to check
    ("0001-A Z OROS-SS-0.dxf", "SS", None, None, (), "cut short"),
    ("0001-A Z OROS-SS-0.lbrn2", "SS", None, None, (), "cut short"),
    ("0001-100mm L cut-Galv-x5.dxf", "GALV", None, 5, (), "no thickness"),
    ("0001-Floor design- - -x1.lbrn2", None, None, 1, (), "blank"),
    ("0009-Closure-MNG-0.53mm-x18.dxf", None, 0.53, 18, ("thickness_mm",), "'MNG'"),
    ("Plate-MS-087mm-x1.dxf", "MS", None, 1, (), "0.87 mm"),  # not a thickness MS comes in
    ("Plate-MS-25mm-x1.dxf", "MS", None, 1, (), "2.5 mm"),  # 25 mm MS: past the machine
    ("Plate-MS-75mm-x1.dxf", "MS", None, 1, (), "up to 16 mm"),
]


@pytest.mark.parametrize(
    ("name", "material", "thickness", "quantity", "lower", "warning"),
    ODD_NAMES,
    ids=[row[0] for row in ODD_NAMES],
)
def test_the_shops_odd_names(
    name: str,
    material: str | None,
    thickness: float | None,
    quantity: int | None,
    lower: tuple[str, ...],
    warning: str | None,
) -> None:
    info = parse_name(name)
    expected = {"material": material, "thickness_mm": thickness, "quantity": quantity}
    for key, value in expected.items():
        assert info.value(key) == value, f"{key}: {info.fields.get(key)} ({info.warnings})"
        if value is None:
            continue
        if key in lower:
            assert 0.5 <= info.confidence(key) < SURE, f"{key} should be less sure: {info.fields}"
        else:
            assert info.confidence(key) >= SURE, f"{key} should be sure: {info.fields[key]}"
    if warning is None:
        assert info.warnings == []
    else:
        assert any(warning.lower() in w.lower() for w in info.warnings), info.warnings
        assert all(w[:1].isupper() and w.endswith(".") for w in info.warnings), info.warnings


def test_a_form_read_by_its_meaning_says_how_it_was_read() -> None:
    roof = parse_name("0014-Emberton roof-MS-053mm-x1.dxf")
    assert any("'053mm'" in note and "0.53 mm" in note for note in roof.notes), roof.notes
    dotted = parse_name("Galv-1.2mm.x5")
    assert any("'1.2mm.x5'" in note for note in dotted.notes), dotted.notes


def test_an_unknown_material_is_not_the_part() -> None:
    info = parse_name("0009-Closure-MNG-0.53mm-x18.dxf")
    assert info.value("part") == "Closure"
    # a name of two pieces keeps its first as the part (Sureaz is the part here)
    assert parse_name("Sureaz-0.47-x1").warnings == []


def test_name_warnings_are_kept_with_the_reading() -> None:
    data = parse_name("0001-A Z OROS-SS-0.dxf").as_dict()
    assert data["warnings"] and "cut short" in data["warnings"][0]


def test_thickness_without_unit_is_less_certain() -> None:
    with_unit = parse_name("Sureaz-0.47mm-x1")
    without_unit = parse_name("Sureaz-0.47-x1")
    assert without_unit.value("thickness_mm") == with_unit.value("thickness_mm") == 0.47
    assert without_unit.confidence("thickness_mm") < with_unit.confidence("thickness_mm")


def test_number_in_the_part_name_is_not_the_thickness() -> None:
    info = parse_name("0005-100mm teeth-GaLv-1.2mm-x5.dxf")
    assert info.value("thickness_mm") == 1.2
    assert info.confidence("thickness_mm") >= 0.9
    # no material: a number too large to be a sheet thickness stays in the part name
    assert parse_name("Gate-1220mm-x2").value("thickness_mm") is None


def test_dimension_is_not_a_quantity() -> None:
    info = parse_name("0002-1090x2030-VAS-4mm-x2.dxf")
    assert info.value("quantity") == 2
    assert info.fields["quantity"].source == "file name 'x2'"


def test_folder_names() -> None:
    info = parse_name("CL-0003/1.Projects/0002-Blue Plate-10.07.2025/")
    assert info.value("client_code") == "CL-0003"
    assert info.value("project_number") == "0002"
    assert info.value("project_name") == "Blue Plate"
    assert info.value("project_date") == datetime.date(2025, 10, 7)  # month.day.year
    assert "part" not in info.fields


def test_folder_and_file_together() -> None:
    name = "CL-0003/1.Projects/0002-Blue Plate-10.07.2025/0002-Blue Plate Final-MS-3mm-x1.dxf"
    info = parse_name(name)
    assert info.value("client_code") == "CL-0003"
    assert info.value("project_name") == "Blue Plate"
    assert info.value("part") == "Blue Plate Final"
    assert (info.value("material"), info.value("thickness_mm"), info.value("quantity")) == (
        "MS",
        3.0,
        1,
    )
    # the folder's project number is surer than the file's leading number
    assert info.fields["project_number"].source.startswith("folder")


def test_windows_paths_and_unambiguous_dates() -> None:
    info = parse_name(r"C:\jobs\CL-0002\1.Projects\0005-100mm teeth-09.29.2025\a-MS-2mm-x1.dxf")
    assert info.value("client_code") == "CL-0002"
    assert info.value("project_date") == datetime.date(2025, 9, 29)
    assert info.confidence("project_date") > parse_name("0002-x-10.07.2025/").confidence(
        "project_date"
    )


def test_day_first_date_only_when_it_cannot_be_month_first() -> None:
    info = parse_name("0001-Thing-29.09.2025/")
    assert info.value("project_date") == datetime.date(2025, 9, 29)
    assert info.confidence("project_date") <= 0.5
    assert "project_date" not in parse_name("0001-Thing-31.31.2025/").fields


def test_material_in_folder_is_a_weak_hint() -> None:
    info = parse_name("CL-0002/1.Projects/0007-75mm galv-10.07.2025/sign v3.22.dxf")
    assert info.value("material") == "GALV"
    assert info.confidence("material") < 0.5
    assert info.value("part") == "sign v3.22"


@pytest.mark.parametrize("code", ["CL-0001", "CL0001", "cl0001", "cl-1", " CL-0001 "])
def test_client_codes(code: str) -> None:
    assert normalise_client_code(code) == "CL-0001"


@pytest.mark.parametrize("code", ["CL-00001", "C-0001", "CL", "", None, "CLX0001"])
def test_not_client_codes(code: str | None) -> None:
    assert normalise_client_code(code) is None


def test_project_codes() -> None:
    assert normalise_project_code("JB-2025-10-CL0001-001") == "JB-2025-10-CL0001-001"
    assert normalise_project_code("jb-2025-10-CL-0001-1") == "JB-2025-10-CL0001-001"
    assert normalise_project_code("JB-2025-13-CL0001-001") is None
    assert parse_name("CL-0001/JB-2025-10-CL0001-001/x.dxf").value("project_code") == (
        "JB-2025-10-CL0001-001"
    )


def test_empty_and_odd_names_do_not_raise() -> None:
    for name in ["", "/", "////", ".dxf", "-", "- - -", "x0", "\x00\x01", "a" * 5000]:
        assert isinstance(parse_name(name), NameInfo)
    assert parse_name("x0").value("quantity") is None
    assert parse_name("").as_dict()["fields"] == {}


def test_as_dict_is_json_ready() -> None:
    import json

    data = parse_name("CL-0003/1.Projects/0002-Blue Plate-10.07.2025/0002-Plate-MS-3mm-x1.dxf")
    text = json.dumps(data.as_dict())
    assert '"project_date": {"value": "2025-10-07"' in text


# --- stored names --------------------------------------------------------------------------------


def test_stored_name_matches_domain_example() -> None:
    name = stored_name(
        "CL-0001", "JB-2025-10-CL0001-001", "Bracket Left", "ms", Decimal("5.000"), 14, 3, "DXF"
    )
    assert name == "CL0001-JB-2025-10-CL0001-001-BracketLeft-MS-5mm-x14-v003.dxf"


def test_stored_name_round_trips_through_the_parser() -> None:
    name = stored_name("CL0007", "JB-2025-09-CL0007-012", "a z oros", "GaLv", 1.2, 20, 12, "lbrn2")
    assert name == "CL0007-JB-2025-09-CL0007-012-AZOros-GALV-1.2mm-x20-v012.lbrn2"
    info = parse_name(name)
    assert info.value("client_code") == "CL-0007"
    assert info.value("project_code") == "JB-2025-09-CL0007-012"
    assert info.value("part") == "AZOros"
    assert (info.value("material"), info.value("thickness_mm"), info.value("quantity")) == (
        "GALV",
        1.2,
        20,
    )
    assert info.value("version") == 12


def test_stored_name_leaves_out_what_is_unknown() -> None:
    name = stored_name(
        "CL-0002", "JB-2025-02-CL0002-001", "100mm L cut", None, None, None, 1, "dxf"
    )
    assert name == "CL0002-JB-2025-02-CL0002-001-100mmLCut-v001.dxf"
    thin = stored_name("CL-0002", "JB-2025-02-CL0002-001", "x", "SS", "0.470", 0, 1, "dxf")
    assert "-0.47mm-" in thin and "-x0" not in thin


@pytest.mark.parametrize(
    "part",
    ["../../etc/passwd", "..\\..\\windows\\system32", "/abs/path", "a/../b", "con", "\x00\x1b[31m"],
)
def test_stored_name_part_cannot_escape(part: str) -> None:
    name = stored_name("CL-0001", "JB-2025-10-CL0001-001", part, "MS", 3, 1, 1, "dxf")
    assert "/" not in name and "\\" not in name and ".." not in name and "\x00" not in name
    assert name.startswith("CL0001-JB-2025-10-CL0001-001-") and name.endswith("-v001.dxf")
    assert Path(name).name == name


def test_stored_name_limits_and_errors() -> None:
    long_part = "Very long part name " * 20
    name = stored_name("CL-0001", "JB-2025-10-CL0001-001", long_part, "MS", 3, 1, 1, "dxf")
    assert len(safe_part_name(long_part)) <= 60
    assert len(name.encode()) <= 200
    with pytest.raises(ValueError):
        stored_name("CL-0001", "JB-2025-10-CL0001-001", "x", "MS", 3, 1, 0, "dxf")
    with pytest.raises(ValueError):
        stored_name("CL-0001", "JB-2025-10-CL0001-001", "x", "MS", 3, 1, 1, "../")
    with pytest.raises(ValueError):
        stored_name("CL-0001", "JB-2025-10-CL0001-001", "x", "MS", 3, -1, 1, "dxf")


def test_safe_part_name() -> None:
    assert safe_part_name("Rectangle Drain") == "RectangleDrain"
    assert safe_part_name("200.125.100.75mm garden") == "200.125.100.75mmGarden"
    assert safe_part_name("Plaque Épée") == "PlaqueÉpée"
    assert safe_part_name("...") == "Part"
    assert safe_part_name(None) == "Part"


# --- safe file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\Users\\shop\\part.dxf", "part.dxf"),
        ("part\x00.dxf.exe", "part.dxf.exe"),
        ("bad\x1b[2Jname\r\n.dxf", "bad[2Jname .dxf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("CON", "_CON"),
        ("con.dxf", "_con.dxf"),
        ("LPT1.txt", "_LPT1.txt"),
        ('a<b>c:d|e?f*g"h.dxf', "a_b_c_d_e_f_g_h.dxf"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("   ", "file"),
        (".htaccess", "htaccess"),
        ("trailing dots...", "trailing dots"),
        ("файл детали.dxf", "файл детали.dxf"),
        ("Plaque Épée.dxf", "Plaque Épée.dxf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_length_keeps_extension() -> None:
    result = safe_filename("é" * 300 + ".lbrn2")
    assert result.endswith(".lbrn2")
    assert len(result.encode("utf-8")) <= 200
    result.encode("utf-8").decode("utf-8")  # not cut inside a character


def test_safe_filename_never_leaves_its_folder(tmp_path: Path) -> None:
    hostile = ["../x", "..\\..\\x", "/x", "a/../../x", "\x00/../x", "..", "~/.ssh/id_rsa"]
    for name in hostile:
        target = (tmp_path / safe_filename(name)).resolve()
        assert target.parent == tmp_path.resolve()
