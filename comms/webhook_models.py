"""Webhooks out: the endpoints other programs gave us and the log of every delivery to them.

Defined here and re-exported by comms.models (so comms/models.py stays within the house's length).
The wire (signing, the URL guard, the POST) is comms.webhooks; the writes are
comms.services.webhooks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from laseros.models import OutboxEvent


class WebhookEndpoint(models.Model):
    """A URL that wants some of our events, signed with its secret (Standard Webhooks).

    The secret is shown once, when the endpoint is made or its secret rotated; after a rotation
    the previous secret signs too until `previous_secret_expires_at`, so the receiver can change
    over without losing a delivery. An endpoint that keeps failing for WEBHOOK_DISABLE_AFTER_HOURS
    is switched off (`disabled_at`, `disabled_reason`) and the managers are told."""

    url = models.URLField(
        "URL",
        max_length=500,
        help_text="Where the events are POSTed: https://… on a public address.",
    )
    events = models.JSONField(
        default=list,
        help_text='The event types sent here, e.g. ["project.status_changed", "invoice.issued"].',
    )
    description = models.CharField(
        max_length=255, blank=True, help_text="Who or what receives them, for the people here."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive endpoints keep their deliveries waiting."
    )
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Until then deliveries are signed with the previous secret as well.",
    )
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The first failure since the last delivery that succeeded.",
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["url", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return event_type in (self.events or [])

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one while
        its overlap lasts."""
        found = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            found.append(self.previous_secret)
        return found


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one endpoint: tried until it gets a 2xx answer, on the retry schedule
    (WEBHOOK_RETRY_SCHEDULE), then left failed; the last attempt's answer is kept. A replay
    from the admin sends it again."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due (pending ones)."
    )
    last_tried_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last answer's HTTP status; empty: no answer."
    )
    latency_ms = models.PositiveIntegerField(
        "latency (ms)", null=True, blank=True, help_text="How long the last attempt took."
    )
    response_excerpt = models.TextField(
        blank=True, help_text="The start of the last answer's body (1,000 characters at most)."
    )
    error = models.CharField(max_length=500, blank=True, help_text="Why the last attempt failed.")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="comms_webhook_one_delivery_per_endpoint"
            )
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint} ({self.get_status_display()})"
