"""Excel workbooks (.xlsx, .xlsm): cutting lists, quotes, parts lists and stock sheets.

The file is checked before openpyxl sees it (excel_container.py): a password-protected workbook,
a legacy .xls, a Strict OOXML workbook, a damaged zip and a zip bomb each give a ParseError with
a reason a person can act on. Then openpyxl reads it streaming (read_only, cached formula
results), each sheet bounded by `context.excel_max_rows`. Each sheet's kind is judged from its
header row; the lines of a cutting list or quote give material, thickness and quantity.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from inventory.constants import material_code

from . import registry
from .base import DetectedType, ParseContext, ParseError, Parser, ParseResult
from .excel_container import ZIP_ERRORS, check_container

MAX_SHEETS = 50
MAX_COLUMNS = 200
MAX_CELL_CHARS = 1000
MAX_MERGED_RANGES = 1000
HEADER_SEARCH_ROWS = 10
MAX_SCAN_CHARS = 200_000
MAX_THICKNESS_MM = 50.0


SHEET_KINDS = ("cutting_list", "quote", "parts_list", "stock", "unknown")


def _aliases(names: str) -> frozenset[str]:
    return frozenset(name.strip() for name in names.split("|"))


# Header names as the shop and its clients write them, after _normalise_header().
HEADER_ALIASES: dict[str, frozenset[str]] = {
    "quantity": _aliases(
        "qty|qnty|quantity|quant|no off|pcs|pieces|count|units|total qty|total quantity|"
        "qty required|order qty"
    ),
    "thickness": _aliases("thickness|thick|thk|t|thickness mm|thk mm|t mm"),
    "material": _aliases("material|mat|matl|material type|material code|grade"),
    "client": _aliases("client|customer|client code|client name|customer name"),
    "project": _aliases("project|job|job code|project code|job no|project no|job number"),
    "price": _aliases(
        "price|unit price|amount|total|line total|rate|cost|unit cost|value|subtotal|excl vat|"
        "incl vat|vat"
    ),
    "stock": _aliases(
        "sheet|sheets|stock|on hand|in stock|location|reorder|reorder level|reorder point|bin|"
        "sheet size"
    ),
    "part": _aliases(
        "part|part name|part no|part number|part description|item|item name|description|desc|"
        "name|component|drawing|file"
    ),
}
_CATEGORY_ORDER = tuple(HEADER_ALIASES)  # first match wins: quantity before price, etc.
_SUMMARY_ROW_RE = re.compile(r"^\s*(?:sub\s*-?\s*total|total|vat|grand total)\b", re.I)
_THICKNESS_CELL_RE = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{1,3})?)\s*(?:mm)?\s*$", re.I)
_QUANTITY_CELL_RE = re.compile(r"^\s*[x×]?\s*(\d{1,6})\s*(?:pcs|off|x|units)?\.?\s*$", re.I)


@registry.register
class ExcelParser(Parser):
    """Reads .xlsx workbooks: sheets, header rows, bounded rows, line items of cutting lists."""

    name = "excel"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 10 if detected.kind == "excel" else 0

    @classmethod
    def load_libraries(cls) -> None:
        """openpyxl (imported when a workbook is read, not with the registry)."""
        import openpyxl  # noqa: F401

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        result = ParseResult(kind="excel", parser=self.name, parser_version=self.version)
        context.report(0.0, "checking workbook")
        check_container(path)
        with path.open("rb") as values_file, path.open("rb") as formulas_file:
            values_wb = _load(values_file, data_only=True)
            formulas_wb = _load(formulas_file, data_only=False)
            try:
                with zipfile.ZipFile(path) as archive:
                    self._read(values_wb, formulas_wb, archive, result, context)
            finally:
                values_wb.close()
                formulas_wb.close()
        context.report(1.0, "done")
        return result

    def _read(
        self,
        values_wb: Any,
        formulas_wb: Any,
        archive: zipfile.ZipFile,
        result: ParseResult,
        context: ParseContext,
    ) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        from ingest.content import textscan  # imported when a workbook is read, not a DXF

        raw = result.raw
        raw["sheet_names"] = list(values_wb.sheetnames)
        raw["date_system"] = 1904 if values_wb.epoch == CALENDAR_MAC_1904 else 1900
        worksheets = values_wb.worksheets
        worksheet_titles = {ws.title for ws in worksheets}
        raw["chartsheets"] = [n for n in values_wb.sheetnames if n not in worksheet_titles]
        if len(worksheets) > MAX_SHEETS:
            result.warn(
                "sheets_capped",
                f"Only the first {MAX_SHEETS} of {len(worksheets)} sheets were read.",
            )
        sheets: list[dict[str, Any]] = []
        line_items: list[dict[str, Any]] = []
        texts: list[str] = []
        uncached_total = 0
        for index, ws in enumerate(worksheets[:MAX_SHEETS]):
            context.report(0.05 + 0.85 * index / max(1, len(worksheets)), f"reading {ws.title}")
            formula_ws = formulas_wb[ws.title] if ws.title in formulas_wb.sheetnames else None
            sheet = _read_sheet(ws, formula_ws, archive, context, result)
            uncached_total += sheet["formulas"]["uncached"]
            texts.extend(sheet.pop("_texts"))
            line_items.extend(dict(item, sheet=ws.title) for item in sheet["line_items"])
            sheets.append(sheet)
        raw["sheets"] = sheets
        if uncached_total:
            result.warn(
                "formulas_not_cached",
                f"{uncached_total} formula cell(s) have no saved result, so they read as empty; "
                "open and save the workbook in Excel to fill them in.",
            )

        raw["line_items"] = line_items
        raw["aggregate"] = _aggregate(line_items, result)
        findings = textscan.scan_text("\n".join(texts), max_chars=MAX_SCAN_CHARS)
        raw["findings"] = findings.as_dict()
        raw["identifiers"] = findings.identifiers()
        for key, value in raw["aggregate"].items():
            if key in ("material", "thickness_mm", "quantity") and value is not None:
                result.metadata[key] = value
        if not line_items:  # no cutting list or quote: the cells' text may still name them
            for key, value in findings.metadata().items():
                result.metadata.setdefault(key, value)


def _load(handle: IO[bytes], *, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(handle, read_only=True, data_only=data_only, keep_links=False)
    except zipfile.BadZipFile as exc:
        raise ParseError(
            "The workbook is damaged: it is not a valid .xlsx (zip) file.", code="corrupt"
        ) from exc
    except KeyError as exc:
        raise ParseError(
            "The file is a zip but not an Excel workbook (a required part is missing).",
            code="corrupt",
        ) from exc
    except Exception as exc:  # openpyxl raises many types for bad XML; all mean the same here
        message = " ".join(str(exc).split())[:150] or type(exc).__name__
        raise ParseError(
            f"The workbook is damaged and cannot be read ({message}).", code="corrupt"
        ) from exc


@dataclass
class _SheetRows:
    """A sheet's rows as read: row number -> its values, trailing blanks cut."""

    rows: dict[int, list[Any]]
    formulas: dict[str, int]  # formula cells, and those without a saved result
    read: int
    truncated: bool  # the sheet has more rows than the limit


