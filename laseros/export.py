"""CSV and Excel exports: the admin's export actions on every changelist, and the one rule every
file a user downloads as CSV or XLSX goes through.

The columns are the changelist's own (`list_display`), so what a manager sees is what they get.

Formula injection. A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula
(`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`), and some trim a leading tab or carriage return first.
Client names, references, notes and uploaded file names are typed by people outside the shop, so
every exported value goes through this module:

- `safe_cell(value)` is the rule for text formats (CSV, and anything else written as text): a
  string that starts with one of those characters gets a leading apostrophe (`'=1+2`, and a phone
  number `'+27 82 555 0101`), the convention spreadsheets read as "this is text". The rest of the
  string is unchanged. Numbers, dates, booleans and None pass through untouched: a negative number
  stays a number. The apostrophe is visible when the CSV is opened; that is the price of CSV.
- `xlsx_cell(sheet, value)` is the rule for Excel: a string is always a text cell (never a
  formula, whatever it starts with) and keeps the user's exact text; one that starts with a
  formula character also carries Excel's "quote prefix" flag (what typing a leading apostrophe
  sets), so the cell stays text when someone edits it. Characters XML cannot hold (control
  characters other than tab, line feed and carriage return) become U+FFFD instead of failing the
  whole export; a carriage return comes back as a line feed (XML line-end rules).
- `csv_content(header, rows)` and `xlsx_content(title, header, rows)` write a whole file through
  those two; reports and accounting exports call them (or, if they must write their own file,
  call `safe_cell` / `xlsx_cell` on every value).

Text, not HTML. A column whose callable returns HTML made by the admin (`format_html`, a
SafeString) is exported as the text the page shows: tags dropped, block elements (`<div>`,
`<br>`, ...) as line breaks, entities decoded, so the user's own text inside it (escaped by
`format_html`) comes back exactly as typed. A plain string is user data and is never touched:
`<script>x</script>` typed as a name is exported as `<script>x</script>`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.http import HttpResponse
from django.utils import timezone
from django.utils.safestring import SafeData
from django.utils.text import slugify

# What a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl refuses them); tab, LF and CR are allowed.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """`value` as it may go into a CSV cell: a string a spreadsheet would run as a formula gets a
    leading apostrophe; everything else (other strings, numbers, dates, None) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet, value: Any):
    """An openpyxl cell for `value` on a write-only `sheet`: strings are text cells with the
    user's exact text, never formulas (see the module docstring); other values as openpyxl
    types them (numbers stay numbers)."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    return as_text(WriteOnlyCell(sheet), value)


def as_text(cell, value: str):
    """Put the string `value` in the openpyxl `cell` as text: the user's exact text (characters
    XML cannot hold replaced), never a formula, with the quote prefix when it starts like one."""
    cell.value = _NOT_IN_XML.sub("\ufffd", value)
    cell.data_type = "s"  # openpyxl would make a string starting with "=" a formula
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def csv_content(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file (with the BOM Excel needs to read UTF-8), every cell through safe_cell()."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def xlsx_content(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """An .xlsx file with one sheet named `title`, every cell through xlsx_cell()."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.append([xlsx_cell(sheet, v) for v in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet"


class _TextOfHTML(HTMLParser):
    """The text a browser shows for admin-made HTML: tags dropped, entities decoded; between two
    pieces of text, a block element (`<div>`, `<br>`, ...) or a line break between tags is one
    line break, and a table cell boundary one space. The text itself (where the user's words
    are) is kept as it is, its own line breaks included."""

    BREAKS = {"br", "div", "p", "li", "tr", "table", "ul", "ol", "pre", "h1", "h2", "h3", "h4"}
    CELLS = {"td", "th"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.gap = ""  # what goes before the next piece of text: "", " " or "\n"

    def _widen(self, gap: str) -> None:
        if gap == "\n" or (gap == " " and not self.gap):
            self.gap = gap

    def handle_starttag(self, tag, attrs):
        self._widen("\n" if tag in self.BREAKS else " " if tag in self.CELLS else "")

    def handle_endtag(self, tag):
        self.handle_starttag(tag, [])

    def handle_data(self, data):
        if not data.strip() and ("\n" in data or not self.parts):
            self._widen("\n" if "\n" in data else "")  # whitespace between tags is layout
            return
        if self.parts:
            self.parts.append(self.gap)
        self.gap = ""
        self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)


def html_text(markup: str) -> str:
    """The text content of admin-made HTML (a SafeString from format_html)."""
    parser = _TextOfHTML()
    parser.feed(str(markup))
    parser.close()
    return parser.text()


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    if isinstance(value, SafeData):  # HTML the admin made: its text, user text unescaped
        return html_text(value)
    return str(value)  # user data: exactly as typed


def export_rows(modeladmin, request, queryset):
    """Header and rows of the changelist columns for the selected records."""
    fields = [f for f in modeladmin.get_list_display(request) if f != "action_checkbox"]
    header = [str(label_for_field(f, modeladmin.model, modeladmin)) for f in fields]
    select_related = modeladmin.get_list_select_related(request)
    if select_related is True:
        queryset = queryset.select_related()
    elif select_related:
        queryset = queryset.select_related(*select_related)
    rows = []
    for obj in (
        queryset.iterator(chunk_size=2000) if not queryset._prefetch_related_lookups else queryset
    ):
        row = []
        for name in fields:
            try:
                _, _, value = lookup_field(name, obj, modeladmin)
            except Exception:  # an unexportable column exports empty, not a crash
                value = ""
            row.append(_plain(value))
        rows.append(row)
    return header, rows


def _filename(modeladmin, ext):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(modeladmin.model._meta.verbose_name_plural)}-{stamp}.{ext}"


@admin.action(description="Export selected to CSV")
def export_csv(modeladmin, request, queryset):
    header, rows = export_rows(modeladmin, request, queryset)
    response = HttpResponse(csv_content(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "csv")}"'
    return response


@admin.action(description="Export selected to Excel")
def export_xlsx(modeladmin, request, queryset):
    header, rows = export_rows(modeladmin, request, queryset)
    title = str(modeladmin.model._meta.verbose_name_plural)
    response = HttpResponse(xlsx_content(title, header, rows), content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{_filename(modeladmin, "xlsx")}"'
    return response
