"""What we tell people: message templates, the outbox (every message is a Communication row before
it is sent) and the calls and messages a person notes by hand on the same timeline."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WHATSAPP = "whatsapp", "WhatsApp"


class MessageTemplate(models.Model):
    """The shop's wording for one kind of message on one channel; rendered in a sandbox with the
    fixed context of comms.rendering (plain variables and filters only)."""

    key = models.SlugField(
        max_length=40,
        help_text="What the code asks for, e.g. 'collection_ready'. One template per key and "
        "channel; the shop's eight ship with Laser OS.",
    )
    name = models.CharField(max_length=100, help_text="What the shop calls it: 'Collection Ready'.")
    channel = models.CharField(
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text="E-mail, or WhatsApp (through the Business Cloud API, or a wa.me link).",
    )
    subject = models.CharField(
        max_length=300,
        blank=True,
        help_text="The e-mail's subject; variables such as {{ job.code }} are allowed.",
    )
    body = models.TextField(
        max_length=10000,
        help_text="The text. Variables and filters only, e.g. {{ contact.name }} or "
        "{{ job.due_date|date:'j F Y' }}; see the list of variables below.",
    )
    whatsapp_name = models.CharField(
        "WhatsApp template name",
        max_length=100,
        blank=True,
        help_text="WhatsApp only: the name of the template approved in Meta's WhatsApp Manager "
        "(the Cloud API sends approved templates only).",
    )
    whatsapp_language = models.CharField(
        "WhatsApp language",
        max_length=10,
        default="en",
        blank=True,
        help_text="WhatsApp only: the approved template's language code, e.g. 'en' or 'en_US'.",
    )
    whatsapp_parameters = models.CharField(
        "WhatsApp parameters",
        max_length=300,
        blank=True,
        help_text="WhatsApp only: the variables that fill the approved template's {{1}}, {{2}}… "
        "in order, separated by commas, e.g. 'contact.name, job.code'.",
    )
    description = models.CharField(
        max_length=255, blank=True, help_text="When it is sent, for the people who edit it."
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive templates are kept but nothing sends them.",
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="When it was last changed.")

    class Meta:
        ordering = ["name", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel"],
                name="comms_template_one_per_key_channel",
                violation_error_message="There is already a template with this key on this "
                "channel.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"

    def parameter_names(self) -> list[str]:
        return [p.strip() for p in self.whatsapp_parameters.split(",") if p.strip()]

    def clean(self) -> None:
        """A template with an unknown variable, a tag or a syntax error is refused, named."""
        from .rendering import check_template

        errors = check_template(
            subject=self.subject, body=self.body, parameters=self.parameter_names()
        )
        if self.channel == Channel.EMAIL and not self.subject.strip():
            errors.setdefault("subject", []).append("An e-mail needs a subject.")
        if errors:
            raise ValidationError(errors)


class CommunicationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BY_HAND = "by_hand", "To send by hand"


class CommunicationQuerySet(models.QuerySet):
    def for_list(self) -> CommunicationQuerySet:
        """What an outbox list shows: the template, client and job by name."""
        return self.select_related("template", "client", "job")


class Communication(models.Model):
    """One message to one person: written to the outbox first (queued), then sent by the worker,
    retried with backoff, and left failed with its reason when it cannot go. Nothing is lost."""

    channel = models.CharField(
        max_length=10, choices=Channel.choices, help_text="How it goes: e-mail or WhatsApp."
    )
    to = models.CharField(
        max_length=254,
        help_text="The e-mail address, or the phone number in E.164 form (+27821234567).",
    )
    template = models.ForeignKey(
        MessageTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communications",
        help_text="The template it was rendered from (empty for a message written by hand).",
    )
    subject = models.CharField(max_length=300, blank=True, help_text="As rendered when queued.")
    body = models.TextField(help_text="As rendered when queued: what the person reads.")
    whatsapp_parameters = models.JSONField(
        default=list,
        blank=True,
        help_text="WhatsApp: the approved template's parameters, rendered when queued.",
    )
    status = models.CharField(
        max_length=10,
        choices=CommunicationStatus.choices,
        default=CommunicationStatus.QUEUED,
        db_index=True,
        help_text="Queued → sent, or failed with the reason. 'To send by hand': WhatsApp is not "
        "configured; open the wa.me link, send it, then mark it sent.",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times it was tried.")
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker tries again (retries back off)."
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the server took it.")
    provider_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The message id the e-mail or WhatsApp server gave it.",
    )
    event_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="The event that sent it (e.g. 'collection_ready:JB-…'): one message per event.",
    )
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communications",
        help_text="The client it concerns.",
    )
    job = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communications",
        verbose_name="job",
        help_text="The job it concerns.",
    )
    document_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The kind of document it concerns (a quote, an invoice), if any.",
    )
    document_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The id of that document."
    )
    document = GenericForeignKey("document_type", "document_id")
    document_label = models.CharField(
        max_length=60,
        blank=True,
        db_index=True,
        help_text="The quote's or invoice's number as the client knows it (QT-…, INV-…).",
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, help_text="When it was queued."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who queued it; empty when an event did.",
    )

    objects = CommunicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "message"
        verbose_name_plural = "outbox"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        what = self.subject or self.body[:40]
        return f"{self.get_channel_display()} to {self.to}: {what}"


def attachment_path(instance: CommunicationAttachment, filename: str) -> str:
    return f"comms/attachments/{instance.communication_id}/{filename}"


class CommunicationAttachment(models.Model):
    """A file sent with a message (a quote's or an invoice's PDF), kept so a resend sends the
    same bytes."""

    communication = models.ForeignKey(
        Communication,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text="The message it goes with.",
    )
    file = models.FileField(upload_to=attachment_path, max_length=500, help_text="The file.")
    filename = models.CharField(max_length=255, help_text="The name the recipient sees.")
    content_type = models.CharField(
        max_length=100, default="application/pdf", help_text="The file's type, e.g. a PDF."
    )
    size_bytes = models.PositiveBigIntegerField(default=0, help_text="The file's size.")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class NoteKind(models.TextChoices):
    CALL_IN = "call_in", "Call from the client"
    CALL_OUT = "call_out", "Call to the client"
    EMAIL = "email", "E-mail (outside Laser OS)"
    WHATSAPP = "whatsapp", "WhatsApp (outside Laser OS)"
    VISIT = "visit", "Visit"
    OTHER = "other", "Other"


class ConversationNote(models.Model):
    """A call or a message a person notes by hand: it sits on the client's and the job's timeline
    beside the messages Laser OS sent."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="conversation_notes",
        help_text="Who it was with.",
    )
    job = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_notes",
        verbose_name="job",
        help_text="The job it was about, if any.",
    )
    kind = models.CharField(
        max_length=10,
        choices=NoteKind.choices,
        default=NoteKind.CALL_IN,
        help_text="A call, an e-mail or a WhatsApp sent outside Laser OS, a visit.",
    )
    summary = models.TextField(max_length=4000, help_text="What was said or agreed.")
    happened_at = models.DateTimeField(help_text="When it happened.")
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who noted it.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was noted.")

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name = "call or message noted by hand"
        verbose_name_plural = "calls and messages noted by hand"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.happened_at:%Y-%m-%d})"

    def clean(self) -> None:
        job = self.job if self.job_id else None
        if job is not None and self.client_id and job.client_id != self.client_id:
            raise ValidationError({"job": "This job belongs to another client."})


