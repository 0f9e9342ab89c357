"""Inventory API: lists at constant query counts, stock moved only through the action, roles."""

from decimal import Decimal

import pytest

from inventory.models import Material, Offcut, SheetStock, StockMovement
from inventory.services import offcut_create, stock_move
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.testing import assert_constant_queries, grow_to, unchanged

pytestmark = pytest.mark.django_db


def _stock(i):
    return SheetStockFactory(
        material=MaterialFactory(code=["MS", "SS"][i % 2]),
        thickness_mm=Decimal(1 + i % 9),
        quantity_on_hand=i % 4,  # some at or below the reorder level (2): ?low=true lists them
    )


@pytest.mark.parametrize(
    ("url", "model", "make"),
    [
        ("/api/v1/materials/", Material, lambda i: MaterialFactory(code=f"M{i}")),
        ("/api/v1/stock/", SheetStock, _stock),
        ("/api/v1/stock/?low=true&material=ms", SheetStock, _stock),
        (
            "/api/v1/stock-movements/",
            StockMovement,
            lambda i: stock_move(stock=_stock(i), kind="purchase", quantity=1),
        ),
        (
            "/api/v1/offcuts/",
            Offcut,
            lambda i: offcut_create(
                material=MaterialFactory(code="MS"), thickness_mm=3, width_mm=200, length_mm=300 + i
            ),
        ),
    ],
)
def test_lists_run_constant_queries(api, url, model, make):
    client = api()
    assert_constant_queries(lambda: client.get(url), grow_to(model, make))


def test_operator_moves_stock_viewer_cannot(api):
    stock = SheetStockFactory(quantity_on_hand=3)
    url = f"/api/v1/stock/{stock.pk}/movements/"
    viewer = api("Viewer")
    assert viewer.get("/api/v1/stock/").status_code == 200
    with unchanged(SheetStock, StockMovement):
        assert viewer.post(url, {"kind": "usage", "quantity": -1}).status_code == 403
    operator = api("Operator")
    response = operator.post(url, {"kind": "usage", "quantity": -2, "reference": "Run 4"})
    assert response.status_code == 201, response.json()
    assert response.json()["balance_after"] == 1 and response.json()["by"] == "api-operator"
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 1


def test_below_zero_is_a_400_with_the_message(api):
    stock = SheetStockFactory(quantity_on_hand=1)
    response = api("Operator").post(
        f"/api/v1/stock/{stock.pk}/movements/", {"kind": "usage", "quantity": -2}
    )
    assert response.status_code == 400
    assert "Stock cannot go below zero" in str(response.json())
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 1 and not StockMovement.objects.exists()
    wrong_sign = api("Manager").post(
        f"/api/v1/stock/{stock.pk}/movements/", {"kind": "purchase", "quantity": -2}
    )
    assert wrong_sign.status_code == 400 and "positive" in str(wrong_sign.json())


