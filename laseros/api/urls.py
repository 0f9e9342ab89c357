"""/api/v1/: every app's viewsets, plus who-am-I."""

import importlib

from django.apps import apps
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .routers import router

# Each Laser OS app may have an `api.py` that registers its viewsets on the router.
for _label in ("clients", "inventory", "projects", "ingest", "comms", "production", "finance"):
    if apps.is_installed(_label):
        try:
            importlib.import_module(f"{_label}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{_label}.api":
                raise


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    is_superuser = serializers.BooleanField()


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    """The authenticated user, their roles and permissions."""
    user = request.user
    return Response(
        {
            "username": user.get_username(),
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "is_superuser": user.is_superuser,
        }
    )


urlpatterns = [
    path("me/", me, name="api-me"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
