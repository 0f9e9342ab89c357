"""A report drawn three ways: a page that stands alone (its style inside, no address to load),
a PDF of that page drawn by WeasyPrint as finance draws its documents, and an Excel workbook
whose numbers are numbers with a number format."""

from __future__ import annotations

import io

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from laseros.export import as_text

from .base import NUMBER_FORMATS, Report

HEADER_FILL = PatternFill("solid", fgColor="E5EEF3")


def to_html(report: Report) -> str:
    return render_to_string(
        "site/reports/report.html", {"report": report, "shop_name": settings.SHOP_NAME}
    )


def to_pdf(report: Report, html: str | None = None) -> bytes:
    """The page as a PDF (A4 landscape, set in the page's print style); nothing is fetched."""
    from finance.pdf import _weasyprint_html, embedded_only

    html = html if html is not None else to_html(report)
    weasy_html = _weasyprint_html()
    return weasy_html(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=embedded_only()
    ).write_pdf()


def _sheet_title(title: str, used: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def to_xlsx(report: Report) -> bytes:
    """A 'Summary' sheet (the headline figures), then a sheet per table, numbers as numbers."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([f"{settings.SHOP_NAME} — {report.title}"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["Period", report.period_start, report.period_end])
    summary["B2"].number_format = summary["C2"].number_format = NUMBER_FORMATS["date"]
    summary.append([])
    for figure in report.figures:
        summary.append([figure.label, figure.value])
        summary.cell(summary.max_row, 2).number_format = NUMBER_FORMATS[figure.kind]
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 14
    summary.column_dimensions["C"].width = 14
    used = {"Summary"}
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([c.header for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            cell = sheet.cell(1, index)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="right" if column.numeric else "left")
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        rows = list(table.rows) + ([table.totals] if table.totals else [])
        for row in rows:
            values = []
            for value, column in zip(row, table.columns, strict=True):
                if column.kind == "datetime" and value is not None:
                    value = value.astimezone(_tz()).replace(tzinfo=None)  # Excel has no zones
                values.append(value)
            sheet.append([None if isinstance(v, str) else v for v in values])
            for index, column in enumerate(table.columns, start=1):
                cell = sheet.cell(sheet.max_row, index)
                if isinstance(values[index - 1], str):
                    as_text(cell, values[index - 1])  # a client's words: text, never a formula
                cell.number_format = column.number_format
        if table.totals:
            for index in range(1, len(table.columns) + 1):
                sheet.cell(sheet.max_row, index).font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tz():
    from django.utils import timezone

    return timezone.get_current_timezone()
