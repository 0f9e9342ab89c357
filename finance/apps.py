from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """What it costs and what we bill: pricing, quotes, invoices, payments."""

    name = "finance"
    verbose_name = "Finance"

    def ready(self) -> None:
        self._schedule_quote_expiry()
        self._schedule_payment_reminders()
        self._register_dashboard_tiles()
        self._register_payment_hooks()
        self._draft_quotes_for_mail()
        self._tell_delivered_jobs()

    def _tell_delivered_jobs(self) -> None:
        """A job that goes by delivery (its accepted quote says so) and moves to Completed gets
        comms' Delivery Notification; projects tells, after the commit."""
        from projects.signals import project_status_changed

        project_status_changed.connect(_job_completed, dispatch_uid="finance.delivery_notice")

    def _draft_quotes_for_mail(self) -> None:
        """A job asked for by e-mail gets a draft quote once its drawings are measured (ingest
        tells, after the commit, with mail_job_files_measured)."""
        from ingest.signals import mail_job_files_measured

        mail_job_files_measured.connect(_draft_quote_for_mail, dispatch_uid="finance.mail_quote")

    def _register_payment_hooks(self) -> None:
        """A job's proof of payment records a payment here; its "paid in full" is its balance.
        (The hooks import finance's reads and writes when first called, so starting Django
        loads none of them: `manage.py inspect` stays light.)"""
        from projects import workflow

        workflow.register_paid_reader(_job_paid_reading)
        workflow.register_payment_recorder(_record_job_payment)

    def _schedule_quote_expiry(self) -> None:
        """Sent quotes past their last valid day expire every morning before the shop opens."""
        import datetime as dt

        from django.utils import timezone

        from laseros.tasks import declare_schedule

        now = timezone.localtime()
        first_run = now.replace(hour=5, minute=35, second=0, microsecond=0)
        if first_run <= now:
            first_run += dt.timedelta(days=1)
        declare_schedule(
            "finance.expire_quotes",
            func="finance.tasks.expire_quotes",
            schedule_type="D",
            repeats=-1,
            next_run=first_run,
        )

    def _schedule_payment_reminders(self) -> None:
        """Overdue invoices are reminded every morning at 08:05 (comms' cadence decides which)."""
        import datetime as dt

        from django.utils import timezone

        from laseros.tasks import declare_schedule

        now = timezone.localtime()
        first_run = now.replace(hour=8, minute=5, second=0, microsecond=0)
        if first_run <= now:
            first_run += dt.timedelta(days=1)
        declare_schedule(
            "finance.send_payment_reminders",
            func="finance.tasks.send_payment_reminders",
            schedule_type="D",
            repeats=-1,
            next_run=first_run,
        )

    def _register_dashboard_tiles(self) -> None:
        from laseros.dashboard import Tile, register_tile

        def presets_that_price() -> int:
            from .selectors import priceable_presets

            return priceable_presets().count()

        # The admin index's way to the instant-quote page: how many presets can price a drawing.
        register_tile(
            Tile(
                key="finance.instant_quote",
                label="Instant quote: presets ready to price",
                count=presets_that_price,
                url_name="admin:finance_instant_quote",
                permission="finance.view_shoprates",
                order=60,
            )
        )


def _job_paid_reading(project):
    from .selectors import job_paid_reading

    return job_paid_reading(project)


def _record_job_payment(**kwargs):
    from .services.payments import record_job_payment

    return record_job_payment(**kwargs)


def _job_completed(sender, project, to_status, change=None, **kwargs) -> None:
    from projects.models import ProjectStatus

    if to_status != ProjectStatus.COMPLETED:
        return
    from comms.services import job_delivered

    from .selectors import job_goes_by_delivery

    if job_goes_by_delivery(project):
        job_delivered(job=project, change_id=getattr(change, "pk", None))


def _draft_quote_for_mail(sender, payload, **kwargs) -> None:
    """The auto-quote of a job whose e-mailed drawings are measured: only for a job still in
    Request or Quoting with no open quote (a reply to a quoted job leaves its quote to the
    office). A drawing that cannot be priced refuses the whole quote: logged, the job stays as
    it is and the office quotes by hand."""
    import logging

    from django.core.exceptions import ValidationError

    from projects.models import Project, ProjectStatus

    from .models import QuoteStatusGroups
    from .services import quote_auto

    project = Project.objects.filter(pk=payload.get("project_id")).first()
    if project is None or not payload.get("file_ids"):
        return
    if project.status not in (ProjectStatus.REQUEST, ProjectStatus.QUOTING):
        return
    if project.quotes.filter(status__in=QuoteStatusGroups.OPEN).exists():
        return
    try:
        quote_auto(project=project, by=None)
    except ValidationError as exc:
        logging.getLogger(__name__).info(
            "no draft quote for %s from its e-mail: %s", project.code, " ".join(exc.messages)
        )
