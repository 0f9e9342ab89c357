"""Factories for production records, and a job to cut (projects' factory when it exists)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from inventory.tests.factories import MaterialFactory
from production.models import CutPreset, Gas, LaserRun, Machine, Operator

_numbers = itertools.count(1)


def make_project(**fields):
    """A project to cut: paid (proof of payment in), so a run may serve it, unless `status` is
    given. Uses projects' ProjectFactory when that engineer has written one."""
    status = fields.pop("status", "paid")
    try:
        from projects.tests.factories import ProjectFactory
    except ImportError:
        ProjectFactory = None
    if ProjectFactory is not None:
        project = ProjectFactory(**fields)
        if status != project.status:
            from projects.models import Project

            paid = {"pop_received_at": timezone.now()} if status == "paid" else {}
            Project.objects.filter(pk=project.pk).update(status=status, **paid)
            project.refresh_from_db()
        return project
    from clients.models import Client
    from projects.models import Project

    n = next(_numbers)
    client = fields.pop("client", None) or Client.objects.create(
        code=f"CL-{9000 + n:04d}", name=f"Client {n}"
    )
    fields.setdefault("name", f"Job {n}")
    return Project.objects.create(
        code=f"JB-2026-01-CL{9000 + n:04d}-{n:03d}", client=client, **fields
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"op{n}")


class MachineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Machine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"M{n:02d}")
    name = "Golden Laser X3"
    machine_model = "Golden Laser X3 fibre"
    power_w = 3000
    max_sheet_width_mm = 1500
    max_sheet_length_mm = 3000


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda o: o.user.username.title())


class CutPresetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CutPreset

    material = factory.SubFactory(MaterialFactory)
    thickness_mm = Decimal("3")
    gas = Gas.AIR
    nozzle = "1.5SN"
    note = factory.Sequence(lambda n: f"v{n}")
    cut_speed_mm_min = Decimal("4000")
    peak_power_w = 3000
    pierce_time_s = Decimal("0.5")


class LaserRunFactory(factory.django.DjangoModelFactory):
    """A bare run (no sheets, no jobs): for list tests; real runs come from run_record."""

    class Meta:
        model = LaserRun

    machine = factory.SubFactory(MachineFactory)
    operator = factory.SubFactory(OperatorFactory)
    preset = factory.SubFactory(CutPresetFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ended_at = factory.LazyFunction(timezone.now)
    parts_cut = 10


# Runs in the query-count tests (assert_constant_queries(large=...)): a run is written with two
# jobs, a preset, a sheet and its stock movement; 20 runs show a query per row as surely as 50
# do, in a third of the time (5 rows against 20 must still need the same queries).
RUNS_LARGE = 20
