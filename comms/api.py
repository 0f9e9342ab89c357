"""/api/v1/webhooks/: the webhook endpoints, for managers. POST {"url", "events"} answers 201
with the endpoint and its `secret` — the only answer that ever carries it (rotate-secret gives a
new one the same way). Every write goes through comms.services.webhooks."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from laseros.api.filters import UserFilter, day_range
from laseros.api.permissions import RoleModelPermissions
from laseros.api.routers import router
from laseros.event_types import EVENT_TYPES

from .models import WebhookEndpoint
from .services import webhooks as services

CHANGE = "%(app_label)s.change_%(model_name)s"


class ManagesWebhooks(RoleModelPermissions):
    """Managers only: reading the endpoints needs the right to change them (a viewer does not
    see where the shop's events go)."""

    perms_map = {**RoleModelPermissions.perms_map, "GET": [CHANGE], "HEAD": [CHANGE]}
    perms_map["OPTIONS"] = [CHANGE]


class WebhookEndpointFilter(django_filters.FilterSet):
    """Endpoints by whether they are active, who made them, and the day made, switched off,
    failing since, or the previous secret stops signing (after a rotation)."""

    created_by = UserFilter()
    created_after, created_before = day_range("created_at")
    disabled_after, disabled_before = day_range("disabled_at")
    failing_since_after, failing_since_before = day_range("failing_since")
    previous_secret_expires_after, previous_secret_expires_before = day_range(
        "previous_secret_expires_at"
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["is_active", "created_by"]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_TYPES)),
        allow_empty=False,
        max_length=len(EVENT_TYPES),
        help_text="The event types sent to this URL (see the README's table).",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "description",
            "is_active",
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
        ]
        read_only_fields = [
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
        ]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (whsec_…). Shown in this answer only: keep it now.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new secret, shown in this answer only.")
    previous_secret_expires_at = serializers.DateTimeField(
        help_text="Until then deliveries are signed with the previous secret as well."
    )


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Where the shop's events are sent, signed (Standard Webhooks). Managers only."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    permission_classes = [ManagesWebhooks]
    filterset_class = WebhookEndpointFilter
    search_fields = ["url", "description"]
    ordering_fields = ["url", "created_at"]
    ordering = ["url", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = services.endpoint_create(
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            by=request.user,
        )
        if data.get("is_active") is False:
            endpoint = services.endpoint_update(endpoint=endpoint, by=request.user, is_active=False)
        answer = WebhookEndpointCreatedSerializer(endpoint).data
        answer["secret"] = secret
        return Response(answer, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.endpoint_update(
            endpoint=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance, by=self.request.user)

    @extend_schema(request=None, responses={200: RotatedSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, in this answer only; the previous one goes on signing for
        WEBHOOK_SECRET_OVERLAP_HOURS so the receiver can change over."""
        endpoint = self.get_object()
        secret = services.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        return Response(
            {
                "secret": secret,
                "previous_secret_expires_at": endpoint.previous_secret_expires_at,
            }
        )


router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
