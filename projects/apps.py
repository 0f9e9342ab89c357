from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """Jobs and their life cycle; the product (SKU) catalogue."""

    name = "projects"
    verbose_name = "Jobs"

    def ready(self) -> None:
        self._protect_money_documents()
        self._schedule_quote_expiry()
        self._register_dashboard_tiles()

    def _protect_money_documents(self) -> None:
        """A stored quote, invoice or proof of payment goes only to those who may see money."""
        from laseros.files import register_file_rule

        from . import selectors
        from .models import ProjectDocument

        register_file_rule(ProjectDocument, selectors.can_see_document)

    def _schedule_quote_expiry(self) -> None:
        """Expired quotes cancel their jobs every morning before the shop opens."""
        import datetime as dt

        from django.utils import timezone

        from laseros.tasks import declare_schedule

        now = timezone.localtime()
        first_run = now.replace(hour=5, minute=30, second=0, microsecond=0)
        if first_run <= now:
            first_run += dt.timedelta(days=1)
        declare_schedule(
            "projects.expire_quotes",
            func="projects.tasks.expire_quotes",
            schedule_type="D",
            repeats=-1,
            next_run=first_run,
        )

    def _register_dashboard_tiles(self) -> None:
        from laseros.dashboard import Tile, register_tile

        from . import selectors

        changelist = "admin:projects_project_changelist"
        register_tile(
            Tile(
                key="projects.open",
                label="Open jobs",
                count=lambda: selectors.open_projects().count(),
                url_name=changelist,
                url_query="stage=open",
                permission="projects.view_project",
                order=10,
            )
        )
        register_tile(
            Tile(
                key="projects.waiting_payment",
                label="Waiting for payment",
                count=lambda: selectors.projects_waiting_for_payment().count(),
                url_name=changelist,
                url_query="stage=waiting_payment",
                permission="projects.view_project",
                order=11,
            )
        )
        register_tile(
            Tile(
                key="projects.quotes_expiring",
                label="Quotes expiring this week",
                count=lambda: selectors.quotes_expiring(*selectors.this_week()).count(),
                url_name=changelist,
                url_query="stage=expiring",
                permission="projects.view_project",
                order=12,
                warn_above=0,
            )
        )
