"""Fixtures for the projects tests: users in each role and jobs put in a given status."""

from __future__ import annotations

import pytest
from django.utils import timezone

from projects.models import Project, ProjectStatus
from projects.tests.factories import ProjectFactory, design_document


@pytest.fixture
def manager(make_user):
    return make_user("manager", role="Manager")


@pytest.fixture
def operator(make_user):
    return make_user("operator", role="Operator")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer", role="Viewer")


@pytest.fixture
def job_in():
    """job_in("cutting") -> a job in that status with what that status implies already true
    (design file, approval, payment; the status it came from for On hold). Set directly: this is
    test set-up, not a move."""

    def _make(status, *, before_hold=ProjectStatus.CUTTING, **fields):
        project = ProjectFactory(**fields)
        design_document(project)
        now = timezone.now()
        values = {"status": status}
        rank = list(ProjectStatus.values).index(status)
        if status not in (ProjectStatus.ON_HOLD, ProjectStatus.CANCELLED):
            if rank >= list(ProjectStatus.values).index(ProjectStatus.APPROVED):
                values["approved_at"] = now
            if rank >= list(ProjectStatus.values).index(ProjectStatus.PAID):
                values["pop_received_at"] = now
        if status == ProjectStatus.ON_HOLD:
            values["status_before_hold"] = before_hold
            values["approved_at"] = values["pop_received_at"] = now
        Project.objects.filter(pk=project.pk).update(**values)
        project.refresh_from_db()
        return project

    return _make
