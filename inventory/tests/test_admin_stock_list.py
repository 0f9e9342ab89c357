"""The stock list's columns: what a manager runs the rack by, one line per kind of sheet (its fit
on the screen is checked in a browser: laseros/site/tests/test_admin_browser.py)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from inventory.models import SheetStock
from inventory.tests.factories import MaterialFactory, SheetStockFactory

pytestmark = pytest.mark.django_db
STOCK = "/admin/inventory/sheetstock/"


def _headers(page) -> list[str]:
    return [
        str(h["text"]).lower()
        for h in page.context["result_headers"]
        if h["text"] and "checkbox" not in str(h["text"])
    ]


def test_the_list_has_the_columns_a_manager_needs_and_not_the_rest(admin_user_client):
    SheetStockFactory(
        material=MaterialFactory(code="VAST", name="Vastrap checker plate"),
        thickness_mm=Decimal("10.00"),
        quantity_on_hand=1,
        reorder_level=4,
        reorder_quantity=6,
        location="Rack B",
        supplier="Macsteel",
    )
    page = admin_user_client.get(STOCK)
    assert _headers(page) == [
        "material",
        "thickness (mm)",
        "size (mm)",
        "on hand",
        "reorder level",
        "to order",
        "location",
        "unit cost (zar)",
        "value (zar)",
    ]
    html = page.content.decode()
    assert 'title="Vastrap checker plate"' in html and ">VAST<" in html
    [thickness] = re.findall(r'<td class="field-thickness"><a [^>]*>([^<]*)</a>', html)
    assert thickness == "10"  # not 10.00, nor 1E+1
    assert "Macsteel" not in html  # the supplier is on the sheet's page
    assert "(inactive)" not in html


def test_an_inactive_kind_of_sheet_says_so(admin_user_client):
    SheetStockFactory(material=MaterialFactory(code="CU", name="Copper"), is_active=False)
    html = admin_user_client.get(STOCK).content.decode()
    assert "(inactive)" in html


def test_the_export_keeps_the_thickness_a_number(admin_user_client):
    stock = SheetStockFactory(thickness_mm=Decimal("10.00"))
    SheetStockFactory(thickness_mm=Decimal("1.20"))
    response = admin_user_client.post(
        STOCK,
        {
            "action": "export_csv",
            "_selected_action": list(SheetStock.objects.values_list("pk", flat=True)),
        },
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    column = [name.lower() for name in rows[0]].index("thickness (mm)")
    assert sorted(row[column] for row in rows[1:]) == ["1.2", "10"]
    assert str(stock.material) in {row[0] for row in rows[1:]}
