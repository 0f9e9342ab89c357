"""Jobs and their life cycle; the product (SKU) catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProjectStatus(models.TextChoices):
    """A job's statuses in DOMAIN.md order; moves are data in projects.workflow."""

    REQUEST = "request", "Request"
    QUOTING = "quoting", "Quoting"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    QUEUED = "queued", "Queued"
    CUTTING = "cutting", "Cutting"
    QC = "qc", "QC"
    READY = "ready", "Ready"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"


class Project(models.Model):
    """A job for a client (JB-2025-10-CL0001-001), moved through its statuses only by
    `projects.services.project_transition`."""

    code = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        help_text="Generated JB-YYYY-MM-CL0001-###, per client per month; never reused.",
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.REQUEST,
        editable=False,
        db_index=True,
    )
    material = models.ForeignKey(
        "inventory.Material", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    thickness_mm = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
