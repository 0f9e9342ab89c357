from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Every file that comes in: validation, naming, versioned storage, parsing."""

    name = "ingest"
    verbose_name = "Files"

    def ready(self) -> None:
        from laseros.health import declare_check
        from laseros.workers import declare_recovery

        # Files a dead worker left behind: put back by every cluster (at its start, then every
        # WORKER_SWEEP_SECONDS), and named by /healthz while they wait.
        declare_recovery("ingest.sweep_stuck_files", "ingest.tasks.sweep_stuck_files")
        declare_check("files", "ingest.services.stuck_files_check")
        self._register_tiles()
        self._count_design_files_for_projects()
        self._schedule_mail()
        # the bell rings for a file that failed to read (comms evaluates; laseros.notifications)
        from .notifications import register as register_notification_causes

        register_notification_causes()

    def _register_tiles(self) -> None:
        """The admin index's counts of files and e-mails waiting or failed (laseros.dashboard)."""
        from laseros.dashboard import Tile, register_tile

        from . import selectors

        register_tile(
            Tile(
                key="ingest.waiting",
                label="Files waiting to be read",
                count=selectors.waiting_count,
                url_name="admin:ingest_fileingest_changelist",
                url_query="status=waiting",
                permission="ingest.view_fileingest",
                order=30,
            )
        )
        register_tile(
            Tile(
                key="ingest.failed",
                label="Files that failed",
                count=selectors.failed_count,
                url_name="admin:ingest_fileingest_changelist",
                url_query="status=failed",
                permission="ingest.view_fileingest",
                order=31,
                warn_above=0,
            )
        )
        register_tile(
            Tile(
                key="ingest.mail_waiting",
                label="E-mails waiting for a manager",
                count=selectors.mail_waiting_count,
                url_name="admin:ingest_mailmessage_changelist",
                url_query="status__exact=unknown_sender",
                permission="ingest.view_mailmessage",
                order=32,
                warn_above=0,
            )
        )
        register_tile(
            Tile(
                key="ingest.mail_failed",
                label="E-mails that could not be filed",
                count=selectors.mail_failed_count,
                url_name="admin:ingest_mailmessage_changelist",
                url_query="status__exact=failed",
                permission="ingest.view_mailmessage",
                order=33,
                warn_above=0,
            )
        )

    def _schedule_mail(self) -> None:
        """The shop's mailbox and mail folder are read every few minutes (ingest.mail)."""
        from django.conf import settings

        from laseros.tasks import declare_schedule

        declare_schedule(
            "ingest.read_mail",
            func="ingest.tasks.read_mail",
            schedule_type="I",
            minutes=max(1, int(settings.INGEST_MAIL_EVERY_MINUTES)),
            repeats=-1,
        )

    def _count_design_files_for_projects(self) -> None:
        """Projects (a lower app) asks the apps above it how many design files a project has:
        the Quoting gate counts the project's live, readable drawings held here."""
        from projects.workflow import register_design_file_counter

        from .selectors import design_file_count

        register_design_file_counter(design_file_count)
