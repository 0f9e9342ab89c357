from django.apps import AppConfig


class ClientsConfig(AppConfig):
    """Who we work for: clients and their contacts."""

    name = "clients"
    verbose_name = "Clients"
