"""Which Laser OS record each row of the old Flask system's database became."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class LegacyRecord(models.Model):
    """One old row (table + id) and the record it became, so a second import finds it again
    instead of making it twice; `row_sha256` tells whether the old row changed since."""

    table = models.CharField(max_length=60, help_text="The old system's table, e.g. 'clients'.")
    old_id = models.CharField(max_length=64, help_text="The row's id (or key) in that table.")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64, help_text="The new record's id.")
    record = GenericForeignKey("content_type", "object_id")
    row_sha256 = models.CharField(
        max_length=64, help_text="The old row's values when it was imported, hashed."
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["table", "old_id"]
        verbose_name = "record from the old system"
        verbose_name_plural = "records from the old system"
        constraints = [
            models.UniqueConstraint(fields=["table", "old_id"], name="legacyrecord_row_once")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.table} #{self.old_id}"
