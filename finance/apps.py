from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """What it costs and what we bill: pricing, quotes, invoices, payments."""

    name = "finance"
    verbose_name = "Finance"

    def ready(self) -> None:
        from laseros.dashboard import Tile, register_tile

        def presets_that_price() -> int:
            from .selectors import priceable_presets

            return priceable_presets().count()

        # The admin index's way to the instant-quote page: how many presets can price a drawing.
        register_tile(
            Tile(
                key="finance.instant_quote",
                label="Instant quote: presets ready to price",
                count=presets_that_price,
                url_name="admin:finance_instant_quote",
                permission="finance.view_shoprates",
                order=60,
            )
        )
