"""/api/v1/project-status-changes/'s generated tests (laseros.api_testing): read by every role."""

from __future__ import annotations

from django.utils import timezone

from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from projects.models import ProjectStatus, ProjectStatusChange
from projects.tests.factories import ProjectFactory


class TestProjectStatusChanges(EndpointTests):
    prefix = "project-status-changes"
    model = ProjectStatusChange
    filters = (
        Filter("project", lambda change: change.project_id),
        Filter(
            "from_status",
            lambda change: ProjectStatus.QUOTING,
            lambda match, other: set_fields(match, from_status=ProjectStatus.QUOTING),
        ),
        Filter("to_status", lambda change: change.to_status),
        Filter("changed_by", lambda change: change.changed_by.username),
        *dates("changed_at"),
    )

    def make(self, n):
        to = (ProjectStatus.QUOTING, ProjectStatus.APPROVED)[n % 2]
        return ProjectStatusChange.objects.create(
            project=ProjectFactory(),
            from_status=ProjectStatus.REQUEST,
            to_status=to,
            changed_at=timezone.now(),
            changed_by=someone(f"mover-{n}"),
            reason=f"move {n}",
        )
