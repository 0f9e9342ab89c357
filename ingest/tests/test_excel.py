"""ExcelParser: real workbooks from the samples folder and hostile ones made here."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingest.parsers.base import DetectedType, ParseContext, ParseError
from ingest.parsers.excel import (
    ExcelParser,
    classify_sheet,
    header_category,
    parse_quantity_cell,
    parse_thickness_cell,
)
from ingest.parsers.registry import parser_for
from ingest.tests.damage import mutants

SAMPLES = Path(__file__).parent / "samples" / "xlsx"
TRANSITIONAL_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TRANSITIONAL_RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = b"http://purl.oclc.org/ooxml/officeDocument/relationships"

EXPECTED_ERRORS = {"calamine__pass_protected.xlsx": "encrypted"}


def parse(path: Path, **context):
    return ExcelParser().parse(path, ParseContext(**context))


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def codes(result) -> set[str]:
    return {w.code for w in result.warnings}


def test_every_sample_is_read_or_refused_with_a_reason():
    files = sorted(SAMPLES.glob("*.xlsx"))
    assert len(files) == 8
    for path in files:
        if path.name in EXPECTED_ERRORS:
            with pytest.raises(ParseError) as caught:
                parse(path)
            assert caught.value.code == EXPECTED_ERRORS[path.name]
            assert str(caught.value) and "\n" not in str(caught.value)
            continue
        result = parse(path)
        assert result.kind == "excel" and result.parser == "excel", path.name
        assert result.raw["sheets"], path.name
        json.dumps(result.raw)


def test_registry_picks_the_excel_parser():
    assert isinstance(parser_for(DetectedType("excel", "x", "xlsx", "xlsx")), ExcelParser)
    assert isinstance(parser_for(DetectedType("excel", "x", "xlsx", "encrypted")), ExcelParser)
    assert ExcelParser.score(DetectedType("pdf", "application/pdf", "pdf")) == 0


def test_password_protected_workbook():
    with pytest.raises(ParseError, match="(?i)the workbook is password-protected") as caught:
        parse(SAMPLES / "calamine__pass_protected.xlsx")
    assert caught.value.code == "encrypted"


def test_cutting_list_lines_and_totals():
    result = parse(SAMPLES / "fdlb__test_cutting_list.xlsx")
    (sheet,) = result.raw["sheets"]
    assert sheet["kind"] == "cutting_list"
    assert sheet["header"] == ["Item", "Mat", "Thick", "Qty"]
    assert sheet["columns"] == {
        "part": "Item",
        "material": "Mat",
        "thickness": "Thick",
        "quantity": "Qty",
    }
    lines = [
        (i["part"], i["material"], i["thickness_mm"], i["quantity"])
        for i in result.raw["line_items"]
    ]
    assert lines == [("Plate A", "GALV", 1.5, 20), ("Plate B", "AL", 3.0, 15)]
    # Two materials and two thicknesses: neither is recorded, the quantity is the total.
    assert result.metadata == {"quantity": 35}
    assert {"mixed_material", "mixed_thickness"} <= codes(result)


def test_quote_lines_with_client_and_job_codes():
    result = parse(SAMPLES / "fdlb__test_quote.xlsx")
    (sheet,) = result.raw["sheets"]
    assert sheet["kind"] == "quote"
    first = result.raw["line_items"][0]
    assert first == {
        "row": 2,
        "part": "Gas Box",
        "material": "MS",
        "material_text": "MS",
        "thickness_mm": 3.0,
        "quantity": 10,
        "client_code": "CL-0001",
        "job_code": "JB-2025-10-CL0001-001",
        "sheet": "Quote",
    }
    assert result.raw["identifiers"] == {
        "client_code": "CL-0001",
        "job_code": "JB-2025-10-CL0001-001",
    }
    assert result.metadata == {"quantity": 15}


def test_project_column_of_job_codes_is_not_a_thickness(tmp_path):
    path = write_workbook(
        tmp_path / "quote.xlsx",
        {
            "Quote": [
                ["Part Name", "Material", "Quantity", "Client", "Project"],
                ["Gusset", "Mild Steel", 12, "CL0001", "JB-2025-10-CL0001-001"],
                ["Base plate", "MS", 4, "CL0001", "JB-2025-10-CL0001-002"],
                ["Total", None, 16, None, None],
            ]
        },
    )
    result = parse(path)
    assert result.raw["sheets"][0]["kind"] == "quote"
    items = result.raw["line_items"]
    assert [i["thickness_mm"] for i in items] == [None, None]
    assert [i["job_code"] for i in items] == ["JB-2025-10-CL0001-001", "JB-2025-10-CL0001-002"]
    assert [i["client_code"] for i in items] == ["CL-0001", "CL-0001"]
    # The "Total" row is not a line; material agrees; no thickness anywhere.
    assert result.metadata == {"material": "MS", "quantity": 16}
    assert "thickness_mm" not in result.metadata


def test_lines_that_agree_give_material_and_thickness(tmp_path):
    path = write_workbook(
        tmp_path / "list.xlsx",
        {
            "Sheet1": [
                ["Cutting list for CL-0042"],  # a title row above the header
                [],
                ["Part", "Material", "Thickness (mm)", "Qty."],
                ["Tread", "Vastrap", "4mm", "x12"],
                ["Riser", "VAS", 4, 6.0],
            ]
        },
    )
    result = parse(path)
    sheet = result.raw["sheets"][0]
    assert sheet["header_row"] == 3 and sheet["kind"] == "cutting_list"
    assert result.metadata == {"material": "VAST", "thickness_mm": 4.0, "quantity": 18}
    assert result.raw["identifiers"] == {"client_code": "CL-0042"}
    assert result.warnings == []


def test_merged_cells_take_the_top_left_value():
    result = parse(SAMPLES / "calamine__merged_range.xlsx")
    sheet2 = result.raw["sheets"][1]
    assert "A1:A4" in sheet2["merged_ranges"] and "F1:H4" in sheet2["merged_ranges"]
    rows = {r["row"]: r["cells"] for r in sheet2["rows"]}
    assert [rows[r][0] for r in (1, 2, 3, 4)] == ["A1", "A1", "A1", "A1"]
    assert rows[4][5:8] == ["F1", "F1", "F1"]
    assert rows[3][1] == "B3"  # not merged: unchanged


def test_dates_in_the_1904_system():
    result = parse(SAMPLES / "calamine__date_1904.xlsx")
    assert result.raw["date_system"] == 1904
    rows = result.raw["sheets"][0]["rows"]
    assert rows[0]["cells"] == ["2021-01-01T00:00:00", 15]
    assert rows[1]["cells"] == ["2021-01-02T00:00:00", 16]


def test_dates_in_the_1900_system(tmp_path):
    path = write_workbook(tmp_path / "d.xlsx", {"S": [["When", dt.datetime(2025, 10, 1, 7, 30)]]})
    result = parse(path)
    assert result.raw["date_system"] == 1900
    assert result.raw["sheets"][0]["rows"][0]["cells"] == ["When", "2025-10-01T07:30:00"]


def test_cached_formula_results_are_read():
    result = parse(SAMPLES / "xlsxwriter__formula_results01.xlsx")
    sheet = result.raw["sheets"][0]
    assert sheet["formulas"] == {"count": 12, "uncached": 0}
    assert [r["cells"][0] for r in sheet["rows"][:5]] == [2, "Foo", True, False, "#DIV/0!"]
    assert "formulas_not_cached" not in codes(result)


def test_formulas_without_cached_results_warn(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", {"S": [["Qty", "Double"], [2, "=A2*2"]]})
    result = parse(path)
    assert result.raw["sheets"][0]["formulas"] == {"count": 1, "uncached": 1}
    warning = next(w for w in result.warnings if w.code == "formulas_not_cached")
    assert warning.message.startswith("1 formula cell")


def test_hidden_sheets_and_chartsheets():
    result = parse(SAMPLES / "calamine__any_sheets.xlsx")
    states = {s["name"]: s["state"] for s in result.raw["sheets"]}
    assert states == {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}
    assert result.raw["chartsheets"] == ["Chart"]
    assert result.raw["sheets"][0]["dimension"] == "A1:B5"


def test_rows_are_bounded(tmp_path):
    rows = [["Part", "Qty"]] + [[f"P{i}", i] for i in range(1, 20)]
    result = parse(write_workbook(tmp_path / "long.xlsx", {"S": rows}), excel_max_rows=5)
    sheet = result.raw["sheets"][0]
    assert sheet["rows_read"] == 5 and sheet["rows_truncated"]
    assert len(sheet["rows"]) == 5
    assert "rows_truncated" in codes(result)
    assert sheet["kind"] == "parts_list"
    assert result.metadata == {"quantity": 1 + 2 + 3 + 4}


def test_strict_ooxml_is_refused_with_advice(tmp_path):
    source = write_workbook(tmp_path / "normal.xlsx", {"S": [["Part", "Qty"], ["A", 1]]})
    strict = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(strict, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            data = data.replace(TRANSITIONAL_MAIN, STRICT_MAIN)
            data = data.replace(TRANSITIONAL_RELS, STRICT_RELS)
            new.writestr(info, data)
    with pytest.raises(ParseError, match="Strict Open XML") as caught:
        parse(strict)
    assert caught.value.code == "strict_ooxml"
    assert "standard" in str(caught.value)


def test_zip_bomb_is_refused_before_openpyxl(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(300):  # 300 MB of zeros, about 1.3 MB on disk
                member.write(chunk)
    assert path.stat().st_size < 3 * 1024 * 1024
    with pytest.raises(ParseError, match="zip bomb") as caught:
        parse(path)
    assert caught.value.code == "zip_bomb"


def test_highly_compressed_part_is_refused(tmp_path):
    path = tmp_path / "ratio.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ParseError, match=r"compressed \d+:1") as caught:
        parse(path)
    assert caught.value.code == "zip_bomb"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"this is not a zip at all" * 20, "corrupt"),
    ],
)
def test_unreadable_bytes(tmp_path, data, code):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    with pytest.raises(ParseError) as caught:
        parse(path)
    assert caught.value.code == code


def test_truncated_workbook_is_corrupt(tmp_path):
    data = (SAMPLES / "fdlb__test_quote.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="damaged") as caught:
        parse(path)
    assert caught.value.code == "corrupt"


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ParseError) as caught:
        parse(path)
    assert caught.value.code == "corrupt"


def test_zip_with_encrypted_members_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    # Set the "encrypted" flag bit in the local and central headers, as a zip tool would.
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ParseError, match="password-protected") as caught:
        parse(path)
    assert caught.value.code == "encrypted"


def test_legacy_xls_is_refused_with_advice(tmp_path):
    # An OLE2 container with a "Workbook" stream and no encryption streams: Excel 97-2003.
    path = tmp_path / "old.xls"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le")
    )
    with pytest.raises(ParseError, match=r"\.xls") as caught:
        parse(path)
    assert caught.value.code == "legacy_xls"


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (["Item", "Mat", "Thick", "Qty"], "cutting_list"),
        (["Part Name", "Material", "Thickness", "Quantity", "Client", "Project"], "quote"),
        (["Description", "Qty", "Unit Price", "Amount"], "quote"),
        (["Part No", "Quantity"], "parts_list"),
        (["Material", "Thickness", "Sheet Size", "On Hand", "Location", "Reorder Level"], "stock"),
        (["Name", "Phone"], "unknown"),
        ([], "unknown"),
    ],
)
def test_sheet_kinds_from_headers(header, kind):
    assert classify_sheet(header) == kind


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Qty.", "quantity"),
        ("No. off", "quantity"),
        ("Total Qty", "quantity"),
        ("Thickness (mm)", "thickness"),
        ("T", "thickness"),
        ("Material Code", "material"),
        ("Unit Price", "price"),
        ("Job Code", "project"),
        ("Weight", None),
    ],
)
def test_header_categories(text, category):
    assert header_category(text) == category


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (1.5, 1.5),
        ("3mm", 3.0),
        ("1,2 mm", 1.2),
        ("JB-2025-10-CL0001-001", None),
        ("200x100", None),
        (0, None),
        (True, None),
        (None, None),
    ],
)
def test_thickness_cells(value, expected):
    assert parse_thickness_cell(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10, 10), (20.0, 20), ("12 pcs", 12), ("x4", 4), (2.5, None), ("many", None), (0, None)],
)
def test_quantity_cells(value, expected):
    assert parse_quantity_cell(value) == expected


def test_progress_is_reported_from_zero_to_one():
    seen: list[float] = []
    ExcelParser().parse(
        SAMPLES / "calamine__issues.xlsx", ParseContext(progress=lambda f, m: seen.append(f))
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_damaged_copies_are_read_or_refused_never_crash(tmp_path):
    path = tmp_path / "damaged.xlsx"
    outcomes = {"read": 0, "refused": 0}
    sources = sorted(SAMPLES.glob("*.xlsx"))
    for n, source in enumerate(sources):
        for data in mutants(source.read_bytes(), 25, seed=n):
            path.write_bytes(data)
            try:
                parse(path)
                outcomes["read"] += 1
            except ParseError as exc:
                assert exc.code in {"corrupt", "empty", "encrypted", "legacy_xls", "zip_bomb"}
                outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]
