"""queue_item_record_past: the queue's past brought over from another system."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from production.models import QueueItem
from production.services.history import queue_item_record_past

from .factories import MachineFactory, make_project

pytestmark = pytest.mark.django_db

ADDED = dt.datetime(2025, 10, 20, 13, 44, tzinfo=dt.UTC)
FINISHED = dt.datetime(2025, 10, 23, 5, 42, tzinfo=dt.UTC)


def test_a_done_item_holds_no_place_and_keeps_its_dates():
    machine, project = MachineFactory(), make_project(status="completed")
    item = queue_item_record_past(
        project=project,
        machine=machine,
        status="done",
        by=None,
        added_at=ADDED,
        finished_at=FINISHED,
        estimated_minutes=73,
    )
    item.refresh_from_db()
    assert (item.position, item.added_at, item.finished_at) == (None, ADDED, FINISHED)
    project.refresh_from_db()
    assert project.status == "completed"  # the job does not follow: its status is its own
    assert not QueueItem.objects.active().exists()


@pytest.mark.parametrize("status", ["queued", "cutting", "lost"])
def test_an_active_or_unknown_status_is_refused(status):
    machine, project = MachineFactory(), make_project()
    with pytest.raises(ValidationError, match="only a done or cancelled item"):
        queue_item_record_past(project=project, machine=machine, status=status, by=None)
    assert not QueueItem.objects.exists()
