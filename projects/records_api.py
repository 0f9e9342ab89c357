"""/api/v1/project-status-changes/: every job's status history, read-only (laseros.api.records)."""

from __future__ import annotations

import django_filters

from laseros.api.filters import UserFilter, day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import ProjectStatusChange


class ProjectStatusChangeFilter(django_filters.FilterSet):
    """A job's moves, or every move into or out of a status, by whom and on which day."""

    changed_by = UserFilter()
    changed_after, changed_before = day_range("changed_at")

    class Meta:
        model = ProjectStatusChange
        fields = ["project", "from_status", "to_status", "changed_by"]


class ProjectStatusChangeViewSet(RecordViewSet):
    """Each status move of a job: from, to, when, by whom, why, and the gates overridden."""

    queryset = ProjectStatusChange.objects.all()
    serializer_class = record_serializer(ProjectStatusChange)
    filterset_class = ProjectStatusChangeFilter
    search_fields = ["reason", "project__code"]
    ordering_fields = ["changed_at", "id"]
    ordering = ["-changed_at", "-id"]


router.register(
    "project-status-changes", ProjectStatusChangeViewSet, basename="projectstatuschange"
)
