"""Projects' events in the outbox (laseros.outbox): project.created and project.status_changed,
written in the transaction of the change; a refused or rolled-back change leaves none."""

import pytest
from django.db import transaction

from clients.tests.factories import ClientFactory
from laseros.models import OutboxEvent
from laseros.moves import TransitionError
from projects.models import Project, ProjectStatus
from projects.services import project_create, project_transition

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _events(type_):
    return list(OutboxEvent.objects.filter(type=type_).order_by("id"))


def test_creating_and_moving_a_job_record_their_events(job_in, manager):
    client = ClientFactory()
    job = project_create(client=client, name="Gate brackets", by=manager)
    (created,) = _events("project.created")
    assert created.payload == {
        "project_id": job.pk,
        "project_code": job.code,
        "client_code": client.code,
        "name": "Gate brackets",
        "status": "request",
        "created_by": "manager",
    }
    approved = job_in(ProjectStatus.APPROVED)
    project_transition(project=approved, to=ProjectStatus.ON_HOLD, by=manager, reason="no steel")
    (moved,) = _events("project.status_changed")
    assert moved.payload["project_code"] == approved.code
    assert (moved.payload["from_status"], moved.payload["to_status"]) == ("approved", "on_hold")
    assert moved.payload["reason"] == "no steel" and moved.payload["by"] == "manager"


def test_a_rolled_back_creation_or_a_refused_move_records_nothing(job_in, manager):
    with pytest.raises(Boom), transaction.atomic():
        project_create(client=ClientFactory(), name="Never", by=manager)
        raise Boom
    assert not Project.objects.filter(name="Never").exists()
    assert _events("project.created") == []
    job = job_in(ProjectStatus.REQUEST)
    Project.objects.filter(pk=job.pk).update(thickness_mm=None)
    with pytest.raises(TransitionError):
        project_transition(project=job, to=ProjectStatus.QUOTING, by=manager)
    assert _events("project.status_changed") == []