class ClientMessagePreference(models.Model):
    """How a client wants to hear from the shop: status updates as their job moves (opt-in),
    and the channel messages go on."""

    client = models.OneToOneField(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="message_preference",
        help_text="The client these preferences are for.",
    )
    channel = models.CharField(
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text="Where the client's messages go (a message with no template on this channel "
        "goes by e-mail).",
    )
    status_updates = models.BooleanField(
        default=False,
        help_text="Send a Status Update each time one of the client's jobs moves (queued, "
        "cutting, QC, completed, on hold); the client asked for them.",
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="When it was last changed.")

    class Meta:
        verbose_name = "message preference"

    def __str__(self) -> str:
        updates = "status updates" if self.status_updates else "no status updates"
        return f"{self.get_channel_display()}, {updates}"


class NotificationKind(models.TextChoices):
    ESCALATION = "escalation", "A job sits too long"
    LOW_STOCK = "low_stock", "Low stock"
    FILE_FAILED = "file_failed", "A file failed to read"
    MESSAGE_FAILED = "message_failed", "A message failed"
    OVERDUE = "overdue", "A job is overdue"


class NotificationSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class NotificationAudience(models.TextChoices):
    MANAGERS = "managers", "Managers"
    OPERATORS = "operators", "Operators"
    EVERYONE = "everyone", "Managers and operators"


class NotificationQuerySet(models.QuerySet):
    def open(self) -> NotificationQuerySet:
        return self.filter(closed_at__isnull=True)

    def for_audiences(self, audiences) -> NotificationQuerySet:
        return self.filter(audience__in=list(audiences))


class Notification(models.Model):
    """Something in the shop a person should look at (a job sitting too long, low stock, a file
    or a message that failed), opened by the evaluation while its cause lasts and closed when the
    cause goes. At most one open notification per cause."""

    cause_key = models.CharField(
        max_length=200,
        db_index=True,
        help_text="What caused it, stable across evaluations, e.g. 'low_stock:sheet:7' or "
        "'escalation:quoting:job:42'.",
    )
    kind = models.CharField(
        max_length=20, choices=NotificationKind.choices, db_index=True, help_text="Its cause."
    )
    severity = models.CharField(
        max_length=10,
        choices=NotificationSeverity.choices,
        default=NotificationSeverity.WARNING,
        help_text="How urgent it is.",
    )
    title = models.CharField(max_length=200, help_text="One line: what is wrong.")
    text = models.TextField(blank=True, help_text="More about it: how long, how many, why.")
    url = models.CharField(
        "link", max_length=500, blank=True, help_text="Where to look at it or put it right."
    )
    audience = models.CharField(
        max_length=10,
        choices=NotificationAudience.choices,
        default=NotificationAudience.MANAGERS,
        db_index=True,
        help_text="Who sees it: managers (the office), operators (the floor), or both. "
        "Managers see every notification.",
    )
    opened_at = models.DateTimeField(db_index=True, help_text="When its cause was first seen.")
    closed_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When its cause went; empty while open."
    )
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="NotificationRead",
        related_name="+",
        blank=True,
        help_text="The people who marked it read.",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cause_key"],
                condition=models.Q(closed_at__isnull=True),
                name="comms_notification_one_open_per_cause",
                violation_error_message="This cause already has an open notification.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class NotificationRead(models.Model):
    """One person read one notification (each person reads their own)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="reads", help_text="What was read."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_reads",
        help_text="Who read it.",
    )
    read_at = models.DateTimeField(help_text="When they marked it read.")

    class Meta:
        ordering = ["-read_at"]
        verbose_name = "notification read"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "user"], name="comms_notification_read_once_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.notification_id}"


# Webhooks out: their models live in their own module (this one stays within the house's length).
from .webhook_models import (  # noqa: E402, F401
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
