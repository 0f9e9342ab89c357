from django.apps import AppConfig


class ProductionConfig(AppConfig):
    """How we cut: machines, operators, cut presets, the queue, laser runs."""

    name = "production"
    verbose_name = "Production"

    def ready(self) -> None:
        from laseros.dashboard import Tile, register_tile

        from . import receivers

        # projects sends project_status_changed on commit; a paid job is queued here.
        receivers.connect()

        def queue_count() -> int:
            from .models import QueueItem

            return QueueItem.objects.active().count()

        def runs_today() -> int:
            from .selectors import runs_started_today

            return runs_started_today().count()

        register_tile(
            Tile(
                key="production.queue",
                label="Jobs in the queue",
                count=queue_count,
                url_name="admin:production_queueitem_changelist",
                url_query="status__in=queued,cutting",
                permission="production.view_queueitem",
                order=20,
            )
        )
        register_tile(
            Tile(
                key="production.runs_today",
                label="Laser runs today",
                count=runs_today,
                url_name="admin:production_laserrun_changelist",
                url_query="when=today",
                permission="production.view_laserrun",
                order=30,
            )
        )
