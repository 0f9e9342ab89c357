"""`seed_demo` leaves a floor to look at (issue 12): a queue on every machine, a run in progress
with a sheet photographed and checked, jobs in QC and Ready; the floor's pages show them; a
second run adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from production.models import QUEUE_ACTIVE, FloorRun, Machine, QueueItem
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the demo password file goes here
    call_command("seed_demo", "--size", "8", "--seed", "3", stdout=io.StringIO())


def test_the_demo_floor_has_a_queue_on_each_machine_a_run_qc_and_ready(demo):
    for machine in Machine.objects.active():
        active = QueueItem.objects.filter(machine=machine, status__in=QUEUE_ACTIVE)
        assert active.exists(), machine.code
        positions = sorted(active.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1)), machine.code
    run = FloorRun.objects.open().get()
    sheets = list(run.sheets.order_by("number"))
    assert len(sheets) == 2 and sheets[0].checked_at and sheets[0].photo
    assert sheets[1].checked_at is None
    job = run.jobs.get().project
    assert job.status == "cutting"
    assert QueueItem.objects.get(project=job, status__in=QUEUE_ACTIVE).machine == run.machine
    assert Project.objects.filter(status="qc").exists()
    assert Project.objects.filter(status="ready").exists()


def test_seeding_again_adds_no_floor(demo):
    counts = (FloorRun.objects.count(), Project.objects.count(), QueueItem.objects.count())
    call_command("seed_demo", "--size", "8", "--seed", "3", stdout=io.StringIO())
    assert (FloorRun.objects.count(), Project.objects.count(), QueueItem.objects.count()) == counts


def test_the_demo_operator_sees_the_floor(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="operator"))
    run = FloorRun.objects.open().get()
    for url in (
        reverse("floor:runs"),
        reverse("floor:run", kwargs={"pk": run.pk}),
        reverse("floor:run_start") + f"?machine={run.machine.code}",
        reverse("floor:qc"),
    ):
        assert client.get(url).status_code == 200, url
