"""/api/v1/notifications/: the notifications of the person who asks (the bell's, in the API),
open and closed, each with whether they read it; filtered by ?open=, ?read= and ?kind=, ordered
and paged like every list. POST /api/v1/notifications/{id}/read/ marks one read and
POST /api/v1/notifications/read-all/ every open one, through comms.services.notifications
(anyone who receives notifications: operators too, as on the floor's page)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from laseros.api.filters import day_range
from laseros.api.routers import router

from . import selectors
from .bell import mark_fresh
from .models import Notification, NotificationKind, NotificationRead
from .services.notifications import notification_mark_read, notifications_mark_all_read


class ReceivesNotifications(BasePermission):
    """Signed in, in a role that receives notifications (a user in no role gets none)."""

    message = "Your role receives no notifications."

    def has_permission(self, request, view):
        return bool(selectors.audiences_for(request.user))


class NotificationFilter(django_filters.FilterSet):
    """Open or closed (its cause went), read or not by the person asking, by kind, severity,
    audience (whom it is for: a manager sees every audience's) and day."""

    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", label="open (its cause lasts)"
    )
    read = django_filters.BooleanFilter(field_name="is_read", label="read by you")
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    opened_after, opened_before = day_range("opened_at")

    class Meta:
        model = Notification
        fields = ["open", "read", "kind", "severity", "audience"]


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True, help_text="You marked it read.")
    is_open = serializers.BooleanField(read_only=True, help_text="Its cause lasts.")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "severity",
            "title",
            "text",
            "url",
            "audience",
            "opened_at",
            "closed_at",
            "is_open",
            "is_read",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read now.")


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your notifications: what in the shop needs looking at, open ones while their cause lasts."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    permission_classes = [ReceivesNotifications]
    filterset_class = NotificationFilter
    search_fields = ["title", "text"]
    ordering_fields = ["opened_at", "closed_at", "severity", "id"]
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        read = NotificationRead.objects.filter(notification=OuterRef("pk"), user=user.pk)
        return selectors.visible_notifications(user).annotate(is_read=Exists(read))

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read (for you; each person reads their own)."""
        notification = self.get_object()
        notification_mark_read(notification=notification, user=request.user)
        mark_fresh(request)  # a browser's session (a token has none)
        return Response(self.get_serializer(self.get_queryset().get(pk=notification.pk)).data)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every open notification you have not read as read."""
        marked = notifications_mark_all_read(user=request.user)
        mark_fresh(request)
        return Response({"marked": marked})


router.register("notifications", NotificationViewSet, basename="notification")
