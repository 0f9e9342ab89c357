"""project_import_status: a job brought over from another system, put in its old status once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from laseros.models import ActivityLog
from projects.models import ProjectStatus
from projects.services import project_transition
from projects.services.imports import project_import_status
from projects.signals import project_status_changed

from .factories import ProjectFactory, design_document

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2025, 9, 2, 8, 0, tzinfo=dt.UTC)
DONE = dt.datetime(2025, 9, 20, 14, 0, tzinfo=dt.UTC)


def test_one_recorded_move_with_the_old_dates_and_no_signal(django_capture_on_commit_callbacks):
    heard = []

    def listener(**kwargs):
        heard.append(kwargs["to_status"])

    project_status_changed.connect(listener, dispatch_uid="test_imports.listener")
    try:
        project = ProjectFactory()
        with django_capture_on_commit_callbacks(execute=True):
            project_import_status(
                project=project,
                to=ProjectStatus.COMPLETED,
                by=None,
                reason="imported from the old system: Completed",
                opened_at=OPENED,
                changed_at=DONE,
                dates={"completed_at": DONE, "approved_at": None},
            )
    finally:
        project_status_changed.disconnect(dispatch_uid="test_imports.listener")

    project.refresh_from_db()
    assert (project.status, project.completed_at, project.created_at) == ("completed", DONE, OPENED)
    created, moved = project.status_changes.all()
    assert (created.changed_at, created.to_status) == (OPENED, "request")
    assert (moved.from_status, moved.to_status, moved.changed_at) == ("request", "completed", DONE)
    assert moved.reason == "imported from the old system: Completed"
    assert heard == []  # nobody is told: no message, nothing queued
    assert ActivityLog.objects.filter(action="transition", object_id=str(project.pk)).exists()


def test_on_hold_keeps_where_the_job_was():
    project = ProjectFactory()
    project_import_status(
        project=project, to="on_hold", by=None, reason="imported", before_hold="quoting"
    )
    project.refresh_from_db()
    assert (project.status, project.status_before_hold) == ("on_hold", "quoting")


def test_a_job_that_has_moved_is_refused_and_unchanged():
    project = ProjectFactory()
    design_document(project)
    project_transition(project=project, to=ProjectStatus.QUOTING, by=None)
    with pytest.raises(ValidationError, match="has moved in Laser OS since it was created"):
        project_import_status(project=project, to="completed", by=None, reason="imported")
    project.refresh_from_db()
    assert project.status == "quoting" and project.status_changes.count() == 2


def test_a_date_the_import_may_not_set_is_refused():
    project = ProjectFactory()
    with pytest.raises(ValidationError, match="does not set this date"):
        project_import_status(
            project=project, to="completed", by=None, reason="x", dates={"due_date": DONE}
        )
    project.refresh_from_db()
    assert project.status == "request"