def test_count_is_not_writable_and_create_books_opening(api):
    client = api("Manager")
    material = MaterialFactory(code="AL")
    response = client.post(
        "/api/v1/stock/",
        {
            "material": material.pk,
            "thickness_mm": "2",
            "width_mm": 1250,
            "length_mm": 2500,
            "quantity_on_hand": 99,
            "opening_quantity": 4,
            "unit_cost": "2500.00",
            "reorder_level": 5,
            "reorder_quantity": 10,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["quantity_on_hand"] == 4 and body["to_order"] == 10 and body["value"] == "10000.00"
    patched = client.patch(
        f"/api/v1/stock/{body['id']}/", {"quantity_on_hand": 50, "location": "B"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["quantity_on_hand"] == 4
    duplicate = client.post(
        "/api/v1/stock/",
        {
            "material": material.pk,
            "thickness_mm": "2",
            "width_mm": 1250,
            "length_mm": 2500,
            "location": "B",
        },
        format="json",
    )
    assert duplicate.status_code == 400
    assert client.delete(f"/api/v1/stock/{body['id']}/").status_code == 405


def test_filters_and_reorder_suggestions(api):
    client = api("Viewer")
    low = SheetStockFactory(quantity_on_hand=1, reorder_level=3, reorder_quantity=5)
    SheetStockFactory(material=MaterialFactory(code="SS"), quantity_on_hand=9)
    assert [r["id"] for r in client.get("/api/v1/stock/?low=true").json()["results"]] == [low.pk]
    assert client.get("/api/v1/stock/?material=ss").json()["count"] == 1
    suggestions = client.get("/api/v1/stock/reorder-suggestions/").json()
    assert suggestions == [
        {
            "stock": low.pk,
            "stock_label": str(low),
            "supplier": "Macsteel",
            "on_hand": 1,
            "reorder_level": 3,
            "quantity": 5,
            "cost": "9000.00",
        }
    ]


def test_movements_are_read_only_and_filterable(api):
    stock = SheetStockFactory()
    stock_move(stock=stock, kind="purchase", quantity=2)
    stock_move(stock=stock, kind="waste", quantity=-1)
    client = api()
    assert client.get("/api/v1/stock-movements/?kind=waste").json()["count"] == 1
    assert client.post("/api/v1/stock-movements/", {}).status_code == 405


def test_offcuts_api(api):
    MaterialFactory(code="MS")
    client = api("Operator")
    material = Material.objects.get(code="MS")
    created = client.post(
        "/api/v1/offcuts/",
        {"material": material.pk, "thickness_mm": "3", "width_mm": 800, "length_mm": 300},
        format="json",
    )
    assert created.status_code == 201 and created.json()["tag"] == "OC-0001"
    assert created.json()["width_mm"] == 300
    small = client.post(
        "/api/v1/offcuts/",
        {"material": material.pk, "thickness_mm": "3", "width_mm": 100, "length_mm": 300},
        format="json",
    )
    assert small.status_code == 400 and "too small" in str(small.json())
    url = f"/api/v1/offcuts/{created.json()['id']}/status/"
    assert client.post(url, {"status": "used"}).json()["status"] == "used"
    assert client.post(url, {"status": "available"}).status_code == 400
    assert client.get("/api/v1/offcuts/?status=available").json()["count"] == 0


def test_materials_api(api):
    response = api("Manager").post("/api/v1/materials/", {"code": "ti", "name": "Titanium"})
    assert response.status_code == 201 and response.json()["code"] == "TI"
    assert api("Operator").get("/api/v1/materials/?q=titanium").json()["count"] == 1
    with unchanged(Material):
        refused = api("Viewer").post("/api/v1/materials/", {"code": "X", "name": "X"})
    assert refused.status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_material_aliases_null_is_a_400_and_changes_nothing(api, method):
    """The schema and serializer took `aliases: null` (a form's "null" was read as JSON) and the
    database refused it: a 500 (IntegrityError). Found by schemathesis."""
    client = api()
    material = MaterialFactory(code="TI", name="Titanium", aliases=["ti6al4v"])
    url = "/api/v1/materials/" if method == "post" else f"/api/v1/materials/{material.pk}/"
    body = {"code": "ZR", "name": "Zirconium", "aliases": None}
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "aliases" in response.json()
    # a form field is a name, never JSON: "null" is the alias "null", not a null
    body["aliases"] = "null"
    response = getattr(client, method)(url, body, format="multipart")
    assert response.status_code in (200, 201), response.content
    assert response.json()["aliases"] == ["null"]
    for junk in ({"a": 1}, "mild", [1, ["x"]], ["x\x00y"], ["x" * 61], ["x"] * 51):
        response = getattr(client, method)(url, {**body, "aliases": junk}, format="json")
        assert response.status_code == 400, (junk, response.content)
    assert all(isinstance(m.aliases, list) for m in Material.objects.all())


def test_a_material_without_an_alias_list_is_refused_by_the_model(db):
    from django.core.exceptions import ValidationError

    from inventory.services import material_save

    for aliases in (None, "mild", {"a": "b"}, [3], ["ok", None]):
        with pytest.raises(ValidationError) as refused:
            material_save(material=Material(code="ZR", name="Zirconium", aliases=aliases))
        assert "aliases" in refused.value.message_dict
    assert not Material.objects.filter(code="ZR").exists()


def test_stock_counts_and_costs_are_bounded_and_the_stock_list_still_reads(api):
    """Sheets on hand × unit cost is a 14-digit value: a purchase of 10^12 sheets (or a cost of
    10^10) was taken, then every GET of the stock failed (decimal.InvalidOperation on SQLite,
    the count overflowed PostgreSQL's integer first: a 500)."""
    from inventory.models import MAX_SHEETS

    manager = api("Manager")
    stock = SheetStockFactory(quantity_on_hand=0, unit_cost=Decimal("100"))
    url = f"/api/v1/stock/{stock.pk}/movements/"
    for quantity in (10**12, 2**63, MAX_SHEETS + 1):
        response = manager.post(url, {"kind": "purchase", "quantity": quantity})
        assert response.status_code == 400, (quantity, response.content)
    assert manager.post(url, {"kind": "purchase", "quantity": MAX_SHEETS}).status_code == 201
    response = manager.post(url, {"kind": "purchase", "quantity": 1})  # the balance is bounded
    assert response.status_code == 400, response.content
    stock.refresh_from_db()
    assert stock.quantity_on_hand == MAX_SHEETS and stock.movements.count() == 1
    huge = {"unit_cost": "9999999999.99", "reorder_level": 2**40, "width_mm": 2**40}
    response = manager.patch(f"/api/v1/stock/{stock.pk}/", huge)
    assert response.status_code == 400 and set(response.json()) == set(huge), response.content
    assert manager.get("/api/v1/stock/").status_code == 200
    assert manager.get("/api/v1/stock/reorder-suggestions/").status_code == 200
