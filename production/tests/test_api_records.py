"""/api/v1/operators/, /floor-runs/, /preset-changes/ and /pinned-slots/'s generated tests
(laseros.api_testing): read by every role (the matrix's production row)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from laseros.api_testing import EndpointTests, Filter, dates, set_fields
from production.models import CutPresetChange, FloorRun, Operator, QualityEffect, QueueSlotOverride
from production.services import queue_add
from production.tests.factories import (
    CutPresetFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)


def on(field, value):
    return lambda match, other: set_fields(match, **{field: value})


class TestOperators(EndpointTests):
    prefix = "operators"
    model = Operator
    filters = (Filter("is_active", lambda o: "false", on("is_active", False)),)

    def make(self, n):
        return OperatorFactory()


class TestFloorRuns(EndpointTests):
    prefix = "floor-runs"
    model = FloorRun
    filters = (
        Filter("machine", lambda run: run.machine_id),
        Filter("operator", lambda run: run.operator_id),
        Filter("status", lambda run: "stopped", on("status", "stopped")),
        *dates("started_at"),
    )

    def make(self, n):
        return FloorRun.objects.create(
            machine=MachineFactory(),
            operator=OperatorFactory(),
            status="finished",
            started_at=timezone.now(),
            start_token=f"api-test-{n}-{timezone.now().timestamp()}",
        )


class TestPresetChanges(EndpointTests):
    prefix = "preset-changes"
    model = CutPresetChange
    filters = (
        Filter("preset", lambda change: change.preset_id),
        Filter("quality_effect", lambda c: "worse", on("quality_effect", QualityEffect.WORSE)),
        *dates("changed_at"),
    )

    def make(self, n):
        return CutPresetChange.objects.create(
            preset=CutPresetFactory(),
            changed_at=timezone.now(),
            reason=f"tune {n}",
            quality_effect=QualityEffect.SAME,
            changes={"notes": ["", f"v{n}"]},
        )


class TestPinnedSlots(EndpointTests):
    prefix = "pinned-slots"
    model = QueueSlotOverride
    filters = (
        Filter("item", lambda pin: pin.item_id),
        Filter("machine", lambda pin: pin.item.machine_id),
        Filter("project", lambda pin: pin.item.project_id),
        Filter("day", lambda pin: pin.day.isoformat()),
        *dates("changed_at"),
    )

    def make(self, n):
        item = queue_add(project=make_project(), machine=MachineFactory(code=f"P{n}"), by=None)
        day = timezone.localdate() + dt.timedelta(days=n + 1)
        return QueueSlotOverride.objects.create(item=item, day=day, reason=f"the client asks {n}")