def _read_sheet(
    ws: Any,
    formula_ws: Any,
    archive: zipfile.ZipFile,
    context: ParseContext,
    result: ParseResult,
) -> dict[str, Any]:
    """One sheet: rows (bounded), header, kind, merged ranges, formulas, line items."""
    limit = max(1, context.excel_max_rows)
    try:
        dimension = ws.calculate_dimension()
    except (ValueError, TypeError):
        dimension = None
    read = _read_rows(ws, formula_ws, limit, result)
    if read.truncated:
        result.warn(
            "rows_truncated",
            f"Sheet {ws.title!r} has more than {limit} rows; only the first {limit} were read.",
        )
    merged = _merged_ranges(archive, getattr(ws, "_worksheet_path", None))
    _fill_merged(read.rows, merged)
    return _sheet_summary(ws, dimension, read, merged)


def _read_rows(ws: Any, formula_ws: Any, limit: int, result: ParseResult) -> _SheetRows:
    """The first `limit` rows, formula cells counted beside them (from the workbook read
    without cached values); a damaged sheet keeps what was read before the damage."""
    rows: dict[int, list[Any]] = {}
    formulas = {"count": 0, "uncached": 0}
    read = 0
    truncated = False
    value_rows = ws.iter_rows(max_col=MAX_COLUMNS)
    formula_rows = formula_ws.iter_rows(max_col=MAX_COLUMNS) if formula_ws is not None else None
    try:
        for cells in value_rows:
            formula_cells = next(formula_rows, None) if formula_rows is not None else None
            if read >= limit:
                truncated = True
                break
            read += 1
            values = [_cell_value(c.value) for c in cells]
            row_number = _row_number(cells, read)
            if formula_cells is not None:
                for value_cell, formula_cell in zip(cells, formula_cells, strict=False):
                    if getattr(formula_cell, "data_type", None) == "f":
                        formulas["count"] += 1
                        if value_cell.value is None:
                            formulas["uncached"] += 1
            while values and values[-1] is None:
                values.pop()
            if values:
                rows[row_number] = values
    except Exception as exc:  # a damaged sheet: keep what was read
        message = " ".join(str(exc).split())[:150] or type(exc).__name__
        result.warn(
            "sheet_damaged", f"Sheet {ws.title!r} is damaged; read up to the damage ({message})."
        )
    return _SheetRows(rows, formulas, read, truncated)


