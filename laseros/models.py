"""Laser OS core records: the audit trail (a hash chain), the workers' heartbeats and the event
outbox."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ActivityLog(models.Model):
    """Who did what to which record, when, from where; each entry seals the one before it.

    Entries form a hash chain: `entry_hash` covers the entry's content and `prev_hash`, so altering
    or removing a row breaks the chain and `manage.py verify_audit` names the first broken link.
    Written only by `laseros.audit.record()`.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        TRANSITION = "transition", "Status changed"
        IMPORT = "import", "Imported"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGOUT = "logout", "Logged out"
        OTHER = "other", "Other"

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity",
        help_text="The user who acted; empty for the system (worker, commands).",
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="The user's name when it happened (kept if deleted)."
    )
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Fields before and after: {field: [before, after]}."
    )
    message = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "activity log entry"
        verbose_name_plural = "activity log"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        who = self.actor_name or "system"
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.get_action_display()} {self.object_repr}"
        )


class AuditChainHead(models.Model):
    """One row holding the newest entry's hash; locked while an entry is appended."""

    last_hash = models.CharField(max_length=64, blank=True)
    last_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return f"head at entry #{self.last_entry_id}"


class WorkerHeartbeat(models.Model):
    """One worker cluster (`manage.py qcluster`) and its last sign of life, written by its main
    process every few seconds (laseros.workers). /healthz reads it, and a starting cluster puts
    back what a dead one had taken."""

    name = models.CharField(
        max_length=100, unique=True, help_text="The cluster's id (its processes know it)."
    )
    label = models.CharField(max_length=100, blank=True, help_text="django-q2's name for it.")
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="Its main process.")
    pid_start = models.BigIntegerField(
        null=True, blank=True, help_text="When that process started (ticks since boot)."
    )
    process_space = models.CharField(
        max_length=200,
        blank=True,
        help_text="The boot and PID namespace where `pid` means this process.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    beat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when it stopped cleanly (or its processes died)."
    )

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self) -> str:
        return f"{self.label or self.name} on {self.host} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class CodeSequence(models.Model):
    """The last number handed out for a code series ("project:CL-0001:2025-10", "client").

    Numbers are never reused, even after the record that had one is deleted; `next_number()`
    locks the row so concurrent creators get distinct numbers.
    """

    key = models.CharField(max_length=100, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "code sequence"

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class Money(models.Model):
    """No table: it holds `laseros.view_money`, the one permission to see prices, costs, stock
    values and money documents (quotes, invoices, proofs of payment). The role matrix grants it
    (`laseros.money` row); `laseros.money.can_see_money()` reads it."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_money", "Can see prices, costs, stock values and proofs of payment"),
        ]
        verbose_name = "money"
        verbose_name_plural = "money"

    def __str__(self) -> str:
        return "money"


class OutboxEvent(models.Model):
    """Something that happened, written by `laseros.outbox.record_event()` in the same
    transaction as the change, so a rolled-back change leaves no event and a committed one always
    has its event. Comms reads the outbox and delivers each event to the webhooks that want it;
    `event_id` is the stable id a receiver sees (the `webhook-id` header and the payload's `id`).
    The payload shapes per type and version are listed in `laseros.event_types`."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64, db_index=True, help_text="e.g. project.created")
    version = models.PositiveSmallIntegerField(
        default=1, help_text="The payload shape's version for this type (laseros.event_types)."
    )
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(db_index=True)
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When comms made its deliveries; empty while it waits in the outbox.",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "event"
        verbose_name_plural = "events"

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A named key one program signs in to the API with (several per user): only its hash is
    kept, so the key is shown once, when it is made (`laseros.tokens.token_create`); revoking
    it keeps the row, with when it was last used, for the audit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it: 'accounting export'.")
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, to recognise it (not secret)."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_one_active_name_per_user",
                violation_error_message="You already have an active token with this name.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a user sent with a POST, and the answer its first request got: a
    retry with the same key and body gets that answer again and creates nothing twice. The row
    is claimed (inserted) before the request runs, in its own transaction, so a concurrent retry
    finds it; kept IDEMPOTENCY_KEY_HOURS (laseros.api.idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="sha256 of the method, the address and the body."
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    created_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while the first request is still running."
    )
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "idempotency key"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.path}"


class BackupRun(models.Model):
    """One `manage.py backup` (by hand or the daily schedule), good or failed: the admin index
    and /healthz read the newest good one to say how old the shop's last backup is."""

    class Status(models.TextChoices):
        OK = "ok", "Good"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    trigger = models.CharField(
        max_length=20, blank=True, help_text="'command' (by hand) or 'schedule' (the worker)."
    )
    name = models.CharField(max_length=200, blank=True, help_text="The backup file's name.")
    location = models.CharField(max_length=500, blank=True, help_text="Where it was written.")
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="The backup file's sha256.")
    encrypted = models.BooleanField(default=False)
    tables = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    pruned = models.PositiveIntegerField(
        default=0, help_text="Older backups rotation deleted after this one."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "backup"
        verbose_name_plural = "backups"

    def __str__(self) -> str:
        return f"backup {self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
