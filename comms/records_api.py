"""/api/v1/message-templates/, /communications/ and /conversation-notes/: the templates, every
message sent or waiting to be, and the notes of calls and visits, read-only
(laseros.api.records). Messages are written by the outbox's services, not through the API.
/api/v1/webhook-deliveries/: the webhooks' delivery log, for managers (as the endpoints are)."""

from __future__ import annotations

import django_filters

from laseros.api.filters import UserFilter, day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .api import ManagesWebhooks
from .models import Communication, ConversationNote, MessageTemplate, WebhookDelivery


class MessageTemplateFilter(django_filters.FilterSet):
    """Templates by channel, whether in use, and the day last changed."""

    updated_after, updated_before = day_range("updated_at")

    class Meta:
        model = MessageTemplate
        fields = ["channel", "is_active"]


class MessageTemplateViewSet(RecordViewSet):
    """The words of each message the shop sends, per channel."""

    queryset = MessageTemplate.objects.all()
    serializer_class = record_serializer(MessageTemplate)
    filterset_class = MessageTemplateFilter
    search_fields = ["key", "name", "subject"]
    ordering_fields = ["key", "name", "updated_at"]
    ordering = ["key"]


class CommunicationFilter(django_filters.FilterSet):
    """Messages by status, channel, client, job, template, who queued them, the document they
    concern (its content type's id and its id), the event that sent one, and the day queued,
    sent or to be tried again."""

    created_by = UserFilter()
    created_after, created_before = day_range("created_at")
    sent_after, sent_before = day_range("sent_at")
    next_attempt_after, next_attempt_before = day_range("next_attempt_at")

    class Meta:
        model = Communication
        fields = ["status", "channel", "client", "job", "template", "created_by"]
        fields += ["document_type", "document_id", "event_key"]


class CommunicationViewSet(RecordViewSet):
    """Every message to a client: to whom, what, through which channel, and whether it went."""

    queryset = Communication.objects.all()
    serializer_class = record_serializer(Communication)
    filterset_class = CommunicationFilter
    search_fields = ["to", "subject"]
    ordering_fields = ["created_at", "sent_at", "id"]
    ordering = ["-created_at", "-id"]


class ConversationNoteFilter(django_filters.FilterSet):
    """Notes by client, job, kind, who noted them, and the day it happened or was noted."""

    noted_by = UserFilter()
    happened_after, happened_before = day_range("happened_at")
    created_after, created_before = day_range("created_at")

    class Meta:
        model = ConversationNote
        fields = ["client", "job", "kind", "noted_by"]


class ConversationNoteViewSet(RecordViewSet):
    """What was said on a call or at a visit, noted against the client and job."""

    queryset = ConversationNote.objects.all()
    serializer_class = record_serializer(ConversationNote)
    filterset_class = ConversationNoteFilter
    search_fields = ["summary"]
    ordering_fields = ["happened_at", "id"]
    ordering = ["-happened_at", "-id"]


class WebhookDeliveryFilter(django_filters.FilterSet):
    """Deliveries by endpoint, status, event type, and the day made, last tried, delivered or
    to be tried next."""

    event_type = django_filters.CharFilter(field_name="event__type", label="event type")
    created_after, created_before = day_range("created_at")
    last_tried_after, last_tried_before = day_range("last_tried_at")
    delivered_after, delivered_before = day_range("delivered_at")
    next_try_after, next_try_before = day_range("next_try_at")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class WebhookDeliveryViewSet(RecordViewSet):
    """Each event sent (or to be sent) to each endpoint: attempts, the last answer's status code,
    latency and the start of its body, and why the last attempt failed. Managers only."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = record_serializer(WebhookDelivery)
    permission_classes = [ManagesWebhooks]
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at", "last_tried_at", "delivered_at", "id"]
    ordering = ["-created_at", "-id"]


router.register("message-templates", MessageTemplateViewSet, basename="messagetemplate")
router.register("communications", CommunicationViewSet, basename="communication")
router.register("conversation-notes", ConversationNoteViewSet, basename="conversationnote")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhookdelivery")