def _sheet_summary(
    ws: Any, dimension: str | None, read: _SheetRows, merged: list[str]
) -> dict[str, Any]:
    """The sheet as `raw` keeps it: its header and kind judged, its line items when it is a
    cutting list, quote or parts list, and its text for the scan (`_texts`)."""
    rows = read.rows
    header_row, header = _header(rows)
    columns = _columns(header)
    kind = classify_sheet(header)
    sheet: dict[str, Any] = {
        "name": ws.title,
        "state": getattr(ws, "sheet_state", "visible"),
        "dimension": dimension,
        "rows_read": read.read,
        "rows_truncated": read.truncated,
        "max_columns": max((len(v) for v in rows.values()), default=0),
        "header_row": header_row,
        "header": header,
        "columns": {cat: header[i] for cat, i in columns.items()},
        "kind": kind,
        "merged_ranges": merged,
        "formulas": read.formulas,
        "rows": [{"row": n, "cells": v} for n, v in sorted(rows.items())],
        "line_items": [],
    }
    if kind in ("cutting_list", "quote", "parts_list") and header_row is not None:
        sheet["line_items"] = _line_items(rows, header_row, columns)
    sheet["_texts"] = [
        str(v) for n in sorted(rows) for v in rows[n] if isinstance(v, str) and v.strip()
    ]
    return sheet


def _row_number(cells: tuple[Any, ...], fallback: int) -> int:
    for cell in cells:
        row = getattr(cell, "row", None)
        if isinstance(row, int):
            return row
    return fallback


def _cell_value(value: Any) -> Any:
    """A JSON-serialisable cell value: dates as ISO 8601, long text cut."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    text = str(value)
    return text[:MAX_CELL_CHARS] if text.strip() else None


_MERGE_RE = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]{0,200}?\bref=\"([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)\""
)


def _merged_ranges(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The sheet's merged ranges ("A1:C1"), read from its XML (read-only openpyxl skips them)."""
    if not part:
        return []
    found: list[str] = []
    overlap = 512
    buffer = b""
    try:
        with archive.open(part.lstrip("/")) as member:
            while len(found) < MAX_MERGED_RANGES:
                chunk = member.read(1024 * 1024)
                buffer += chunk
                safe_end = len(buffer) if not chunk else max(0, len(buffer) - overlap)
                for match in _MERGE_RE.finditer(buffer):
                    if match.start() >= safe_end:
                        break
                    found.append(match.group(1).decode("ascii"))
                buffer = buffer[safe_end:]
                if not chunk:
                    break
    except (KeyError, *ZIP_ERRORS):  # a damaged part: keep the ranges read so far
        pass
    return found[:MAX_MERGED_RANGES]


def _fill_merged(rows: dict[int, list[Any]], merged: list[str]) -> None:
    """Give every cell of a merged range the value of its top-left cell (as Excel shows it)."""
    from openpyxl.utils.cell import range_boundaries

    for ref in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if min_row not in rows or max_col > MAX_COLUMNS:
            continue
        top_left = rows[min_row][min_col - 1] if len(rows[min_row]) >= min_col else None
        if top_left is None:
            continue
        for row in range(min_row, max_row + 1):
            if row not in rows and row > max(rows):
                break
            values = rows.setdefault(row, [])
            if len(values) < max_col:
                values.extend([None] * (max_col - len(values)))
            for col in range(min_col, max_col + 1):
                if values[col - 1] is None:
                    values[col - 1] = top_left


def _header(rows: dict[int, list[Any]]) -> tuple[int | None, list[str]]:
    """The header row: the first non-empty row, unless that is a lone title and one of the next
    rows has at least two text cells."""
    numbers = sorted(rows)[:HEADER_SEARCH_ROWS]
    if not numbers:
        return None, []
    chosen = numbers[0]
    first = [v for v in rows[chosen] if v is not None]
    if len(first) < 2:
        for number in numbers[1:]:
            if sum(isinstance(v, str) for v in rows[number]) >= 2:
                chosen = number
                break
    return chosen, ["" if v is None else str(v).strip() for v in rows[chosen]]


