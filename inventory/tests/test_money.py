"""Operators count and move sheets; they do not see or set what a sheet costs (unit cost, stock
value, the cost of a reorder), in the admin or the API. A manager still sees all of it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from inventory.models import SheetStock, StockMovement
from inventory.tests.factories import MaterialFactory, SheetStockFactory

pytestmark = pytest.mark.django_db

COST = Decimal("1234.56")  # × 10 on hand = 12 345.60
AMOUNTS = re.compile(r"1[ ,.\xa0\u202f]?234[.,]56|12[ ,.\xa0\u202f]?345[.,]60")
MONEY_LABELS = ("unit cost", "value (zar)", "stock value", "price per sheet")
STOCK = "/admin/inventory/sheetstock/"


@pytest.fixture
def stock():
    return SheetStockFactory(unit_cost=COST, quantity_on_hand=10, location="Rack A")


@pytest.fixture
def operator(make_user):
    return make_user("operator", role="Operator")


@pytest.fixture
def manager(make_user):
    return make_user("manager", role="Manager")


def _money_in(text: str) -> list[str]:
    lowered = text.lower()
    return AMOUNTS.findall(text) + [label for label in MONEY_LABELS if label in lowered]


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# --- the admin --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["", "{pk}/change/", "{pk}/move/"])
def test_the_stock_pages_show_no_cost_or_value_to_operators(client, operator, manager, stock, page):
    url = STOCK + page.format(pk=stock.pk)
    html = _page(client, operator, url)
    assert _money_in(html) == []
    assert "Rack A" in html or "on hand" in html  # the count and the place are still there
    assert _money_in(_page(client, manager, url))


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx"])
def test_the_stock_export_has_no_money_column_for_operators(
    client, operator, manager, stock, action
):
    def export(user):
        client.force_login(user)
        response = client.post(STOCK, {"action": action, "_selected_action": [stock.pk]})
        assert response.status_code == 200
        if action == "export_csv":
            return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        return [
            [str(c) if c is not None else "" for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]

    rows = export(operator)
    assert len(rows) == 2 and "Rack A" in rows[1]
    assert _money_in("\n".join(",".join(r) for r in rows)) == []
    header = [h.lower() for h in export(manager)[0]]
    assert "unit cost (zar)" in header and "value (zar)" in header


@pytest.mark.parametrize("lookup", ["unit_cost__gte=1000", "value__gt=12000", "unit_cost=1234.56"])
def test_a_changelist_lookup_on_cost_is_refused_for_operators(
    client, operator, manager, stock, lookup
):
    client.force_login(operator)
    assert client.get(f"{STOCK}?{lookup}").status_code == 400
    client.force_login(manager)
    assert client.get(f"{STOCK}?{lookup}").status_code == 200


def test_an_operator_cannot_set_the_cost_through_the_admin(client, operator, stock):
    client.force_login(operator)
    data = {
        "material": stock.material_id,
        "thickness_mm": "3",
        "width_mm": "1225",
        "length_mm": "2450",
        "location": "Bay 9",
        "reorder_level": "1",
        "reorder_quantity": "5",
        "unit_cost": "1",
        "supplier": "Macsteel",
        "notes": "",
        "is_active": "on",
    }
    assert client.post(f"{STOCK}{stock.pk}/change/", data).status_code == 302
    moved = client.post(
        f"{STOCK}{stock.pk}/move/", {"kind": "purchase", "quantity": "2", "unit_cost": "1"}
    )
    assert moved.status_code == 302
    stock.refresh_from_db()
    assert (stock.location, stock.quantity_on_hand, stock.unit_cost) == ("Bay 9", 12, COST)


# --- the API --------------------------------------------------------------------------------------


def test_api_stock_has_no_cost_or_value_for_operators(api, stock):
    operator = api("Operator")
    row = operator.get("/api/v1/stock/").json()["results"][0]
    assert not {"unit_cost", "value"} & set(row) and row["quantity_on_hand"] == 10
    detail = operator.get(f"/api/v1/stock/{stock.pk}/").json()
    assert not {"unit_cost", "value"} & set(detail) and not _money_in(str(detail))
    manager = api("Manager").get(f"/api/v1/stock/{stock.pk}/").json()
    assert (manager["unit_cost"], manager["value"]) == ("1234.56", "12345.60")


def test_api_reorder_suggestions_have_no_cost_for_operators(api):
    SheetStockFactory(unit_cost=COST, quantity_on_hand=1, reorder_level=3, reorder_quantity=10)
    (row,) = api("Operator").get("/api/v1/stock/reorder-suggestions/").json()
    assert "cost" not in row and row["quantity"] == 10
    (row,) = api("Manager").get("/api/v1/stock/reorder-suggestions/").json()
    assert row["cost"] == "12345.60"


def test_api_ordering_by_value_is_refused_for_operators(api, stock):
    operator = api("Operator")
    refused = operator.get("/api/v1/stock/", {"ordering": "-value"})
    assert refused.status_code == 400 and "money" in str(refused.json())
    assert operator.get("/api/v1/stock/", {"ordering": "quantity_on_hand"}).status_code == 200
    assert api("Manager").get("/api/v1/stock/", {"ordering": "-value"}).status_code == 200


def test_an_operator_setting_a_cost_through_the_api_is_refused_and_nothing_changes(api, stock):
    operator = api("Operator")
    response = operator.patch(
        f"/api/v1/stock/{stock.pk}/", {"unit_cost": "1.00", "location": "B"}, format="json"
    )
    assert response.status_code == 400
    assert "does not see money" in str(response.json()["unit_cost"])
    stock.refresh_from_db()
    assert (stock.unit_cost, stock.location) == (COST, "Rack A")
    created = operator.post(
        "/api/v1/stock/",
        {
            "material": MaterialFactory(code="SS").pk,
            "thickness_mm": "2",
            "width_mm": 1250,
            "length_mm": 2500,
            "unit_cost": "99.00",
        },
        format="json",
    )
    assert created.status_code == 400 and "unit_cost" in created.json()
    assert SheetStock.objects.count() == 1 and not StockMovement.objects.exists()
    # a form's empty price box is no price (the browsable API's form has one)
    blank = operator.patch(
        f"/api/v1/stock/{stock.pk}/", {"unit_cost": "", "location": "C"}, format="multipart"
    )
    assert blank.status_code == 200, blank.json()
    stock.refresh_from_db()
    assert (stock.unit_cost, stock.location) == (COST, "C")
    # without the price the same change goes through
    fine = operator.patch(f"/api/v1/stock/{stock.pk}/", {"location": "B"}, format="json")
    assert fine.status_code == 200 and "unit_cost" not in fine.json()
    stock.refresh_from_db()
    assert (stock.unit_cost, stock.location) == (COST, "B")
