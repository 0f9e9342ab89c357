from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top wiring: it owns no models, only the demo shop's commands."""

    name = "laseros.site"
    label = "laseros_site"
    verbose_name = "Laser OS site"
