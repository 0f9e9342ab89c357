"""Exports (the admin's CSV and Excel actions on every changelist): what a user typed comes out
as text, never as a formula a spreadsheet runs, and otherwise exactly as typed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from clients.models import Client
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# Text a spreadsheet would run as a formula (or, for tab and CR, may read as one once trimmed).
FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
# Text that only looks like markup: exported as typed, not stripped to "x".
MARKUP = "<script>x</script>"


@pytest.fixture
def manager(client, make_user):
    client.force_login(make_user("mona", role="Manager"))
    return client


def _export(client, changelist, action, objects):
    response = client.post(
        changelist, {"action": action, "_selected_action": [o.pk for o in objects]}
    )
    assert response.status_code == 200, response.content[:500]
    return response


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def _hostile_clients() -> dict[str, Client]:
    """One client per hostile name. The service trims names, so a leading tab or CR can only
    come from older rows or a bulk update; they are written straight to the table here."""
    clients = {}
    for name in [*FORMULAS, MARKUP]:
        made = ClientFactory(name="placeholder")
        Client.objects.filter(pk=made.pk).update(name=name)
        clients[name] = made
    return clients


def _column(rows, title):
    index = rows[0].index(title)
    return [row[index] for row in rows[1:]]


def test_csv_export_neutralises_formulas_and_keeps_text(manager):
    clients = _hostile_clients()
    rows = _csv(_export(manager, "/admin/clients/client/", "export_csv", clients.values()))
    codes, names = _column(rows, "code"), _column(rows, "name")
    exported = dict(zip(codes, names, strict=True))
    for name, made in clients.items():
        if name == MARKUP:
            assert exported[made.code] == MARKUP  # not "x"
        else:
            # A leading apostrophe: the spreadsheet shows text, the rest is exactly as typed.
            assert exported[made.code] == "'" + name
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )


def test_xlsx_export_writes_text_cells_never_formulas(manager):
    clients = _hostile_clients()
    sheet = _sheet(_export(manager, "/admin/clients/client/", "export_xlsx", clients.values()))
    header = [c.value for c in sheet[1]]
    code_col, name_col = header.index("code"), header.index("name")
    cells = {row[code_col].value: row[name_col] for row in sheet.iter_rows(min_row=2)}
    assert len(cells) == len(clients)
    for name, made in clients.items():
        cell = cells[made.code]
        assert cell.data_type == "s", (name, cell.data_type)
        # XML turns a bare CR into a line feed when the file is read; everything else is as typed.
        assert cell.value == (name if name != "\rx" else "\nx")
        # Excel's own "typed with an apostrophe" flag: the cell stays text when edited.
        assert cell.quotePrefix is (name != MARKUP)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_numbers_stay_numbers_and_strings_are_neutralised(manager):
    from inventory.services import stock_use
    from inventory.tests.factories import SheetStockFactory

    movement = stock_use(
        stock=SheetStockFactory(quantity_on_hand=10),
        quantity=3,
        reason="-1 sheet, edge burnt",
        reference='=HYPERLINK("http://evil.example","job")',
    )
    changelist = "/admin/inventory/stockmovement/"
    rows = _csv(_export(manager, changelist, "export_csv", [movement]))
    assert _column(rows, "quantity") == ["-3"]  # a negative number, not "'-3"
    assert _column(rows, "reason") == ["'-1 sheet, edge burnt"]
    assert _column(rows, "reference") == ["'" + movement.reference]

    sheet = _sheet(_export(manager, changelist, "export_xlsx", [movement]))
    header = [c.value for c in sheet[1]]
    row = {title: sheet.cell(row=2, column=i + 1) for i, title in enumerate(header)}
    assert row["quantity"].value == -3 and row["quantity"].data_type == "n"
    assert row["balance after"].value == 7 and row["balance after"].data_type == "n"
    assert row["reference"].data_type == "s" and row["reference"].value == movement.reference


def test_html_columns_export_their_text_and_user_text_survives(manager):
    """The files list shows the stored name and, under it, the name it was uploaded as; both come
    out as text, the uploaded name exactly as the user gave it (markup, ampersands, formulas)."""
    from ingest.tests.factories import file_row

    typed = "=1+1 <b>bold</b> & co.dxf"
    file = file_row(original_name=typed)
    rows = _csv(_export(manager, "/admin/ingest/fileingest/", "export_csv", [file]))
    assert _column(rows, "file") == [f"{file.stored_name}\nfrom {typed}"]
    assert _column(rows, "warnings") == ["—"]

    sheet = _sheet(_export(manager, "/admin/ingest/fileingest/", "export_xlsx", [file]))
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("file") + 1).value == (
        f"{file.stored_name}\nfrom {typed}"
    )


def test_a_starting_formula_in_an_html_column_is_neutralised(manager):
    from ingest.tests.factories import file_row

    file = file_row(original_name="x.dxf")
    type(file).objects.filter(pk=file.pk).update(stored_name="=2+2.dxf")
    rows = _csv(_export(manager, "/admin/ingest/fileingest/", "export_csv", [file]))
    assert _column(rows, "file") == ["'=2+2.dxf\nfrom x.dxf"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+27 82 555 0101", "'+27 82 555 0101"),  # a phone number is text, kept whole
        ("-", "'-"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (-3, -3),
        (Decimal("-2.50"), Decimal("-2.50")),
        (-1.5, -1.5),
        (None, None),
        (True, True),
    ],
)
def test_safe_cell(value, expected):
    from laseros.export import safe_cell

    result = safe_cell(value)
    assert result == expected and type(result) is type(expected)


def test_control_characters_do_not_break_the_excel_export(manager):
    """XML cannot hold most control characters; the export still answers, with a visible mark
    in their place, instead of failing for every selected row."""
    made = ClientFactory(name="placeholder")
    Client.objects.filter(pk=made.pk).update(name="Bell\x07 Ltd")
    sheet = _sheet(_export(manager, "/admin/clients/client/", "export_xlsx", [made]))
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("name") + 1).value == "Bell\ufffd Ltd"
    rows = _csv(_export(manager, "/admin/clients/client/", "export_csv", [made]))
    assert _column(rows, "name") == ["Bell\x07 Ltd"]  # CSV can hold it: kept as typed


def test_html_text_keeps_what_the_user_typed():
    from django.utils.html import format_html, format_html_join

    from laseros.export import html_text

    typed = "line 1\n\n  <b>&amp;</b> =x "
    assert html_text(format_html("{}<div>from {}</div>", "A.dxf", typed)) == f"A.dxf\nfrom {typed}"
    table = format_html(
        "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", [("k", "v")])
    )
    assert html_text(table) == "k v"
    listed = format_html_join("\n", "<div>{} · {}</div>", [("a", "<b>"), ("c", "d")])
    assert html_text(listed) == "a · <b>\nc · d"
