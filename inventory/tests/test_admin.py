"""Inventory admin: changelists at constant query counts, moves only through the service."""

from decimal import Decimal

import pytest

from inventory.models import Material, MovementKind, Offcut, SheetStock, StockMovement
from inventory.services import offcut_create, stock_move
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.testing import assert_constant_queries, grow_to, unchanged

pytestmark = pytest.mark.django_db


def _stock(i):
    return SheetStockFactory(
        material=MaterialFactory(code=["MS", "SS", "AL"][i % 3]),
        thickness_mm=Decimal(1 + i % 7),
        quantity_on_hand=i % 4,
        reorder_level=2,
    )


@pytest.mark.parametrize(
    ("url", "model", "make"),
    [
        ("/admin/inventory/material/", Material, lambda i: MaterialFactory(code=f"M{i}")),
        ("/admin/inventory/sheetstock/", SheetStock, _stock),
        ("/admin/inventory/sheetstock/?stock_level=low", SheetStock, _stock),
        (
            "/admin/inventory/stockmovement/",
            StockMovement,
            lambda i: stock_move(stock=_stock(i), kind=MovementKind.PURCHASE, quantity=i + 1),
        ),
        (
            "/admin/inventory/offcut/",
            Offcut,
            lambda i: offcut_create(
                material=MaterialFactory(code="MS"), thickness_mm=3, width_mm=200, length_mm=400 + i
            ),
        ),
    ],
)
def test_changelists_run_constant_queries(admin_user_client, url, model, make):
    assert_constant_queries(lambda: admin_user_client.get(url), grow_to(model, make))


def test_change_and_add_pages_render(admin_user_client):
    stock = SheetStockFactory()
    for url in [
        f"/admin/inventory/sheetstock/{stock.pk}/change/",
        f"/admin/inventory/sheetstock/{stock.pk}/move/",
        "/admin/inventory/sheetstock/add/",
        "/admin/inventory/offcut/add/",
        "/admin/inventory/material/add/",
    ]:
        assert admin_user_client.get(url).status_code == 200, url


def test_low_stock_filter_and_total_value(admin_user_client):
    SheetStockFactory(quantity_on_hand=1, reorder_level=3, reorder_quantity=5)
    SheetStockFactory(quantity_on_hand=9, reorder_level=3, unit_cost=Decimal("100"))
    page = admin_user_client.get("/admin/inventory/sheetstock/?stock_level=low")
    assert page.context["cl"].result_count == 1
    assert "R 1 800.00" in page.content.decode()  # 1 sheet × R1 800
    everything = admin_user_client.get("/admin/inventory/sheetstock/").content.decode()
    assert "R 2 700.00" in everything


