import pytest

from inventory.tests.factories import SheetStockFactory

pytestmark = pytest.mark.django_db


def test_low_stock_tile_warns(admin_user_client):
    SheetStockFactory(quantity_on_hand=1, reorder_level=2)
    tiles = {t["label"]: t for t in admin_user_client.get("/admin/").context["tiles"]}
    tile = tiles["Low-stock items"]
    assert tile["value"] == 1 and tile["warn"] and tile["url"].endswith("?stock_level=low")
