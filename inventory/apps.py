from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """What we cut from: materials, sheet stock, movements, offcuts."""

    name = "inventory"
    verbose_name = "Inventory"
