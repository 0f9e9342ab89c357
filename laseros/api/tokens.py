"""/api/v1/tokens/: a user's own API tokens. POST {"name": …} makes one and answers its key, the
only time it is shown; DELETE revokes one (the row stays, revoked). A user with
`laseros.view_apitoken` (managers) lists everyone's, as the admin shows them; revoking someone
else's needs `laseros.change_apitoken`."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from laseros import tokens
from laseros.api.filters import UserFilter, day_range
from laseros.api.routers import router
from laseros.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
        fields += ["is_active"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The key: shown in this answer only, never again."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenFilter(django_filters.FilterSet):
    """Tokens by name, owner, whether still active, and when made or last used."""

    name = django_filters.CharFilter(lookup_expr="icontains")
    user = UserFilter()
    active = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull")
    created_after, created_before = day_range("created_at")
    last_used_after, last_used_before = day_range("last_used_at")

    class Meta:
        model = ApiToken
        fields = ["name", "user", "active"]


class ApiTokenViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens: make one (its key is in the answer, once), list them, revoke one."""

    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    permission_classes = [IsAuthenticated]
    search_fields = ["name", "prefix", "user__username"]
    ordering_fields = ["name", "created_at", "last_used_at", "revoked_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no user
            return ApiToken.objects.none()
        rows = ApiToken.objects.select_related("user")
        if self.request.user.has_perm("laseros.view_apitoken"):
            return rows
        return rows.filter(user=self.request.user)

    def get_serializer_class(self):
        return NewApiTokenSerializer if self.action == "create" else ApiTokenSerializer

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        token, key = tokens.token_create(
            user=self.request.user, name=serializer.validated_data["name"], by=self.request.user
        )
        token.token = key  # answered once, never stored
        serializer.instance = token

    def perform_destroy(self, instance):
        mine = instance.user_id == self.request.user.pk
        if not mine and not self.request.user.has_perm("laseros.change_apitoken"):
            raise PermissionDenied("You may revoke your own tokens only.")
        tokens.token_revoke(token=instance, by=self.request.user)


router.register("tokens", ApiTokenViewSet, basename="apitoken")
