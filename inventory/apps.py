from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """What we cut from: materials, sheet stock, movements, offcuts."""

    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from laseros.dashboard import Tile, register_tile

        def low_stock_count() -> int:
            from .models import SheetStock

            return SheetStock.objects.low().count()

        register_tile(
            Tile(
                key="inventory.low_stock",
                label="Low-stock items",
                count=low_stock_count,
                url_name="admin:inventory_sheetstock_changelist",
                url_query="stock_level=low",
                permission="inventory.view_sheetstock",
                order=40,
                warn_above=0,
            )
        )
