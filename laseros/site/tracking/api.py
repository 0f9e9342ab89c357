"""GET /api/v1/projects/{id}/tracking-link/: the client's tracking link of a job, for staff who
may make one (laseros_site.add_trackinglink: Admins and Managers). Beside the projects viewset,
which projects.api keeps: projects sits below this layer and cannot import the link."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.models import Project

from .links import link_url, tracking_link_current

ADD_LINK = "laseros_site.add_trackinglink"


class MayMakeTrackingLinks(BasePermission):
    """Staff whose role may make a client's tracking link."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active and user.is_staff
        ) and user.has_perm(ADD_LINK)


class TrackingLinkView(APIView):
    permission_classes = [MayMakeTrackingLinks]

    @extend_schema(
        operation_id="projects_tracking_link",
        summary="The client's tracking link of a job",
        description="The job's live link when one has at least half its life left, else a new "
        "one (TRACKING_LINK_DAYS). The client opens it without logging in; a manager may revoke "
        "it in the admin.",
        responses={
            200: inline_serializer(
                "TrackingLink",
                {
                    "url": serializers.URLField(help_text="The link to send the client."),
                    "expires": serializers.DateTimeField(help_text="When it stops working."),
                },
            ),
            403: OpenApiResponse(description="Not staff, or the role may not make links."),
            404: OpenApiResponse(description="No such job."),
        },
    )
    def get(self, request, pk: int, *args, **kwargs):
        project = Project.objects.filter(pk=pk).first()
        if project is None:
            raise NotFound("No such job.")
        link = tracking_link_current(project=project, by=request.user)
        return Response(
            {
                "url": link_url(link),
                "expires": serializers.DateTimeField().to_representation(link.expires_at),
            }
        )


urlpatterns = [
    path(
        "projects/<int:pk>/tracking-link/",
        TrackingLinkView.as_view(),
        name="api-project-tracking-link",
    )
]
