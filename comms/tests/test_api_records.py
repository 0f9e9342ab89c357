"""/api/v1/message-templates/, /communications/ and /conversation-notes/'s generated tests
(laseros.api_testing): read by Admins, Managers and Viewers (the matrix's comms row); the
webhooks' delivery log, /api/v1/webhook-deliveries/, by Admins and Managers only."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from clients.tests.factories import ClientFactory
from comms.models import (
    Channel,
    Communication,
    CommunicationStatus,
    ConversationNote,
    MessageTemplate,
    NoteKind,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from comms.services import webhooks as webhook_services
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.event_types import EVENT_TYPES
from laseros.models import OutboxEvent
from laseros.roles import ADMIN, MANAGER, VIEWER
from projects.tests.factories import ProjectFactory

READERS = (ADMIN, MANAGER, VIEWER)


def on(field, value):
    return lambda match, other: set_fields(match, **{field: value})


class TestMessageTemplates(EndpointTests):
    prefix = "message-templates"
    model = MessageTemplate
    readers = READERS
    filters = (
        Filter("channel", lambda t: Channel.WHATSAPP, on("channel", Channel.WHATSAPP)),
        Filter("is_active", lambda t: "false", on("is_active", False)),
        *dates("updated_at"),
    )

    def make(self, n):
        return MessageTemplate.objects.create(
            key=f"api-test-{n}", name=f"Test {n}", channel=Channel.EMAIL, body="Hello"
        )


class TestCommunications(EndpointTests):
    prefix = "communications"
    model = Communication
    readers = READERS
    filters = (
        Filter("status", lambda m: CommunicationStatus.FAILED, on("status", "failed")),
        Filter("channel", lambda m: Channel.WHATSAPP, on("channel", Channel.WHATSAPP)),
        Filter("client", lambda m: m.client_id),
        Filter("job", lambda m: m.job_id),
        Filter(
            "template",
            lambda m: m.template_id,
            lambda match, other: set_fields(match, template=TestMessageTemplates().make(0)),
        ),
        Filter("created_by", lambda m: m.created_by.username),
        Filter(
            "document_type",
            lambda m: m.document_type_id,
            lambda match, other: set_fields(
                match, document_type=ContentType.objects.get_for_model(Communication)
            ),
        ),
        Filter("document_id", lambda m: m.document_id, on("document_id", 7)),
        Filter("event_key", lambda m: m.event_key),
        *dates("created_at"),
        *dates("sent_at"),
        *dates("next_attempt_at"),
    )

    def make(self, n):
        project = ProjectFactory()
        return Communication.objects.create(
            channel=Channel.EMAIL,
            to=f"buyer{n}@example.com",
            subject=f"Quote {n}",
            body="Your quote",
            status=CommunicationStatus.SENT,
            client=project.client,
            job=project,
            event_key=f"quote_sent:QT-{n}",
            created_by=someone(f"clerk-{n}"),
            created_at=timezone.now(),
        )


class TestConversationNotes(EndpointTests):
    prefix = "conversation-notes"
    model = ConversationNote
    readers = READERS
    filters = (
        Filter("client", lambda note: note.client_id),
        Filter("job", lambda note: note.job_id),
        Filter("kind", lambda note: NoteKind.WHATSAPP, on("kind", NoteKind.WHATSAPP)),
        Filter("noted_by", lambda note: note.noted_by_id),
        *dates("happened_at", "happened"),
        *dates("created_at"),
    )

    def make(self, n):
        project = ProjectFactory(client=ClientFactory())
        return ConversationNote.objects.create(
            client=project.client,
            job=project,
            kind=NoteKind.CALL_IN,
            summary=f"Asked about job {n}",
            happened_at=timezone.now(),
            noted_by=someone(f"noter-{n}"),
        )


class TestWebhookDeliveries(EndpointTests):
    prefix = "webhook-deliveries"
    model = WebhookDelivery
    readers = (ADMIN, MANAGER)  # as the endpoints: a viewer does not see where events go
    filters = (
        Filter("endpoint", lambda d: d.endpoint_id),
        Filter("status", lambda d: "failed", on("status", WebhookDeliveryStatus.FAILED)),
        Filter("event_type", lambda d: d.event.type),
        *dates("created_at"),
        *dates("last_tried_at", "last_tried"),
        *dates("delivered_at"),
        *dates("next_try_at", "next_try"),
    )

    def make(self, n):
        from django.test import override_settings

        with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
            endpoint, _secret = webhook_services.endpoint_create(
                url=f"http://127.0.0.1:9/hook-{n}", events=list(EVENT_TYPES), by=None
            )
        event = OutboxEvent.objects.create(
            type=("stock.low", "project.created")[n % 2], payload={}, occurred_at=timezone.now()
        )
        return WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, created_at=timezone.now()
        )
