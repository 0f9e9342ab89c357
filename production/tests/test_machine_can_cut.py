"""A job goes to a machine that cuts its material and thickness (issue 12, point 2): each
machine may name the materials it cuts and its thickest plate; a job no active machine can cut
is not queued, and the reason names its material and thickness."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from laseros.models import ActivityLog
from production.models import Machine, QueueItem
from production.services import machine_for
from production.tests.factories import MachineFactory
from projects.models import Project
from projects.services import project_transition
from projects.tests.factories import ProjectFactory, material

pytestmark = pytest.mark.django_db


def job(status="approved", thickness="3", **fields):
    project = ProjectFactory(thickness_mm=Decimal(thickness), **fields)
    values = {"status": status}
    if status == "paid":
        values["pop_received_at"] = timezone.now()
    Project.objects.filter(pk=project.pk).update(**values)
    project.refresh_from_db()
    return project


@pytest.fixture
def thin_and_thick(settings):
    """X3, the default machine, cuts up to 6 mm of mild steel only; X9 cuts anything."""
    thin = MachineFactory(code="X3", max_thickness_mm=Decimal("6"))
    thin.materials.set([material("MS")])
    thick = MachineFactory(code="X9")
    settings.PRODUCTION_DEFAULT_MACHINE = "X3"
    return thin, thick


def test_the_default_machine_takes_what_it_can_cut_and_the_other_takes_the_rest(thin_and_thick):
    thin, thick = thin_and_thick
    assert machine_for(job(material=material("MS"), thickness="3")) == thin
    assert machine_for(job(material=material("MS"), thickness="8")) == thick
    assert machine_for(job(material=material("SS"), thickness="2")) == thick
    # a job whose material or thickness is not known yet rules no machine out
    assert machine_for(job(material=None, thickness="3")) == thin


def test_a_job_the_default_machine_cannot_cut_is_queued_on_one_that_can(
    thin_and_thick, make_user, committed
):
    thin, thick = thin_and_thick
    project = job(material=material("MS"), thickness="10")
    with committed():
        project_transition(
            project=project,
            to="queued",
            by=make_user("boss", role="Manager"),
            override=True,
            reason="trusted client",
        )
    (item,) = QueueItem.objects.filter(project=project)
    assert (item.machine, item.status) == (thick, "queued")


def test_a_job_no_machine_can_cut_waits_and_says_why(thin_and_thick, make_user, committed):
    thin, thick = thin_and_thick
    thick.max_thickness_mm = Decimal("12")
    thick.save()
    project = job("approved", material=material("MS"), thickness="16")
    with committed():
        project_transition(
            project=project,
            to="paid",
            by=make_user("boss", role="Manager"),
            override=True,
            reason="paid in cash",
        )
    assert not QueueItem.objects.filter(project=project).exists()
    project.refresh_from_db()
    assert project.status == "paid"
    said = ActivityLog.objects.filter(object_id=str(project.pk)).values_list("message", flat=True)
    assert any("No active machine cuts MS 16 mm" in message for message in said), list(said)
    assert Machine.objects.count() == 2
