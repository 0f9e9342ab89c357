from django.apps import AppConfig


class CommsConfig(AppConfig):
    """What we tell people: templates, the outbox, notifications, webhooks."""

    name = "comms"
    verbose_name = "Communications"