def test_add_stock_books_opening_balance(admin_user_client):
    material = MaterialFactory(code="GALV")
    response = admin_user_client.post(
        "/admin/inventory/sheetstock/add/",
        {
            "material": material.pk,
            "thickness_mm": "1",
            "width_mm": "1225",
            "length_mm": "2450",
            "location": "Rack B",
            "reorder_level": "2",
            "reorder_quantity": "10",
            "unit_cost": "1000",
            "supplier": "",
            "notes": "",
            "is_active": "on",
            "opening_quantity": "6",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stock = SheetStock.objects.get()
    assert stock.quantity_on_hand == 6
    assert stock.movements.get().quantity == 6


def test_edit_stock_does_not_touch_the_count(admin_user_client):
    stock = SheetStockFactory(quantity_on_hand=4)
    data = {
        "material": stock.material_id,
        "thickness_mm": "3",
        "width_mm": "1225",
        "length_mm": "2450",
        "location": "Bay 9",
        "reorder_level": "1",
        "reorder_quantity": "5",
        "unit_cost": "1900",
        "supplier": "Macsteel",
        "notes": "",
        "is_active": "on",
        "quantity_on_hand": "999",  # not a form field: ignored
    }
    assert (
        admin_user_client.post(f"/admin/inventory/sheetstock/{stock.pk}/change/", data).status_code
        == 302
    )
    stock.refresh_from_db()
    assert (stock.location, stock.quantity_on_hand, stock.unit_cost) == (
        "Bay 9",
        4,
        Decimal("1900"),
    )


@pytest.mark.parametrize(
    ("kind", "quantity", "on_hand"),
    [("purchase", 5, 7), ("usage", 2, 0), ("waste", 1, 1), ("adjustment", -1, 1), ("count", 9, 9)],
)
def test_move_form_calls_the_service(admin_user_client, kind, quantity, on_hand):
    stock = SheetStockFactory(quantity_on_hand=2)
    response = admin_user_client.post(
        f"/admin/inventory/sheetstock/{stock.pk}/move/",
        {"kind": kind, "quantity": quantity, "reason": "test"},
    )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert stock.quantity_on_hand == on_hand
    assert stock.movements.get().balance_after == on_hand


def test_move_form_refuses_below_zero(admin_user_client):
    stock = SheetStockFactory(quantity_on_hand=2)
    response = admin_user_client.post(
        f"/admin/inventory/sheetstock/{stock.pk}/move/", {"kind": "usage", "quantity": 3}
    )
    assert response.status_code == 200
    assert "Stock cannot go below zero" in response.content.decode()
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 2 and not stock.movements.exists()


def test_viewer_cannot_move_stock(client, make_user):
    client.force_login(make_user("v", role="Viewer"))
    stock = SheetStockFactory(quantity_on_hand=2)
    with unchanged(SheetStock, StockMovement):
        response = client.post(
            f"/admin/inventory/sheetstock/{stock.pk}/move/", {"kind": "usage", "quantity": 1}
        )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 2


def test_movements_are_read_only(admin_user_client):
    movement = stock_move(stock=SheetStockFactory(), kind="purchase", quantity=1)
    assert admin_user_client.get("/admin/inventory/stockmovement/add/").status_code == 403
    page = admin_user_client.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_receive_suggested_action(admin_user_client):
    low = SheetStockFactory(quantity_on_hand=1, reorder_level=3, reorder_quantity=5)
    fine = SheetStockFactory(quantity_on_hand=9, reorder_level=3)
    admin_user_client.post(
        "/admin/inventory/sheetstock/",
        {"action": "receive_suggested", "_selected_action": [low.pk, fine.pk]},
    )
    low.refresh_from_db()
    fine.refresh_from_db()
    assert (low.quantity_on_hand, fine.quantity_on_hand) == (6, 9)


def test_export_includes_reorder_suggestion(admin_user_client):
    low = SheetStockFactory(quantity_on_hand=1, reorder_level=3, reorder_quantity=5)
    response = admin_user_client.post(
        "/admin/inventory/sheetstock/?stock_level=low",
        {"action": "export_csv", "_selected_action": [low.pk]},
    )
    text = response.content.decode()
    assert "to order" in text and ",5," in text


def test_offcut_admin_add_and_actions(admin_user_client):
    material = MaterialFactory(code="SS")
    data = {
        "material": material.pk,
        "thickness_mm": "2",
        "width_mm": "500",
        "length_mm": "200",
        "location": "Offcut rack",
        "source_reference": "",
        "notes": "",
    }
    assert admin_user_client.post("/admin/inventory/offcut/add/", data).status_code == 302
    offcut = Offcut.objects.get()
    assert offcut.tag == "OC-0001" and (offcut.width_mm, offcut.length_mm) == (200, 500)
    small = admin_user_client.post("/admin/inventory/offcut/add/", {**data, "width_mm": "100"})
    assert small.status_code == 200 and "too small to keep" in small.content.decode()
    admin_user_client.post(
        "/admin/inventory/offcut/", {"action": "mark_scrapped", "_selected_action": [offcut.pk]}
    )
    offcut.refresh_from_db()
    assert offcut.status == "scrapped"