def _normalise_header(text: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(text.split())


def header_category(text: str) -> str | None:
    """What a column holds, from its header: "quantity", "material", "part", ... or None."""
    key = _normalise_header(text)
    if not key:
        return None
    for category in _CATEGORY_ORDER:
        if key in HEADER_ALIASES[category]:
            return category
    first = key.split()[0]
    if len(first) >= 2:
        for category in _CATEGORY_ORDER:
            if first in HEADER_ALIASES[category]:
                return category
    return None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        category = header_category(text)
        if category and category not in columns:
            columns[category] = index
    return columns


def classify_sheet(header: list[str]) -> str:
    """The kind of sheet from its header row: one of SHEET_KINDS."""
    cols = set(_columns(header))
    describes_parts = bool(cols & {"part", "material", "thickness", "quantity"})
    if ({"client", "project"} & cols and describes_parts) or (
        "price" in cols and cols & {"part", "quantity"}
    ):
        return "quote"
    if "stock" in cols and "part" not in cols:
        return "stock"
    if "quantity" in cols and cols & {"material", "thickness"}:
        return "cutting_list"
    if "part" in cols and "quantity" in cols:
        return "parts_list"
    return "unknown"


def _line_items(
    rows: dict[int, list[Any]], header_row: int, columns: dict[str, int]
) -> list[dict[str, Any]]:
    from ingest.content import textscan

    def cell(values: list[Any], category: str) -> Any:
        index = columns.get(category)
        return values[index] if index is not None and index < len(values) else None

    items = []
    for number in sorted(n for n in rows if n > header_row):
        values = rows[number]
        first_text = next((v for v in values if isinstance(v, str)), "")
        if _SUMMARY_ROW_RE.match(first_text or ""):
            continue
        part = cell(values, "part")
        material_text = cell(values, "material")
        thickness_value = cell(values, "thickness")
        quantity_value = cell(values, "quantity")
        item: dict[str, Any] = {
            "row": number,
            "part": None if part is None else str(part).strip(),
            "material": parse_material_cell(material_text),
            "material_text": None if material_text is None else str(material_text),
            "thickness_mm": parse_thickness_cell(thickness_value),
            "quantity": parse_quantity_cell(quantity_value),
        }
        if "client" in columns:
            item["client_code"] = textscan.normalise_client_code(str(cell(values, "client") or ""))
        if "project" in columns:
            item["job_code"] = textscan.normalise_job_code(str(cell(values, "project") or ""))
        if all(item[k] is None for k in ("part", "material", "thickness_mm", "quantity")):
            continue
        items.append(item)
    return items


def parse_material_cell(value: Any) -> str | None:
    """A material code from a cell ("Galv", "Mild Steel", "MS 3mm"), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = material_code(value)
    if code:
        return code
    from ingest.content import textscan

    found = textscan.find_materials(value)
    return found[0].value if found and found[0].confidence >= 0.75 else None


def parse_thickness_cell(value: Any) -> float | None:
    """A thickness in mm from a thickness cell (3, 1.5, "3mm", "1,2 mm"), or None.

    Only the whole cell is read: "JB-2025-10-CL0001-001" is not a thickness.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _THICKNESS_CELL_RE.match(value)):
        number = float(match.group(1).replace(",", "."))
    else:
        return None
    return round(number, 3) if 0 < number <= MAX_THICKNESS_MM else None


def parse_quantity_cell(value: Any) -> int | None:
    """A whole quantity from a quantity cell (10, 20.0, "12 pcs", "x4"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and (match := _QUANTITY_CELL_RE.match(value)):
        number = int(match.group(1))
        return number if number > 0 else None
    return None


def _aggregate(items: list[dict[str, Any]], result: ParseResult) -> dict[str, Any]:
    """Material and thickness when all lines agree; the total quantity."""
    materials = sorted({i["material"] for i in items if i["material"]})
    thicknesses = sorted({i["thickness_mm"] for i in items if i["thickness_mm"] is not None})
    quantities = [i["quantity"] for i in items if i["quantity"] is not None]
    if len(materials) > 1:
        result.warn(
            "mixed_material",
            f"The lines use several materials ({', '.join(materials)}); none was recorded.",
        )
    if len(thicknesses) > 1:
        listed = ", ".join(f"{t:g} mm" for t in thicknesses)
        result.warn(
            "mixed_thickness", f"The lines use several thicknesses ({listed}); none was recorded."
        )
    return {
        "line_count": len(items),
        "materials": materials,
        "thicknesses_mm": thicknesses,
        "material": materials[0] if len(materials) == 1 else None,
        "thickness_mm": thicknesses[0] if len(thicknesses) == 1 else None,
        "quantity": sum(quantities) if quantities else None,
    }
