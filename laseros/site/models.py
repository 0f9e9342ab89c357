"""The top wiring's records: each report made, kept with its period and checksum; and each
client's tracking link to a job (laseros.site.tracking).

It lives here, beside the reports that make it, rather than in the core: only this layer knows
what a report is (the core imports no app, and a report reads them all)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportFormat(models.TextChoices):
    HTML = "html", "HTML"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"


CONTENT_TYPES: dict[str, str] = {
    ReportFormat.HTML: "text/html",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_path(instance: ReportRun, filename: str) -> str:
    return f"reports/{instance.kind}/{instance.period_start:%Y}/{filename}"


class ReportRunQuerySet(models.QuerySet):
    def for_list(self) -> ReportRunQuerySet:
        return self.select_related("created_by")

    def latest_versions(self) -> ReportRunQuerySet:
        return self.filter(is_latest=True)


class ReportRun(models.Model):
    """One report file made for one period in one format. Made again for the same kind, period
    and format, it is a new version (1, 2, ...): the older file is kept, and only the newest is
    `is_latest`, so what was sent stays what it was."""

    kind = models.CharField(max_length=30, db_index=True, help_text="daily_ops, weekly_client, …")
    period_start = models.DateField(help_text="The first day the report covers.")
    period_end = models.DateField(help_text="The last day it covers (inclusive).")
    format = models.CharField(max_length=4, choices=ReportFormat.choices)
    version = models.PositiveIntegerField(default=1, help_text="1, then 2 when made again, …")
    is_latest = models.BooleanField(default=True, help_text="The newest version of this report.")
    file = models.FileField(upload_to=report_path, max_length=300)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, help_text="The file's SHA-256, to prove it unchanged.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the schedule or a command made it.",
    )
    sent_to = models.JSONField(
        default=list, blank=True, help_text="The addresses it was queued to in the outbox."
    )

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "kind", "format", "-version"]
        verbose_name = "report"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end", "format", "version"],
                name="reportrun_version_once",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="reportrun_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        period = (
            f"{self.period_start}"
            if self.period_start == self.period_end
            else f"{self.period_start} – {self.period_end}"
        )
        return f"{self.kind} {period} ({self.format}, v{self.version})"


class TrackingLinkQuerySet(models.QuerySet):
    def for_list(self) -> TrackingLinkQuerySet:
        return self.select_related("project", "project__client", "created_by", "revoked_by")

    def live(self, now=None) -> TrackingLinkQuerySet:
        """Links a client may still open: not revoked, not past their expiry."""
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class TrackingLink(models.Model):
    """A client's link to follow one job without logging in (laseros.site.tracking). The URL
    carries this row's id, signed; the row is what lets the shop end a link before it expires
    (revoked_at), and what the job's history names when a client accepts through it."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="job",
    )
    expires_at = models.DateTimeField(db_index=True, help_text="The link stops working after it.")
    revoked_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the shop ended the link early."
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when a message made it for the client.",
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the client last opened it."
    )

    objects = TrackingLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "client tracking link"

    def __str__(self) -> str:
        return f"tracking link #{self.pk}"
