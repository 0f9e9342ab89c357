from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top wiring: urls, the demo shop's commands, the scheduled reports (ReportRun) and
    the clients' tracking page (TrackingLink)."""

    name = "laseros.site"
    label = "laseros_site"
    verbose_name = "Laser OS site"

    def ready(self) -> None:
        from comms.rendering import register_tracking_link
        from laseros.tasks import declare_schedule

        from .reports.schedule import EVERY_MINUTES
        from .tracking.links import message_tracking_url

        declare_schedule(
            "laseros_site.reports",
            func="laseros.site.tasks.make_due_reports",
            schedule_type="I",
            minutes=EVERY_MINUTES,
            repeats=-1,
        )
        # messages to a client about a job carry its tracking link ({{ tracking_url }})
        register_tracking_link(message_tracking_url)
