"""/api/v1/: every app's viewsets, plus who-am-I and the token endpoint.

Each app's `api.py` registers its viewsets on the one router (laseros.api.routers) when it is
imported; importing them here, at the top layer, is what puts them on the API.
"""

from axes.helpers import get_cool_off
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

import clients.api
import comms.api
import comms.notifications_api
import comms.records_api
import finance.api
import finance.billing_api
import finance.records_api
import ingest.api
import ingest.records_api
import inventory.api
import production.api
import production.records_api
import projects.api
import projects.records_api
from laseros.api import records as core_records_api
from laseros.api import tokens as tokens_api
from laseros.api.routers import router
from laseros.api.throttling import ScopedRateThrottle
from laseros.site import records_api as site_records_api
from laseros.site.dashboard.api import search
from laseros.site.tracking import api as tracking_api

API_MODULES = (
    clients.api,
    inventory.api,
    projects.api,
    ingest.api,
    production.api,
    finance.api,
    finance.billing_api,
    comms.api,
    comms.notifications_api,
    tokens_api,
    core_records_api,
    projects.records_api,
    ingest.records_api,
    comms.records_api,
    production.records_api,
    finance.records_api,
    site_records_api,
)


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


class TokenView(ObtainAuthToken):
    """A token for a username and password. Throttled per address (API_THROTTLE_TOKEN; DRF's own
    view has no throttle), and a failure counts toward the same django-axes lockout as the login
    page: once an account is locked from this address, it says so (429) instead of "unable to
    log in", and no token is issued even for the right password."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # AxesStandaloneBackend refused, or this failure reached the limit: axes marks the
            # request it was given (DRF's), which its middleware never sees.
            if not getattr(request, "axes_locked_out", False):
                raise
        seconds = int(get_cool_off(request).total_seconds())
        return Response(
            {
                "detail": "Too many failed logins for this account from this address. It is "
                f"locked for {seconds // 60} minutes after the last failed try; ask an admin "
                "to unlock it sooner."
            },
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(seconds)},
        )


urlpatterns = [
    path("me/", me, name="api-me"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("search/", search, name="api-search"),
    *finance.api.urlpatterns,  # quotes/instant/: a view of its own, before the router's routes
    *finance.billing_api.urlpatterns,  # quotes/{id}/pdf/
    *tracking_api.urlpatterns,  # projects/{id}/tracking-link/ (the client's link)
    path("", include(router.urls)),
]
