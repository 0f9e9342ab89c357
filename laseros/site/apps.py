from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top wiring: urls, the demo shop's commands, and the scheduled reports (its one model,
    ReportRun)."""

    name = "laseros.site"
    label = "laseros_site"
    verbose_name = "Laser OS site"

    def ready(self) -> None:
        from laseros.tasks import declare_schedule

        from .reports.schedule import EVERY_MINUTES

        declare_schedule(
            "laseros_site.reports",
            func="laseros.site.tasks.make_due_reports",
            schedule_type="I",
            minutes=EVERY_MINUTES,
            repeats=-1,
        )
