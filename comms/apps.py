from django.apps import AppConfig


class CommsConfig(AppConfig):
    """What we tell people: templates, the outbox, notifications, webhooks."""

    name = "comms"
    verbose_name = "Communications"

    def ready(self) -> None:
        from . import receivers

        # projects sends project_status_changed on commit: Paid, Ready and opted-in moves
        # send their message here
        receivers.connect()
        self._schedule_sending()
        self._schedule_reminders()
        self._register_dashboard_tiles()
        self._notify()
        self._webhooks()

    def _webhooks(self) -> None:
        """Webhooks out: every event the outbox records is dispatched once it commits, and every
        minute the retries that are due go; every day the old log is forgotten
        (comms.services.webhooks)."""
        from laseros.outbox import event_recorded
        from laseros.tasks import declare_schedule

        from .services.webhooks import event_recorded as dispatch_after_commit

        event_recorded.connect(dispatch_after_commit, dispatch_uid="comms.webhooks.dispatch")
        declare_schedule(
            "comms.send_due_webhooks",
            func="comms.tasks.send_due_webhooks",
            schedule_type="I",
            minutes=1,
            repeats=-1,
        )
        # the delivery log and the outbox kept WEBHOOK_KEEP_DAYS, not forever
        declare_schedule(
            "comms.prune_webhook_log",
            func="comms.tasks.prune_webhook_log",
            schedule_type="D",
            repeats=-1,
        )

    def _notify(self) -> None:
        """The bell's causes (comms.causes; ingest adds its own) evaluated every few minutes."""
        from django.conf import settings

        from laseros.tasks import declare_schedule

        from . import causes

        causes.register()
        declare_schedule(
            "comms.evaluate_notifications",
            func="comms.tasks.evaluate_notifications",
            schedule_type="I",
            minutes=max(1, int(settings.NOTIFY_EVERY_MINUTES)),
            repeats=-1,
        )

    def _schedule_reminders(self) -> None:
        """The quote-expiry reminders every morning at 08:00, when the office reads its mail."""
        import datetime as dt

        from django.utils import timezone

        from laseros.tasks import declare_schedule

        now = timezone.localtime()
        first_run = now.replace(hour=8, minute=0, second=0, microsecond=0)
        if first_run <= now:
            first_run += dt.timedelta(days=1)
        declare_schedule(
            "comms.send_quote_reminders",
            func="comms.tasks.send_quote_reminders",
            schedule_type="D",
            repeats=-1,
            next_run=first_run,
        )

    def _schedule_sending(self) -> None:
        """The outbox's retries: every minute, the messages whose next attempt is due."""
        from laseros.tasks import declare_schedule

        declare_schedule(
            "comms.send_due_messages",
            func="comms.tasks.send_due_messages",
            schedule_type="I",
            minutes=1,
            repeats=-1,
        )

    def _register_dashboard_tiles(self) -> None:
        from laseros.dashboard import Tile, register_tile

        from . import selectors

        register_tile(
            Tile(
                key="comms.failed",
                label="Messages that failed",
                count=selectors.failed_count,
                url_name="admin:comms_communication_changelist",
                url_query="status__exact=failed",
                permission="comms.view_communication",
                order=40,
                warn_above=0,
            )
        )
        register_tile(
            Tile(
                key="comms.by_hand",
                label="WhatsApp messages to send by hand",
                count=selectors.by_hand_count,
                url_name="admin:comms_communication_changelist",
                url_query="status__exact=by_hand",
                permission="comms.view_communication",
                order=41,
                warn_above=0,
            )
        )
