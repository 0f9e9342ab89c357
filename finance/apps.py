from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """What it costs and what we bill: pricing, quotes, invoices, payments."""

    name = "finance"
    verbose_name = "Finance"
