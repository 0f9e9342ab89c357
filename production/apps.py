from django.apps import AppConfig


class ProductionConfig(AppConfig):
    """How we cut: machines, operators, cut presets, the queue, laser runs."""

    name = "production"
    verbose_name = "Production"
